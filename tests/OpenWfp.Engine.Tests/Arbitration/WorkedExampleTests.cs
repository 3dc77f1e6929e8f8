using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Arbitration;

/// <summary>
/// Worked arbitration examples, one test each, plus the rules they exercise (docs/ENGINE.md, "Arbitration"; Microsoft
/// Learn, "Filter Arbitration").
/// </summary>
public class WorkedExampleTests
{
    private static readonly FwpValue[] AnyInput = Input(Connect4, ("IP_REMOTE_PORT", FwpValue.FromUInt16(443)));

    [Fact]
    public void Example1_HardBlockInHigherSublayer_WinsOverLowerPermit_AndBothAreListed()
    {
        var engine = new FilterEngine();
        var wsh = Sublayer(engine, "WSH", 0x9000);
        var wf = Sublayer(engine, "WF", 0x8000);
        var pkg = Sid.Parse("S-1-15-2-1-2-3");
        var block = engine.AddFilter(Filter("Block Outbound Default Rule", FilterAction.Block, wsh.Key, conditions:
            Cond("ALE_PACKAGE_ID", FwpMatchType.NotEqual, FwpValue.FromSid(Sid.Parse("S-1-0-0")))));
        var permit = engine.AddFilter(Filter("user rule", FilterAction.Permit, wf.Key));

        var input = Input(Connect4, ("ALE_PACKAGE_ID", FwpValue.FromSid(pkg)));
        var terminating = new TerminatingFilterInfo[4];
        var r = engine.Classify(Connect4, input, default, terminating);

        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(block.FilterId, r.FilterId);
        Assert.Equal(2, r.TerminatingCount);
        Assert.Equal(new TerminatingFilterInfo(block.FilterId, wsh.Key, 0x9000, ActionType.Block), terminating[0]);
        Assert.Equal(new TerminatingFilterInfo(permit.FilterId, wf.Key, 0x8000, ActionType.Permit), terminating[1]);
    }

    [Fact]
    public void Example2_AgreeingPermits_ReportTheFirstTerminatingPermit()
    {
        var engine = new FilterEngine();
        var wsh = Sublayer(engine, "WSH", 0x9000);
        var wf = Sublayer(engine, "WF", 0x8000);
        var first = engine.AddFilter(Filter("InternetClient Default Rule", FilterAction.Permit, wsh.Key));
        engine.AddFilter(Filter("user rule", FilterAction.Permit, wf.Key));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Permit, r.Action);
        Assert.Equal(first.FilterId, r.FilterId);
        Assert.Equal(2, r.TerminatingCount);
    }

    [Fact]
    public void Example2_Explain_SaysTheSecondPermitAgreesAndTheFirstDecides()
    {
        var engine = new FilterEngine();
        var wsh = Sublayer(engine, "WSH", 0x9000);
        var wf = Sublayer(engine, "WF", 0x8000);
        var first = engine.AddFilter(Filter("InternetClient Default Rule", FilterAction.Permit, wsh.Key));
        var second = engine.AddFilter(Filter("user rule", FilterAction.Permit, wf.Key));

        var report = engine.Explain(Connect4, AnyInput);
        var entry = report.Filters.Single(f => f.Filter.FilterId == second.FilterId);
        Assert.Contains($"agrees with filter {first.FilterId}'s soft permit", entry.Note, StringComparison.Ordinal);
        Assert.False(entry.Decided);
        Assert.True(report.Filters.Single(f => f.Filter.FilterId == first.FilterId).Decided);
        Assert.Equal(first.FilterId, report.Result.FilterId);
    }

    [Fact]
    public void Example3_SoftPermit_IsOverriddenByLowerStaticBlock()
    {
        var engine = new FilterEngine();
        var a = Sublayer(engine, "A", 0x8000);
        var b = Sublayer(engine, "B", 0x100);
        engine.AddFilter(Filter("permit", FilterAction.Permit, a.Key));
        var block = engine.AddFilter(Filter("block", FilterAction.Block, b.Key));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(block.FilterId, r.FilterId);
        Assert.False(r.Vetoed);
    }

    [Fact]
    public void Example4_HardPermit_BeatsLowerStaticBlock()
    {
        var engine = new FilterEngine();
        var a = Sublayer(engine, "A", 0x8000);
        var b = Sublayer(engine, "B", 0x100);
        var permit = engine.AddFilter(Filter("hard permit", FilterAction.Permit, a.Key, flags: FilterFlags.ClearActionRight));
        engine.AddFilter(Filter("block", FilterAction.Block, b.Key));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Permit, r.Action);
        Assert.Equal(permit.FilterId, r.FilterId);
        Assert.Equal(0u, r.Rights & ClassifyOut.RightActionWrite);
        Assert.Equal(2, r.TerminatingCount);
    }

    [Fact]
    public void Example4_HardPermit_IsVetoedByLowerCalloutBlock()
    {
        var engine = new FilterEngine();
        var a = Sublayer(engine, "A", 0x8000);
        var b = Sublayer(engine, "B", 0x100);
        engine.AddFilter(Filter("hard permit", FilterAction.Permit, a.Key, flags: FilterFlags.ClearActionRight));
        var callout = AddCallout(engine, new FixedCallout(ActionType.Block, clearRight: true));
        var veto = engine.AddFilter(Filter("veto", FilterAction.Callout(ActionType.CalloutTerminating, callout), b.Key));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(veto.FilterId, r.FilterId);
        Assert.True(r.Vetoed);
    }

    [Fact]
    public void Example5_SoftCalloutBlock_IsOverriddenByLowerPermit()
    {
        var engine = new FilterEngine();
        var a = Sublayer(engine, "A", 0x8000);
        var b = Sublayer(engine, "B", 0x100);
        var callout = AddCallout(engine, new FixedCallout(ActionType.Block, clearRight: false));
        engine.AddFilter(Filter("soft block", FilterAction.Callout(ActionType.CalloutTerminating, callout), a.Key));
        var permit = engine.AddFilter(Filter("permit", FilterAction.Permit, b.Key));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Permit, r.Action);
        Assert.Equal(permit.FilterId, r.FilterId);
    }

    [Fact]
    public void Example6_HardBlockInTopSublayer_CannotBeReopenedByLowerHardPermit()
    {
        var engine = new FilterEngine();
        var top = Sublayer(engine, "simplewall", 0xFFFF);
        var other = Sublayer(engine, "other product", 0xFFFE);
        var block = engine.AddFilter(new FilterSpec
        {
            DisplayData = new DisplayData("user block"),
            LayerKey = Connect4.Key,
            SublayerKey = top.Key,
            Weight = FwpValue.FromUInt8(12),
            Flags = FilterFlags.ClearActionRight,
            Action = FilterAction.Block,
        });
        engine.AddFilter(Filter("other's hard permit", FilterAction.Permit, other.Key, flags: FilterFlags.ClearActionRight));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(block.FilterId, r.FilterId);
    }

    [Theory]
    [InlineData(false, ActionType.Block)]
    [InlineData(true, ActionType.Permit)]
    public void Example7_UnregisteredTerminatingCallout_BlocksOrPermitsByFlag(bool permitIfUnregistered, ActionType expected)
    {
        var engine = new FilterEngine();
        var key = engine.AddCallout(new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("not loaded"), ApplicableLayer = Connect4.Key }).Key;
        var f = engine.AddFilter(Filter("callout", FilterAction.Callout(ActionType.CalloutTerminating, key),
            flags: permitIfUnregistered ? FilterFlags.PermitIfCalloutUnregistered : FilterFlags.None));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(expected, r.Action);
        Assert.Equal(f.FilterId, r.FilterId);
    }

    [Fact]
    public void Example7_UnregisteredInspectionCallout_IsSkipped()
    {
        var engine = new FilterEngine();
        var key = engine.AddCallout(new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("not loaded"), ApplicableLayer = Connect4.Key }).Key;
        engine.AddFilter(Filter("inspect", FilterAction.Callout(ActionType.CalloutInspection, key), weight: 100));
        var block = engine.AddFilter(Filter("block", FilterAction.Block, weight: 1));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(block.FilterId, r.FilterId);
        Assert.Equal(1, r.TerminatingCount);
    }

    [Fact]
    public void Registration_AfterFilterAdd_TakesEffectWithoutRecompile()
    {
        var engine = new FilterEngine();
        var key = engine.AddCallout(new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("late"), ApplicableLayer = Connect4.Key }).Key;
        engine.AddFilter(Filter("callout", FilterAction.Callout(ActionType.CalloutTerminating, key)));
        Assert.Equal(ActionType.Block, engine.Classify(Connect4, AnyInput).Action);
        var generation = engine.Current.Generation;

        engine.Callouts.Register(key, new FixedCallout(ActionType.Permit, clearRight: false));
        Assert.Equal(ActionType.Permit, engine.Classify(Connect4, AnyInput).Action);
        Assert.Equal(generation, engine.Current.Generation);

        Assert.True(engine.Callouts.Unregister(key));
        Assert.Equal(ActionType.Block, engine.Classify(Connect4, AnyInput).Action);
    }

    [Fact]
    public void NoMatch_IsPermitWithNoFilter()
    {
        var engine = new FilterEngine();
        engine.AddFilter(Filter("block 23", FilterAction.Block, conditions: Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(23))));
        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.NoneNoMatch, r.Action);
        Assert.True(r.IsPermitted);
        Assert.Equal(0UL, r.FilterId);
        Assert.Equal(0, r.TerminatingCount);
    }

    [Fact]
    public void FirstTerminatingFilter_EndsItsSublayer_HigherWeightFirst()
    {
        var engine = new FilterEngine();
        var s = Sublayer(engine, "S", 0x100);
        var high = engine.AddFilter(Filter("high permit", FilterAction.Permit, s.Key, weight: 10));
        engine.AddFilter(Filter("low block", FilterAction.Block, s.Key, weight: 5));
        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Permit, r.Action);
        Assert.Equal(high.FilterId, r.FilterId);
        Assert.Equal(1, r.TerminatingCount);
    }

    [Fact]
    public void EqualWeights_BreakTiesByAscendingFilterId()
    {
        var engine = new FilterEngine();
        var s = Sublayer(engine, "S", 0x100);
        var first = engine.AddFilter(Filter("first", FilterAction.Block, s.Key, weight: 7));
        engine.AddFilter(Filter("second", FilterAction.Permit, s.Key, weight: 7));
        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(first.FilterId, r.FilterId);
    }

    [Fact]
    public void Absorb_FromCalloutBlock_IsReported()
    {
        var engine = new FilterEngine();
        var key = AddCallout(engine, new FixedCallout(ActionType.Block, clearRight: true, absorb: true));
        engine.AddFilter(Filter("absorb", FilterAction.Callout(ActionType.CalloutTerminating, key)));
        var r = engine.Classify(Connect4, AnyInput);
        Assert.True(r.IsAbsorbed);
        Assert.Equal(ClassifyOut.FlagAbsorb, r.Flags);
    }

    [Fact]
    public void HardBlock_LowerSublayersStillEvaluated_InspectionCalloutSeesTraffic()
    {
        var engine = new FilterEngine();
        var a = Sublayer(engine, "A", 0x8000);
        var b = Sublayer(engine, "B", 0x100);
        engine.AddFilter(Filter("block", FilterAction.Block, a.Key));
        var inspector = new FixedCallout(ActionType.Permit, clearRight: false);
        var key = AddCallout(engine, inspector);
        engine.AddFilter(Filter("inspect", FilterAction.Callout(ActionType.CalloutInspection, key), b.Key));

        var r = engine.Classify(Connect4, AnyInput);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(1, inspector.Calls);
        Assert.Equal(1, r.TerminatingCount);
    }

    internal static Guid AddCallout(FilterEngine engine, ICallout implementation)
    {
        var key = engine.AddCallout(new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("test callout"), ApplicableLayer = Connect4.Key }).Key;
        engine.Callouts.Register(key, implementation);
        return key;
    }

    internal sealed class FixedCallout(ActionType action, bool clearRight, bool absorb = false) : ICallout
    {
        private int _calls;

        public int Calls => _calls;

        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            Interlocked.Increment(ref _calls);
            classifyOut.ActionType = action;
            if (clearRight)
            {
                classifyOut.ClearActionRight();
            }

            if (absorb)
            {
                classifyOut.Flags |= ClassifyOut.FlagAbsorb;
            }
        }
    }
}
