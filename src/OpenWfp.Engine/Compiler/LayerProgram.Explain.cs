using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

internal sealed partial class LayerProgram
{
    /// <summary>
    /// The explained twin of <see cref="Classify"/>: walks every filter (no index, so nothing is hidden), using the
    /// same condition, callout and arbitration code, so the decision is the one classify makes.
    /// </summary>
    public ExplainReport Explain(ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata, FlowContextTable? flowContexts, in LayerData layerData)
    {
        var state = new ArbitrationState();
        var terminating = new List<TerminatingFilterInfo>();
        var filters = new List<ExplainFilter>(Filters.Length);
        var skipUntil = 0;
        for (var rank = 0; rank < Filters.Length; rank++)
        {
            ref readonly var filter = ref Filters[rank];
            var spec = Specs[rank];
            var sublayer = Sublayers[filter.SublayerOrdinal];
            var conditions = ExplainConditions(in filter, spec, values);
            var matched = Matches(in filter, values);
            if (rank < skipUntil)
            {
                filters.Add(new ExplainFilter(spec, sublayer, ExplainOutcome.SkippedSublayerDone, ActionType.None, conditions, "not evaluated: a higher-weight filter already terminated this sublayer", false));
                continue;
            }

            if (!matched)
            {
                filters.Add(new ExplainFilter(spec, sublayer, ExplainOutcome.NotMatched, ActionType.None, conditions, "conditions do not match", false));
                continue;
            }

            var before = state;
            var outcome = Evaluate(in filter, values, in metadata, ref state, flowContexts, in layerData);
            if (outcome.Kind == OutcomeKind.Continue)
            {
                var why = filter.Kind switch
                {
                    FilterKind.CalloutInspection when CalloutSlots[filter.CalloutIndex].Callout is null => "inspection callout not registered: skipped",
                    FilterKind.CalloutInspection => "inspection callout ran; it never decides",
                    _ when CalloutSlots[filter.CalloutIndex].Callout is null => "callout not registered",
                    _ => "callout returned CONTINUE",
                };
                filters.Add(new ExplainFilter(spec, sublayer, ExplainOutcome.Continued, ActionType.Continue, conditions, why, false));
                continue;
            }

            terminating.Add(new TerminatingFilterInfo(filter.FilterId, sublayer.Key, sublayer.Weight, outcome.Action));
            state.TerminatingCount++;
            Arbitrate(ref state, in outcome, filter.FilterId);
            var took = state.FilterId == filter.FilterId && (before.FilterId != filter.FilterId || before.Action != state.Action);
            filters.Add(new ExplainFilter(spec, sublayer, ExplainOutcome.Terminated, outcome.Action, conditions, Describe(before, in outcome, state), took));
            skipUntil = SublayerEnd[filter.SublayerOrdinal];
        }

        // Only the filter that holds the final decision is marked as deciding.
        for (var i = 0; i < filters.Count; i++)
        {
            if (filters[i].Decided && filters[i].Filter.FilterId != state.FilterId)
            {
                filters[i] = filters[i] with { Decided = false };
            }
        }

        var result = new ClassifyResult(state.Action, state.FilterId, state.Rights, state.Flags, state.Vetoed, state.TerminatingCount, state.CalloutFaults);
        return new ExplainReport(Layer, result, terminating, filters, values.ToArray());
    }

    private List<ExplainCondition> ExplainConditions(in CompiledFilter filter, FilterSpec spec, ReadOnlySpan<FwpValue> values)
    {
        var list = new List<ExplainCondition>(filter.OpCount);
        for (var i = filter.OpStart; i < filter.OpStart + filter.OpCount; i++)
        {
            var condition = spec.Conditions[OpConditionIndex[i]];
            var field = Layer.Fields[Ops[i].Field];
            var value = Ops[i].Field < values.Length ? values[Ops[i].Field] : default;
            list.Add(new ExplainCondition(condition, field, value, EvalOp(in Ops[i], values)));
        }

        return list;
    }

    private static string Describe(ArbitrationState before, in Outcome outcome, ArbitrationState after)
    {
        var what = (outcome.Action == ActionType.Permit ? "PERMIT" : "BLOCK") + (outcome.Hard ? " (hard)" : " (soft)") + (outcome.Absorb ? " absorbed" : "");
        if (after.Vetoed && !before.Vetoed)
        {
            return $"{what}: a callout's block vetoes the hard permit of filter {before.FilterId}";
        }

        if ((before.Rights & ClassifyOut.RightActionWrite) == 0)
        {
            return $"{what}: ignored, filter {before.FilterId}'s decision is already hard";
        }

        if (before.Action is not (ActionType.Permit or ActionType.Block))
        {
            return $"{what}: first decision";
        }

        var previous = before.Action == ActionType.Permit ? "permit" : "block";
        if (before.Action == outcome.Action && !outcome.Hard)
        {
            return $"{what}: agrees with filter {before.FilterId}'s soft {previous}, which stays the reported filter";
        }

        return before.Action == outcome.Action
            ? $"{what}: makes filter {before.FilterId}'s soft {previous} hard"
            : $"{what}: overrides filter {before.FilterId}'s soft {previous}";
    }
}

/// <summary>Explain entry point that also covers a layer with no filters.</summary>
internal static class ExplainBuilder
{
    public static ExplainReport Build(LayerInfo layer, LayerProgram? program, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata, FlowContextTable flows, in LayerData layerData) =>
        program is null
            ? new ExplainReport(layer, ClassifyResult.NoMatch, [], [], values.ToArray())
            : program.Explain(values, in metadata, flows, in layerData);
}
