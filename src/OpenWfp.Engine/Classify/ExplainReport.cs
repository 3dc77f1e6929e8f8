using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Classify;

/// <summary>The full account of one classify, for <c>wfp explain</c>.</summary>
public sealed class ExplainReport
{
    internal ExplainReport(LayerInfo layer, ClassifyResult result, IReadOnlyList<TerminatingFilterInfo> terminating, IReadOnlyList<ExplainFilter> filters, IReadOnlyList<FwpValue> values)
    {
        Layer = layer;
        Result = result;
        Terminating = terminating;
        Filters = filters;
        Values = values;
    }

    /// <summary>The layer.</summary>
    public LayerInfo Layer { get; }

    /// <summary>The classify result (identical to what <see cref="FilterEngine.Classify(LayerInfo, ReadOnlySpan{FwpValue}, in ClassifyMetadata, Span{TerminatingFilterInfo}, in Callouts.LayerData)"/> returns).</summary>
    public ClassifyResult Result { get; }

    /// <summary>The per-sublayer terminating filters.</summary>
    public IReadOnlyList<TerminatingFilterInfo> Terminating { get; }

    /// <summary>Every filter of the layer, in evaluation order.</summary>
    public IReadOnlyList<ExplainFilter> Filters { get; }

    /// <summary>The incoming values used.</summary>
    public IReadOnlyList<FwpValue> Values { get; }
}

/// <summary>What happened to one filter in an explained classify.</summary>
public enum ExplainOutcome
{
    /// <summary>A condition did not hold.</summary>
    NotMatched,
    /// <summary>Not evaluated: a higher-weight filter had already terminated its sublayer.</summary>
    SkippedSublayerDone,
    /// <summary>Matched and returned PERMIT or BLOCK (terminating its sublayer).</summary>
    Terminated,
    /// <summary>Matched, but let evaluation continue (an inspection callout, a callout that returned CONTINUE, an unregistered inspection callout).</summary>
    Continued,
}

/// <summary>One filter in an explained classify.</summary>
/// <param name="Filter">The filter.</param>
/// <param name="Sublayer">Its sublayer.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Action">The action it returned when <see cref="ExplainOutcome.Terminated"/>.</param>
/// <param name="Conditions">Each condition with whether it held (empty when skipped).</param>
/// <param name="Note">How arbitration used the result, in words.</param>
/// <param name="Decided">True when this filter's action is the final decision.</param>
public sealed record ExplainFilter(FilterSpec Filter, SublayerSpec Sublayer, ExplainOutcome Outcome, ActionType Action, IReadOnlyList<ExplainCondition> Conditions, string Note, bool Decided);

/// <summary>One condition of an explained filter.</summary>
/// <param name="Condition">The condition.</param>
/// <param name="Field">The layer field it tests.</param>
/// <param name="Value">The incoming value it was tested against.</param>
/// <param name="Held">Whether it held.</param>
public sealed record ExplainCondition(FilterCondition Condition, LayerFieldInfo Field, FwpValue Value, bool Held);
