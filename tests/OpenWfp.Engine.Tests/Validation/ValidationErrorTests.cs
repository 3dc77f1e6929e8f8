using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Validation;

/// <summary>
/// Every add-time FWP_E_* error (docs/ENGINE.md, "Validation"), by name and number, and "a rejected change changes
/// nothing".
/// </summary>
public class ValidationErrorTests
{
    private static readonly FilterCondition Port80 = Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(80));

    public static TheoryData<string, FilterSpec, WfpError> BadFilters()
    {
        var d = new TheoryData<string, FilterSpec, WfpError>();
        var ok = Filter("ok", FilterAction.Block, conditions: Port80);
        d.Add("unknown layer", ok with { LayerKey = Guid.NewGuid() }, WfpError.LayerNotFound);
        d.Add("unknown sublayer", ok with { SublayerKey = Guid.NewGuid() }, WfpError.SublayerNotFound);
        d.Add("unknown provider", ok with { ProviderKey = Guid.NewGuid() }, WfpError.ProviderNotFound);
        d.Add("unknown callout", ok with { Action = FilterAction.Callout(ActionType.CalloutTerminating, Guid.NewGuid()) }, WfpError.CalloutNotFound);
        d.Add("unknown provider context", ok with { Flags = FilterFlags.HasProviderContext, ProviderContextKey = Guid.NewGuid() }, WfpError.ProviderContextNotFound);
        d.Add("no display name", ok with { DisplayData = new DisplayData("") }, WfpError.NullDisplayName);
        d.Add("field not in layer", ok with { Conditions = [Cond(LayerCatalog.Layer("INBOUND_MAC_FRAME_ETHERNET"), "MAC_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromByteArray6(new byte[6])))] }, WfpError.ConditionNotFound);
        d.Add("uint32 on a uint16 field", ok with { Conditions = [Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt32(80))] }, WfpError.TypeMismatch);
        d.Add("v6 mask on a v4 field", ok with { Conditions = [Cond(Connect4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask(1, 64))] }, WfpError.TypeMismatch);
        d.Add("range ends of two types", ok with { Conditions = [Cond(Connect4, "IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(1), FwpValue.FromUInt32(2)))] }, WfpError.TypeMismatch);
        d.Add("flags on a blob", ok with { Conditions = [Cond("ALE_APP_ID", FwpMatchType.FlagsAllSet, FwpValue.FromByteBlob([1, 2]))] }, WfpError.MatchTypeMismatch);
        d.Add("prefix on a number", ok with { Conditions = [Cond("IP_REMOTE_PORT", FwpMatchType.Prefix, FwpValue.FromUInt16(1))] }, WfpError.MatchTypeMismatch);
        d.Add("greater on a sid", ok with { Conditions = [Cond("ALE_PACKAGE_ID", FwpMatchType.Greater, FwpValue.FromSid(Sid.Parse("S-1-0-0")))] }, WfpError.MatchTypeMismatch);
        d.Add("range match without range value", ok with { Conditions = [Cond("IP_REMOTE_PORT", FwpMatchType.Range, FwpValue.FromUInt16(1))] }, WfpError.MatchTypeMismatch);
        d.Add("range value with equal", ok with { Conditions = [Cond(Connect4, "IP_REMOTE_PORT", FwpMatchType.Equal, FwpConditionValue.Range(FwpValue.FromUInt16(1), FwpValue.FromUInt16(2)))] }, WfpError.MatchTypeMismatch);
        d.Add("case-insensitive on a blob", ok with { Conditions = [Cond("ALE_APP_ID", FwpMatchType.EqualCaseInsensitive, FwpValue.FromByteBlob([1, 2]))] }, WfpError.MatchTypeMismatch);
        d.Add("empty with greater", ok with { Conditions = [Cond("IP_REMOTE_PORT", FwpMatchType.Greater, FwpValue.Empty)] }, WfpError.MatchTypeMismatch);
        d.Add("unknown match type", ok with { Conditions = [Cond("IP_REMOTE_PORT", (FwpMatchType)13, FwpValue.FromUInt16(1))] }, WfpError.InvalidParameter);
        d.Add("range low above high", ok with { Conditions = [Cond(Connect4, "IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(9), FwpValue.FromUInt16(2)))] }, WfpError.InvalidRange);
        d.Add("non-contiguous v4 mask", ok with { Conditions = [Cond(Connect4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(IPv4("10.0.0.0"), IPv4("255.0.255.0")))] }, WfpError.InvalidNetMask);
        d.Add("v6 prefix above 128", ok with { Conditions = [Cond(Connect6, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask(1, 129))], LayerKey = Connect6.Key }, WfpError.InvalidNetMask);
        d.Add("weight range above 15", ok with { Weight = FwpValue.FromUInt8(16) }, WfpError.InvalidWeight);
        d.Add("weight of type uint32", ok with { Weight = FwpValue.FromUInt32(1) }, WfpError.InvalidWeight);
        d.Add("action continue", ok with { Action = new FilterAction(ActionType.Continue) }, WfpError.InvalidActionType);
        d.Add("action 0", ok with { Action = new FilterAction(0) }, WfpError.InvalidActionType);
        d.Add("persistent and boottime", ok with { Flags = FilterFlags.Persistent | FilterFlags.BootTime }, WfpError.InvalidFlags);
        d.Add("disabled on add", ok with { Flags = FilterFlags.Disabled }, WfpError.InvalidFlags);
        d.Add("permit-if-unregistered on a static filter", ok with { Flags = FilterFlags.PermitIfCalloutUnregistered }, WfpError.InvalidFlags);
        d.Add("boottime at a user-mode layer", ok with { Flags = FilterFlags.BootTime, LayerKey = LayerCatalog.Layer("IKEEXT_V4").Key, Conditions = [] }, WfpError.InvalidFlags);
        return d;
    }

    [Theory]
    [MemberData(nameof(BadFilters))]
    public void AddFilter_Invalid_FailsWithSpecError_AndChangesNothing(string name, FilterSpec filter, WfpError expected)
    {
        var engine = new FilterEngine();
        var before = engine.Current;
        var ex = Assert.Throws<WfpException>(() => engine.AddFilter(filter));
        Assert.True(expected == ex.Error, $"{name}: expected {WfpErrorInfo.Describe(expected)}, got {ex.Message}");
        Assert.Same(before, engine.Current);
        Assert.Contains(WfpErrorInfo.NameOf(expected), ex.Message);
    }

    [Fact]
    public void AddFilter_SeveralProblems_AllReportedTogether()
    {
        var engine = new FilterEngine();
        var ex = Assert.Throws<WfpException>(() => engine.AddFilter(new FilterSpec
        {
            DisplayData = new DisplayData(""),
            LayerKey = Connect4.Key,
            SublayerKey = Guid.NewGuid(),
            Weight = FwpValue.FromUInt8(99),
            Conditions = [Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt32(1)), Cond(Connect4, "IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(5), FwpValue.FromUInt16(1)))],
        }));
        var errors = ex.Details.Select(d => d.Error).ToHashSet();
        Assert.Equal(new HashSet<WfpError> { WfpError.NullDisplayName, WfpError.SublayerNotFound, WfpError.TypeMismatch, WfpError.InvalidRange, WfpError.InvalidWeight }, errors);
        Assert.Contains(ex.Details, d => d.Member.StartsWith("filterCondition[1]", StringComparison.Ordinal));
    }

    [Fact]
    public void AddFilter_CalloutOfAnotherLayer_IsIncompatibleLayer()
    {
        var engine = new FilterEngine();
        var callout = engine.AddCallout(new CalloutSpec { DisplayData = new DisplayData("v6 only"), ApplicableLayer = Connect6.Key });
        var ex = Assert.Throws<WfpException>(() => engine.AddFilter(Filter("c", FilterAction.Callout(ActionType.CalloutTerminating, callout.Key))));
        Assert.Equal(WfpError.IncompatibleLayer, ex.Error);
    }

    [Fact]
    public void DuplicateKeys_AreAlreadyExists()
    {
        var engine = new FilterEngine();
        var f = engine.AddFilter(Filter("a", FilterAction.Block));
        Assert.Equal(WfpError.AlreadyExists, Assert.Throws<WfpException>(() => engine.AddFilter(Filter("b", FilterAction.Block) with { Key = f.Key })).Error);
        Assert.Equal(WfpError.AlreadyExists, Assert.Throws<WfpException>(() => engine.AddFilter(Filter("c", FilterAction.Block) with { FilterId = f.FilterId })).Error);
        var s = Sublayer(engine, "s", 1);
        Assert.Equal(WfpError.AlreadyExists, Assert.Throws<WfpException>(() => engine.AddSublayer(s)).Error);
        var p = engine.AddProvider(new ProviderSpec { DisplayData = new DisplayData("p") });
        Assert.Equal(WfpError.AlreadyExists, Assert.Throws<WfpException>(() => engine.AddProvider(p)).Error);
        var c = engine.AddCallout(new CalloutSpec { DisplayData = new DisplayData("c"), ApplicableLayer = Connect4.Key });
        Assert.Equal(WfpError.AlreadyExists, Assert.Throws<WfpException>(() => engine.AddCallout(c)).Error);
    }

    [Fact]
    public void Deletes_InUseNotFoundAndBuiltin()
    {
        var engine = new FilterEngine();
        var p = engine.AddProvider(new ProviderSpec { DisplayData = new DisplayData("p") });
        var s = engine.AddSublayer(new SublayerSpec { DisplayData = new DisplayData("s"), Weight = 5, ProviderKey = p.Key });
        var c = engine.AddCallout(new CalloutSpec { DisplayData = new DisplayData("c"), ApplicableLayer = Connect4.Key });
        var pc = engine.AddProviderContext(new ProviderContextSpec { DisplayData = new DisplayData("pc") });
        var f = engine.AddFilter(Filter("f", FilterAction.Callout(ActionType.CalloutInspection, c.Key), s.Key) with
        {
            Flags = FilterFlags.HasProviderContext,
            ProviderContextKey = pc.Key,
        });

        Assert.Equal(WfpError.InUse, Assert.Throws<WfpException>(() => engine.DeleteSublayer(s.Key)).Error);
        Assert.Equal(WfpError.InUse, Assert.Throws<WfpException>(() => engine.DeleteCallout(c.Key)).Error);
        Assert.Equal(WfpError.InUse, Assert.Throws<WfpException>(() => engine.DeleteProvider(p.Key)).Error);
        Assert.Equal(WfpError.InUse, Assert.Throws<WfpException>(() => engine.DeleteProviderContext(pc.Key)).Error);
        Assert.Equal(WfpError.BuiltinObject, Assert.Throws<WfpException>(() => engine.DeleteSublayer(LayerCatalog.SublayerUniversal)).Error);
        Assert.Equal(WfpError.FilterNotFound, Assert.Throws<WfpException>(() => engine.DeleteFilter(999_999)).Error);
        Assert.Equal(WfpError.SublayerNotFound, Assert.Throws<WfpException>(() => engine.DeleteSublayer(Guid.NewGuid())).Error);

        engine.DeleteFilter(f.FilterId);
        engine.DeleteSublayer(s.Key);
        engine.DeleteCallout(c.Key);
        engine.DeleteProviderContext(pc.Key);
        engine.DeleteProvider(p.Key);
        Assert.Equal(0, engine.Current.FilterCount);
    }

    [Fact]
    public void PersistentFilter_InNonPersistentSublayer_IsLifetimeMismatch()
    {
        var engine = new FilterEngine();
        var s = Sublayer(engine, "static", 5);
        var ex = Assert.Throws<WfpException>(() => engine.AddFilter(Filter("p", FilterAction.Block, s.Key, flags: FilterFlags.Persistent)));
        Assert.Equal(WfpError.LifetimeMismatch, ex.Error);
        engine.AddFilter(Filter("p", FilterAction.Block, flags: FilterFlags.Persistent));
    }

    [Fact]
    public void Transaction_FailedCall_DoesNotDoomIt_AndAbortRestoresEverything()
    {
        var engine = new FilterEngine();
        var kept = engine.AddFilter(Filter("kept", FilterAction.Block));
        var before = engine.Current;
        using (var txn = engine.BeginTransaction())
        {
            txn.AddFilter(Filter("new", FilterAction.Permit));
            Assert.Throws<WfpException>(() => txn.AddFilter(Filter("bad", FilterAction.Block) with { LayerKey = Guid.NewGuid() }));
            txn.DeleteFilter(kept.FilterId);
            Assert.Equal(1, txn.View.FilterCount);
            txn.Abort();
        }

        Assert.Same(before, engine.Current);
        Assert.Equal(ActionType.Block, engine.Classify(Connect4, ReadOnlySpan<FwpValue>.Empty).Action);

        using (var txn = engine.BeginTransaction())
        {
            var added = txn.AddFilter(Filter("new", FilterAction.Permit));
            Assert.Throws<WfpException>(() => txn.AddFilter(Filter("bad", FilterAction.Block) with { LayerKey = Guid.NewGuid() }));
            txn.DeleteFilter(kept.FilterId);
            txn.Commit();
            Assert.Equal(added.FilterId, engine.Classify(Connect4, ReadOnlySpan<FwpValue>.Empty).FilterId);
        }

        Assert.Equal(before.Generation + 1, engine.Current.Generation);
    }

    [Fact]
    public void Transaction_SecondWriter_TimesOut()
    {
        var engine = new FilterEngine();
        using var first = engine.BeginTransaction();
        var ex = Assert.Throws<WfpException>(() => engine.BeginTransaction(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(WfpError.Timeout, ex.Error);
        first.Commit();
        Assert.Equal(WfpError.NoTxnInProgress, Assert.Throws<WfpException>(() => first.AddFilter(Filter("late", FilterAction.Block))).Error);
        using var second = engine.BeginTransaction(TimeSpan.FromMilliseconds(50));
        second.Abort();
    }
}
