using System.Globalization;
using System.Text;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Kernel;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Kernel;

/// <summary>
/// The kernel form against the engine's classify (docs/KERNEL-FORM.md, "Exactness"): wherever the form does not ask,
/// its verdict and deciding filter are the engine's.
/// </summary>
public class KernelFormDifferentialTests
{
    private const int DefaultSeed = 20261203;

    private static int BaseSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("OPENWFP_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

    [Fact]
    public void Evaluate_AgreesWithClassify_WheneverItDoesNotAsk()
    {
        var baseSeed = BaseSeed;
        int cases = 0, asked = 0, decided = 0, blocked = 0, permitted = 0, noMatch = 0, v6Decided = 0, askCallout = 0, askNonKernel = 0, askInexpressible = 0, dropped = 0, appRules = 0;
        for (var p = 0; p < 1200; p++)
        {
            var seed = baseSeed + p;
            var size = p % 20 == 19 ? 300 + (p * 13 % 400) : 1 + (p * 7 % 80);
            var engine = KernelRandomPolicy.Build(seed, size, pure: false);
            var rng = new Random(seed ^ 0x3C3C3C3C);
            foreach (var layer in KernelRandomPolicy.Layers)
            {
                var form = engine.Current.KernelForm(layer.LayerId);
                var filters = engine.Current.FiltersOf(layer).ToList();
                askCallout += form.Counters.AskCallout;
                askNonKernel += form.Counters.AskNonKernelField;
                askInexpressible += form.Counters.AskInexpressible;
                dropped += form.Counters.DroppedFilters;
                foreach (var r in form.Rules)
                {
                    appRules += (r.Fields & KernelFields.App) != 0 ? 1 : 0;
                }

                var inputs = layer == KernelRandomPolicy.Layers[0] ? 40 : 8;
                for (var i = 0; i < inputs; i++, cases++)
                {
                    var values = KernelRandomPolicy.RandomInput(rng, layer, filters, allKnown: false);
                    var kernel = form.Evaluate(form.CreateInput(values));
                    if (kernel.Verdict == KernelVerdict.Ask)
                    {
                        asked++;
                        continue;
                    }

                    var expected = engine.Classify(layer, values);
                    if (!Agrees(kernel, expected))
                    {
                        Assert.Fail(Describe(engine, form, layer, values, kernel, expected, $"OPENWFP_SEED={baseSeed} policy #{p} seed {seed} input #{i}"));
                    }

                    decided++;
                    blocked += kernel.Verdict == KernelVerdict.Block ? 1 : 0;
                    permitted += kernel.Verdict == KernelVerdict.Permit ? 1 : 0;
                    noMatch += kernel.Verdict == KernelVerdict.NoMatch ? 1 : 0;
                    v6Decided += layer.IpVersion == IpVersion.V6 ? 1 : 0;
                }
            }
        }

        // The form must decide a real share, every verdict must occur, and every kind of ASK rule must have been made.
        var coverage = $"cases {cases} asked {asked} decided {decided} (block {blocked}, permit {permitted}, no match {noMatch}, V6 {v6Decided}); ask rules: callout {askCallout}, non-kernel {askNonKernel}, inexpressible {askInexpressible}; dropped {dropped}; app rules {appRules}";
        Assert.True(decided > cases / 4, coverage);
        Assert.True(blocked > 1000 && permitted > 1000 && noMatch > 100 && v6Decided > 100, coverage);
        Assert.True(askCallout > 0 && askNonKernel > 0 && askInexpressible > 0 && dropped > 0 && appRules > 0, coverage);
    }

    [Fact]
    public void Evaluate_NeverAsks_OnPurePoliciesWithKnownFields()
    {
        var baseSeed = BaseSeed;
        int cases = 0, decided = 0, matched = 0;
        for (var p = 0; p < 500; p++)
        {
            var seed = baseSeed + 100_000 + p;
            var engine = KernelRandomPolicy.Build(seed, 1 + (p * 11 % 120), pure: true);
            var rng = new Random(seed);
            foreach (var layer in KernelRandomPolicy.Layers)
            {
                var form = engine.Current.KernelForm(layer.LayerId);
                Assert.NotEqual(KernelFormStatus.AskAll, form.Status);
                Assert.Equal(0, form.Counters.AskRules);
                var filters = engine.Current.FiltersOf(layer).ToList();
                for (var i = 0; i < 20; i++, cases++)
                {
                    var values = KernelRandomPolicy.RandomInput(rng, layer, filters, allKnown: true);
                    var kernel = form.Evaluate(form.CreateInput(values));
                    var expected = engine.Classify(layer, values);
                    if (kernel.Verdict == KernelVerdict.Ask || !Agrees(kernel, expected))
                    {
                        Assert.Fail(Describe(engine, form, layer, values, kernel, expected, $"pure policy #{p} seed {seed} input #{i}"));
                    }

                    decided++;
                    matched += kernel.Verdict != KernelVerdict.NoMatch ? 1 : 0;
                }
            }
        }

        Assert.Equal(cases, decided);
        Assert.True(matched > cases / 3, $"only {matched} of {cases} inputs met a filter");
    }

    internal static bool Agrees(KernelDecision kernel, ClassifyResult expected) => kernel.Verdict switch
    {
        KernelVerdict.NoMatch => expected.Action == ActionType.NoneNoMatch && expected.FilterId == 0,
        KernelVerdict.Permit => expected.Action == ActionType.Permit && expected.FilterId == kernel.FilterId,
        KernelVerdict.Block => expected.Action == ActionType.Block && expected.FilterId == kernel.FilterId,
        _ => false,
    };

    private static string Describe(FilterEngine engine, KernelForm form, LayerInfo layer, FwpValue[] values, KernelDecision kernel, ClassifyResult expected, string where)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Kernel form and classify disagree at {layer.ShortName}: {where}");
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].IsEmpty)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  [{i}] {layer.Fields[i].Name} = {values[i]}");
            }
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"kernel: {kernel}; classify: {expected.Action} filter {expected.FilterId}; status {form.Status} {form.Counters}");
        for (var r = 0; r < form.Rules.Length; r++)
        {
            var rule = form.Rules[r];
            sb.AppendLine(CultureInfo.InvariantCulture, $"  rule {r}: rank {rule.Rank} filter {rule.FilterId} sublayer {rule.Sublayer} {rule.Action}/{rule.AskReason} fields {rule.Fields} la {form.LocalAddress(r)} ra {form.RemoteAddress(r)} lp {rule.LocalPortLo}-{rule.LocalPortHi} rp {rule.RemotePortLo}-{rule.RemotePortHi} proto {rule.ProtocolLo}-{rule.ProtocolHi} app {rule.App}");
        }

        foreach (var f in engine.Explain(layer, values).Filters)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  filter {f.Filter.FilterId} sublayer w={f.Sublayer.Weight} {f.Filter.Action.Type} flags={f.Filter.Flags} -> {f.Outcome} {f.Action}: {string.Join("; ", f.Filter.Conditions.Select(c => $"{LayerCatalog.ConditionNameOf(c.FieldKey)} {c.MatchType} {c.Value}"))}");
        }

        return sb.ToString();
    }
}
