using OpenWfp.Cli.Input;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Output;

/// <summary>A classify result with its ids resolved to the objects people recognise.</summary>
/// <param name="Action">The decision as the engine returned it (PERMIT, BLOCK, or no match).</param>
/// <param name="FilterId">The deciding filter's id; 0 when nothing matched.</param>
/// <param name="IsHard">True when the deciding filter cleared the action right.</param>
/// <param name="Vetoed">True when a callout vetoed a hard permit.</param>
/// <param name="Filter">The deciding filter, or null when nothing matched.</param>
/// <param name="Sublayers">Per sublayer that terminated: the sublayer, its terminating filter and the action it returned.</param>
internal sealed record DecisionSummary(ActionType Action, ulong FilterId, bool IsHard, bool Vetoed, FilterSpec? Filter, IReadOnlyList<SublayerDecision> Sublayers)
{
    /// <summary>"permit" or "block": no match is a permit (docs/ARBITRATION.md, The algorithm).</summary>
    public string Decision => Action == ActionType.Block ? "block" : "permit";

    /// <summary>True when the deciding filter made the decision hard (action right cleared).</summary>
    public bool Hard => Action is ActionType.Permit or ActionType.Block && IsHard;

    public static DecisionSummary From(ClassifyRequest request, ClassifyResult result, IEnumerable<TerminatingFilterInfo> terminating)
    {
        var view = request.Engine.Current;
        var sublayers = terminating
            .Select(t => new SublayerDecision(
                view.SublayersByKey.GetValueOrDefault(t.SublayerKey),
                t.SublayerKey,
                t.SublayerWeight,
                view.FilterById(t.FilterId),
                t.FilterId,
                t.Action))
            .ToList();
        return new DecisionSummary(
            result.Action,
            result.FilterId,
            (result.Rights & ClassifyOut.RightActionWrite) == 0,
            result.Vetoed,
            result.FilterId == 0 ? null : view.FilterById(result.FilterId),
            sublayers);
    }

    public static string ActionName(ActionType action) => action switch
    {
        ActionType.Permit => "permit",
        ActionType.Block => "block",
        ActionType.Continue => "continue",
        _ => action.ToString().ToLowerInvariant(),
    };
}
