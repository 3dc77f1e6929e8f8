using System.Globalization;
using System.Text;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Values;
using OpenWfp.Testing;

namespace OpenWfp.Engine.Tests.Differential;

/// <summary>The engine against the naive reference classifier on random policies and inputs.</summary>
public class DifferentialTests
{
    private const int DefaultSeed = 20261126;
    private const int Policies = 200;
    private const int InputsPerPolicy = 60;

    private static int BaseSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("OPENWFP_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

    [Fact]
    public void Classify_MatchesReference_OnRandomPolicies()
    {
        var baseSeed = BaseSeed;
        var cases = 0;
        var decided = 0;
        var indexedPolicies = 0;
        int vetoes = 0, absorbed = 0, faults = 0, soft = 0, hard = 0, severalTerminating = 0, v6Decided = 0;
        for (var p = 0; p < Policies; p++)
        {
            var seed = baseSeed + p;
            // Sizes 1..200, half below 16, half at or above; every tenth policy 256..1,000 filters, where the
            // engine splits a layer into a forest of trees.
            var filterCount = p % 10 == 9 ? 256 + (p * 37 % 745) : p % 2 == 0 ? 1 + (p / 2 % 15) : 16 + (p * 7 % 185);
            var engine = RandomPolicy.Build(seed, filterCount);
            if (engine.Current.FiltersOf(RandomPolicy.V4).Count() >= 16)
            {
                indexedPolicies++;
            }

            var rng = new Random(seed ^ 0x5A5A5A5A);
            var terminating = new TerminatingFilterInfo[16];
            for (var i = 0; i < InputsPerPolicy; i++, cases++)
            {
                var layer = rng.Next(5) == 0 ? RandomPolicy.V6 : RandomPolicy.V4;
                var values = RandomPolicy.RandomInput(rng, layer);
                var actual = engine.Classify(layer, values, default, terminating);
                var expected = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
                var actualTerminating = terminating.AsSpan(0, Math.Min(actual.TerminatingCount, terminating.Length)).ToArray();
                if (!Same(actual, actualTerminating, expected))
                {
                    Assert.Fail(Describe(engine, baseSeed, seed, filterCount, p, i, layer, values, actual, actualTerminating, expected));
                }

                if (actual.HasDecision)
                {
                    decided++;
                    v6Decided += layer == RandomPolicy.V6 ? 1 : 0;
                    soft += actual.Rights != 0 ? 1 : 0;
                    hard += actual.Rights == 0 ? 1 : 0;
                }

                vetoes += actual.Vetoed ? 1 : 0;
                absorbed += actual.IsAbsorbed ? 1 : 0;
                faults += actual.CalloutFaults > 0 ? 1 : 0;
                severalTerminating += actual.TerminatingCount > 1 ? 1 : 0;

                // Explain must agree with Classify (a sample: every 7th case).
                if (i % 7 == 0)
                {
                    var report = engine.Explain(layer, values);
                    if (!Same(report.Result, [.. report.Terminating], expected))
                    {
                        Assert.Fail("Explain(...).Result differs from the reference.\n" + Describe(engine, baseSeed, seed, filterCount, p, i, layer, values, report.Result, [.. report.Terminating], expected));
                    }
                }
            }
        }

        Assert.Equal(Policies * InputsPerPolicy, cases);
        // The domains are small on purpose: most inputs must be decided by some filter, else the test proves little.
        Assert.True(decided > cases / 2, $"only {decided} of {cases} cases were decided by a filter (seed {baseSeed})");
        // Every arbitration feature must actually have been exercised (else a broken generator would pass silently).
        var coverage = $"vetoes {vetoes}, absorbed {absorbed}, callout faults {faults}, soft {soft}, hard {hard}, several terminating {severalTerminating}, V6 decided {v6Decided}";
        Assert.True(vetoes > 0 && absorbed > 0 && faults > 0 && soft > 0 && hard > 0 && severalTerminating > 0 && v6Decided > 0, coverage);
        Assert.True(indexedPolicies >= Policies / 3, $"only {indexedPolicies} policies reached 16 filters on the V4 layer");
    }

    [Fact]
    public void Reference_WorkedExamples_FromSpec()
    {
        // Worked examples 3 and 4 of docs/ARBITRATION.md through the reference itself, so the oracle is checked against them.
        var layer = RandomPolicy.V4;
        var engine = new FilterEngine();
        var a = engine.AddSublayer(new Model.SublayerSpec { DisplayData = new("A"), Weight = 0x8000 }).Key;
        var b = engine.AddSublayer(new Model.SublayerSpec { DisplayData = new("B"), Weight = 0x100 }).Key;
        var permit = engine.AddFilter(new Model.FilterSpec { DisplayData = new("permit"), LayerKey = layer.Key, SublayerKey = a, Action = Model.FilterAction.Permit });
        var block = engine.AddFilter(new Model.FilterSpec { DisplayData = new("block"), LayerKey = layer.Key, SublayerKey = b, Action = Model.FilterAction.Block });
        var values = new FwpValue[layer.Fields.Count];

        // Example 3: soft permit overridden by a lower static block.
        var soft = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
        Assert.Equal(Model.ActionType.Block, soft.Action);
        Assert.Equal(block.FilterId, soft.FilterId);
        Assert.Equal([permit.FilterId, block.FilterId], soft.Terminating.Select(t => t.FilterId));
        AssertEngineAgrees(engine, layer, values, soft);

        // Example 4: hard permit beats a lower static block...
        engine.DeleteFilter(permit.FilterId);
        var hardPermit = engine.AddFilter(new Model.FilterSpec { DisplayData = new("hard permit"), LayerKey = layer.Key, SublayerKey = a, Action = Model.FilterAction.Permit, Flags = Model.FilterFlags.ClearActionRight });
        var hard = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
        Assert.Equal(Model.ActionType.Permit, hard.Action);
        Assert.Equal(hardPermit.FilterId, hard.FilterId);
        Assert.Equal(0u, hard.Rights);
        Assert.False(hard.Vetoed);
        AssertEngineAgrees(engine, layer, values, hard);

        // ... but not a lower callout's block: veto.
        engine.DeleteFilter(block.FilterId);
        var blocker = engine.AddCallout(new Model.CalloutSpec { DisplayData = new("blocker"), ApplicableLayer = layer.Key }).Key;
        var calloutFilter = engine.AddFilter(new Model.FilterSpec { DisplayData = new("callout"), LayerKey = layer.Key, SublayerKey = b, Action = Model.FilterAction.Callout(Model.ActionType.CalloutTerminating, blocker) });

        // Example 7 first: unregistered terminating callout = hard BLOCK, but it cannot veto (it was never invoked).
        var unregistered = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
        Assert.Equal(Model.ActionType.Permit, unregistered.Action);
        Assert.Equal([hardPermit.FilterId, calloutFilter.FilterId], unregistered.Terminating.Select(t => t.FilterId));
        Assert.Equal(Model.ActionType.Block, unregistered.Terminating[1].Action);
        AssertEngineAgrees(engine, layer, values, unregistered);

        engine.Callouts.Register(blocker, new FixedCallout(Model.ActionType.Block, clearRight: false));
        var veto = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
        Assert.Equal(Model.ActionType.Block, veto.Action);
        Assert.Equal(calloutFilter.FilterId, veto.FilterId);
        Assert.True(veto.Vetoed);
        AssertEngineAgrees(engine, layer, values, veto);

        // Example 5: a callout's soft block in A is overridden by a lower PERMIT.
        engine.DeleteFilter(hardPermit.FilterId);
        engine.DeleteFilter(calloutFilter.FilterId);
        var softBlock = engine.AddFilter(new Model.FilterSpec { DisplayData = new("soft block"), LayerKey = layer.Key, SublayerKey = a, Action = Model.FilterAction.Callout(Model.ActionType.CalloutTerminating, blocker) });
        var lowPermit = engine.AddFilter(new Model.FilterSpec { DisplayData = new("low permit"), LayerKey = layer.Key, SublayerKey = b, Action = Model.FilterAction.Permit });
        var overridden = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
        Assert.Equal(Model.ActionType.Permit, overridden.Action);
        Assert.Equal(lowPermit.FilterId, overridden.FilterId);
        Assert.Equal([softBlock.FilterId, lowPermit.FilterId], overridden.Terminating.Select(t => t.FilterId));
        AssertEngineAgrees(engine, layer, values, overridden);

        // Example 7: an unregistered inspection callout is skipped; an unregistered one with PERMIT_IF_CALLOUT_UNREGISTERED permits.
        engine.Callouts.Unregister(blocker);
        engine.DeleteFilter(softBlock.FilterId);
        engine.AddFilter(new Model.FilterSpec { DisplayData = new("inspect"), LayerKey = layer.Key, SublayerKey = a, Weight = FwpValue.FromUInt64(100), Action = Model.FilterAction.Callout(Model.ActionType.CalloutInspection, blocker) });
        var permitIf = engine.AddFilter(new Model.FilterSpec { DisplayData = new("permit if unregistered"), LayerKey = layer.Key, SublayerKey = a, Weight = FwpValue.FromUInt64(1), Action = Model.FilterAction.Callout(Model.ActionType.CalloutUnknown, blocker), Flags = Model.FilterFlags.PermitIfCalloutUnregistered });
        var skipped = ReferenceClassifier.Classify(engine.Current, layer, values, engine.Callouts);
        Assert.Equal(Model.ActionType.Permit, skipped.Action);
        Assert.Equal([permitIf.FilterId, lowPermit.FilterId], skipped.Terminating.Select(t => t.FilterId));
        Assert.Equal(1u, skipped.Rights);

        // Two agreeing soft PERMITs: the first one stays the reported filter, as in docs/ARBITRATION.md, Worked examples, example 2 (an observed
        // Windows net event) shows; a plain reading of the arbitration loop would report the later one (docs/ARBITRATION.md, The algorithm).
        Assert.Equal(permitIf.FilterId, skipped.FilterId);
        AssertEngineAgrees(engine, layer, values, skipped);
    }

    private static void AssertEngineAgrees(FilterEngine engine, LayerInfo layer, FwpValue[] values, ReferenceResult expected)
    {
        var terminating = new TerminatingFilterInfo[8];
        var actual = engine.Classify(layer, values, default, terminating);
        var actualTerminating = terminating.AsSpan(0, actual.TerminatingCount).ToArray();
        Assert.True(Same(actual, actualTerminating, expected), Describe(engine, 0, 0, 0, 0, 0, layer, values, actual, actualTerminating, expected));
    }

    private sealed class FixedCallout(Model.ActionType action, bool clearRight) : global::OpenWfp.Engine.Callouts.ICallout
    {
        public void Classify(in global::OpenWfp.Engine.Callouts.CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            classifyOut.ActionType = action;
            if (clearRight)
            {
                classifyOut.ClearActionRight();
            }
        }
    }

    private static bool Same(ClassifyResult actual, TerminatingFilterInfo[] actualTerminating, ReferenceResult expected) =>
        actual.Action == expected.Action
        && actual.FilterId == expected.FilterId
        && actual.Rights == expected.Rights
        && actual.Flags == expected.Flags
        && actual.Vetoed == expected.Vetoed
        && actual.TerminatingCount == expected.Terminating.Count
        && actualTerminating.SequenceEqual(expected.Terminating);

    private static string CalloutNote(FilterEngine engine, Model.FilterSpec filter, FwpValue[] values) =>
        filter.Action.IsCallout && engine.Callouts.Slot(filter.Action.CalloutKey).Callout is DeterministicCallout c
            ? $" callout behaviour {c.BehaviourFor(filter.FilterId, values)}"
            : filter.Action.IsCallout ? " callout unregistered" : "";

    private static string Describe(FilterEngine engine, int baseSeed, int seed, int filterCount, int policy, int input, LayerInfo layer, FwpValue[] values, ClassifyResult actual, TerminatingFilterInfo[] actualTerminating, ReferenceResult expected)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Engine and reference disagree. OPENWFP_SEED={baseSeed} policy #{policy} (seed {seed}, {filterCount} filters) input #{input} layer {layer.ShortName}");
        sb.AppendLine("Values:");
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].IsEmpty)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  [{i}] {layer.Fields[i].Name} = {values[i]} ({values[i].Type})");
            }
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"  ({values.Length} of {layer.Fields.Count} values given)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Engine:    {actual.Action} filter={actual.FilterId} rights={actual.Rights} flags={actual.Flags} vetoed={actual.Vetoed} faults={actual.CalloutFaults} terminating=[{string.Join(", ", actualTerminating.Select(t => $"({t.FilterId},{t.SublayerWeight},{t.Action})"))}] count={actual.TerminatingCount}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Reference: {expected}");
        sb.AppendLine("Explain (evaluation order):");
        try
        {
            foreach (var f in engine.Explain(layer, values).Filters)
            {
                if (f.Outcome == ExplainOutcome.NotMatched && !ReferenceClassifier.Matches(f.Filter, layer, values))
                {
                    continue;
                }

                sb.AppendLine(CultureInfo.InvariantCulture, $"  sublayer w={f.Sublayer.Weight} {{{f.Sublayer.Key}}} filter {f.Filter.FilterId} w=0x{f.Filter.EffectiveWeight:X} {f.Filter.Action.Type} flags={f.Filter.Flags} -> {f.Outcome} {f.Action} {f.Note} refMatch={ReferenceClassifier.Matches(f.Filter, layer, values)}{CalloutNote(engine, f.Filter, values)}");
                foreach (var c in f.Conditions)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"      {c.Field.Name} {c.Condition.MatchType} {c.Condition.Value} held={c.Held} ref={ReferenceClassifier.ConditionHolds(c.Condition.MatchType, c.Condition.Value, c.Value)}");
                }
            }
        }
        catch (Exception ex)
        {
            sb.AppendLine("  (Explain threw: " + ex.Message + ")");
        }

        return sb.ToString();
    }
}
