using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

internal sealed partial class LayerProgram
{
    /// <summary>
    /// One classify (docs/ARBITRATION.md, The algorithm). Lock-free (the program is immutable) and allocation-free (the callout copy of
    /// classify-out is a struct; terminating entries go to the caller's span).
    /// </summary>
    public ClassifyResult Classify(
        ReadOnlySpan<FwpValue> values,
        in ClassifyMetadata metadata,
        Span<TerminatingFilterInfo> terminating,
        FlowContextTable? flowContexts,
        in LayerData layerData)
    {
        var state = new ArbitrationState();
        if (Tree.RootCount == 1)
        {
            // One tree (every layer below the forest threshold): walk its one candidate list.
            var candidates = Tree.Candidates(values);
            for (var i = 0; i < candidates.Length; i++)
            {
                var rank = candidates[i];
                if (rank < state.SkipUntil)
                {
                    // This rank's sublayer has terminated: jump to the first candidate of a later sublayer.
                    i += DecisionTree.LowerBound(candidates[i..], state.SkipUntil) - 1;
                    continue;
                }

                Consider(rank, values, in metadata, terminating, flowContexts, in layerData, ref state);
            }
        }
        else
        {
            ClassifyForest(values, in metadata, terminating, flowContexts, in layerData, ref state);
        }

        return new ClassifyResult(state.Action, state.FilterId, state.Rights, state.Flags, state.Vetoed, state.TerminatingCount, state.CalloutFaults);
    }

    private void ClassifyForest(ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata, Span<TerminatingFilterInfo> terminating, FlowContextTable? flowContexts, in LayerData layerData, ref ArbitrationState state)
    {
        Span<int> next = stackalloc int[DecisionTree.MaxRoots];
        Span<int> ends = stackalloc int[DecisionTree.MaxRoots];
        var trees = Tree.Collect(values, next, ends);
        var ranks = Tree.LeafRanks;
        while (true)
        {
            // Next candidate: the lowest rank at the heads of the trees' lists. Ranks below SkipUntil belong to a
            // sublayer that has terminated: each list jumps past them.
            var rank = int.MaxValue;
            var from = -1;
            for (var t = 0; t < trees; t++)
            {
                var p = next[t];
                if (p >= ends[t])
                {
                    continue;
                }

                if (ranks[p] < state.SkipUntil)
                {
                    p += DecisionTree.LowerBound(ranks[p..ends[t]], state.SkipUntil);
                    next[t] = p;
                    if (p >= ends[t])
                    {
                        continue;
                    }
                }

                if (ranks[p] < rank)
                {
                    rank = ranks[p];
                    from = t;
                }
            }

            if (from < 0)
            {
                return;
            }

            next[from]++;
            Consider(rank, values, in metadata, terminating, flowContexts, in layerData, ref state);
        }
    }

    // One candidate: match, evaluate, record and arbitrate (the loop body of docs/ARBITRATION.md, The algorithm).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void Consider(int rank, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata, Span<TerminatingFilterInfo> terminating, FlowContextTable? flowContexts, in LayerData layerData, ref ArbitrationState state)
    {
        ref readonly var filter = ref Filters[rank];
        if (!Matches(in filter, values))
        {
            return;
        }

        var outcome = Evaluate(in filter, values, in metadata, ref state, flowContexts, in layerData);
        if (outcome.Kind == OutcomeKind.Continue)
        {
            return;
        }

        if (state.TerminatingCount < terminating.Length)
        {
            var sublayer = Sublayers[filter.SublayerOrdinal];
            terminating[state.TerminatingCount] = new TerminatingFilterInfo(filter.FilterId, sublayer.Key, sublayer.Weight, outcome.Action);
        }

        state.TerminatingCount++;
        Arbitrate(ref state, in outcome, filter.FilterId);

        // The first terminating filter ends its sublayer; lower sublayers are still evaluated (docs/ARBITRATION.md, The algorithm).
        state.SkipUntil = SublayerEnd[filter.SublayerOrdinal];
    }

    internal static void Arbitrate(ref ArbitrationState state, in Outcome outcome, ulong filterId)
    {
        if ((state.Rights & ClassifyOut.RightActionWrite) != 0)
        {
            // The reported filter is the one that set the current state: a later soft decision that agrees keeps
            // the first one (docs/ARBITRATION.md, Worked examples: a real net event names the higher sublayer's permit); a different
            // action, or one that makes the decision hard, replaces it.
            if (state.Action != outcome.Action || outcome.Hard)
            {
                state.FilterId = filterId;
            }

            state.Action = outcome.Action;
            state.Flags = outcome.OutFlags;
            if (outcome.Hard)
            {
                state.Rights &= ~ClassifyOut.RightActionWrite;
            }
        }
        else if (state.Action == ActionType.Permit && outcome.Action == ActionType.Block && outcome.FromCallout)
        {
            // Veto: a callout's BLOCK overrides a hard permit (docs/ARBITRATION.md, Veto).
            state.Action = ActionType.Block;
            state.FilterId = filterId;
            state.Flags = outcome.OutFlags;
            state.Vetoed = true;
        }
    }

    internal Outcome Evaluate(in CompiledFilter filter, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata, ref ArbitrationState state, FlowContextTable? flowContexts, in LayerData layerData)
    {
        switch (filter.Kind)
        {
            case FilterKind.Permit:
                return new Outcome(OutcomeKind.Decided, ActionType.Permit, hard: false, absorb: false, fromCallout: false);
            case FilterKind.HardPermit:
                return new Outcome(OutcomeKind.Decided, ActionType.Permit, hard: true, absorb: false, fromCallout: false);
            case FilterKind.Block:
                return new Outcome(OutcomeKind.Decided, ActionType.Block, hard: true, absorb: false, fromCallout: false);
            default:
                return EvaluateCallout(in filter, values, in metadata, ref state, flowContexts, in layerData);
        }
    }

    private Outcome EvaluateCallout(in CompiledFilter filter, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata, ref ArbitrationState state, FlowContextTable? flowContexts, in LayerData layerData)
    {
        var slot = CalloutSlots[filter.CalloutIndex];
        var callout = slot.Callout;
        if (callout is null)
        {
            return Unregistered(in filter);
        }

        ulong flowContext = 0;
        var hasContext = metadata.HasFlowHandle && flowContexts is not null && !flowContexts.IsEmpty
            && flowContexts.TryGet(metadata.FlowHandle, Layer.LayerId, slot.CalloutId, out flowContext);
        if ((slot.Flags & CalloutRegistrationFlags.ConditionalOnFlow) != 0 && !hasContext)
        {
            // FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW: the callout is not invoked for flows it has no context on.
            return Outcome.ContinueOutcome;
        }

        var co = new ClassifyOut
        {
            ActionType = state.Action,
            FilterId = state.FilterId,
            Rights = state.Rights,
            Flags = layerData.ClassifyOutFlags,
        };

        slot.CountInvocation();
        try
        {
            var context = new CalloutClassifyContext(Layer, values, in metadata, in layerData, RuntimeFilters[filter.CalloutIndex], flowContext);
            callout.Classify(in context, ref co);
        }
        catch (Exception)
        {
            // A callout's exception never escapes classify: count it and act as if the callout were unregistered.
            slot.CountFault();
            state.CalloutFaults++;
            return Unregistered(in filter);
        }

        if (filter.Kind == FilterKind.CalloutInspection)
        {
            return Outcome.ContinueOutcome;
        }

        if (co.ActionType is ActionType.Permit or ActionType.Block)
        {
            var hard = (co.Rights & ClassifyOut.RightActionWrite) == 0;
            var absorb = co.ActionType == ActionType.Block && (co.Flags & ClassifyOut.FlagAbsorb) != 0;
            return new Outcome(OutcomeKind.Decided, co.ActionType, hard, absorb, fromCallout: true, pend: absorb && (co.Flags & ClassifyOut.FlagPend) != 0);
        }

        if (filter.Kind == FilterKind.CalloutUnknown && co.ActionType is ActionType.Continue or ActionType.None or ActionType.NoneNoMatch)
        {
            return Outcome.ContinueOutcome;
        }

        // A terminating callout must decide, and an unknown one decide or continue; any other answer is counted as a
        // fault (documented in docs/ENGINE.md).
        slot.CountFault();
        state.CalloutFaults++;
        return Unregistered(in filter);
    }

    /// <summary>docs/ARBITRATION.md, Unregistered callouts: TERMINATING/UNKNOWN act as BLOCK (hard), or PERMIT with PERMIT_IF_CALLOUT_UNREGISTERED; INSPECTION is skipped.</summary>
    private static Outcome Unregistered(in CompiledFilter filter)
    {
        if (filter.Kind == FilterKind.CalloutInspection)
        {
            return Outcome.ContinueOutcome;
        }

        return filter.PermitIfUnregistered
            ? new Outcome(OutcomeKind.Decided, ActionType.Permit, hard: filter.ClearActionRight, absorb: false, fromCallout: false)
            : new Outcome(OutcomeKind.Decided, ActionType.Block, hard: true, absorb: false, fromCallout: false);
    }

    internal struct ArbitrationState
    {
        public ArbitrationState()
        {
        }

        public ActionType Action = ActionType.NoneNoMatch;
        public ulong FilterId;
        public uint Rights = ClassifyOut.RightActionWrite;
        public uint Flags;
        public bool Vetoed;
        public int TerminatingCount;
        public int CalloutFaults;

        /// <summary>Ranks below this belong to sublayers that have terminated.</summary>
        public int SkipUntil;
    }
}

/// <summary>Whether a matched filter decided or let evaluation continue.</summary>
internal enum OutcomeKind : byte
{
    Continue,
    Decided,
}

/// <summary>What one matched filter returned.</summary>
internal readonly struct Outcome
{
    public static readonly Outcome ContinueOutcome = new(OutcomeKind.Continue, ActionType.Continue, false, false, false);

    public Outcome(OutcomeKind kind, ActionType action, bool hard, bool absorb, bool fromCallout, bool pend = false)
    {
        Pend = pend;
        Kind = kind;
        Action = action;
        Hard = hard;
        Absorb = absorb;
        FromCallout = fromCallout;
    }

    public OutcomeKind Kind { get; }

    public ActionType Action { get; }

    public bool Hard { get; }

    public bool Absorb { get; }

    public bool FromCallout { get; }

    /// <summary>A callout's BLOCK + ABSORB that pended the classification (<see cref="ClassifyOut.FlagPend"/>).</summary>
    public bool Pend { get; }

    /// <summary>The FWPS_CLASSIFY_OUT_FLAG_* this outcome leaves in the result.</summary>
    public uint OutFlags => (Absorb ? ClassifyOut.FlagAbsorb : 0) | (Pend ? ClassifyOut.FlagPend : 0);
}
