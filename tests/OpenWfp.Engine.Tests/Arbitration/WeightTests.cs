using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Arbitration;

/// <summary>Effective weights (docs/ENGINE.md, "Order and weights") and the properties our auto-weight must have.</summary>
public class WeightTests
{
    private static readonly FilterCondition Host = Cond(Connect4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(IPv4("10.0.0.1"), uint.MaxValue));
    private static readonly FilterCondition Net8 = Cond(Connect4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(IPv4("10.0.0.0"), 0xFF00_0000));
    private static readonly FilterCondition Any = Cond(Connect4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(0, 0));
    private static readonly FilterCondition Port = Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(443));

    [Fact]
    public void Uint64Weight_IsUsedVerbatim() =>
        Assert.Equal(0xF400_0000_0000_0000UL, AutoWeight.Compute(Connect4, FwpValue.FromUInt64(0xF400_0000_0000_0000UL), [Host]));

    [Fact]
    public void NoConditions_IsZero_AndRangeGoesToTopNibble()
    {
        Assert.Equal(0UL, AutoWeight.Compute(Connect4, FwpValue.Empty, []));
        Assert.Equal(15UL << 60, AutoWeight.Compute(Connect4, FwpValue.FromUInt8(15), []));
        Assert.Equal(12UL, AutoWeight.Compute(Connect4, FwpValue.FromUInt8(12), [Host]) >> 60);
    }

    [Fact]
    public void AutoWeight_IsMonotoneInSpecificityAndFieldCount_AndBelow2Pow60()
    {
        var host = AutoWeight.Score(Connect4, [Host]);
        var net = AutoWeight.Score(Connect4, [Net8]);
        var any = AutoWeight.Score(Connect4, [Any]);
        var hostAndPort = AutoWeight.Score(Connect4, [Host, Port]);
        Assert.True(host > net, "a /32 is more specific than a /8");
        Assert.Equal(0UL, any);
        Assert.True(hostAndPort > host, "one more constrained field never weighs less");
        Assert.True(hostAndPort < 1UL << 60);
        Assert.True(AutoWeight.Score(Connect4, [Host]) > AutoWeight.Score(Connect4, [Port]), "remote address outranks remote port, as in Windows dumps");
    }

    [Fact]
    public void ImportedEffectiveWeight_IsKept()
    {
        var engine = new FilterEngine();
        var f = engine.AddFilter(Filter("imported", FilterAction.Block, conditions: Host) with { EffectiveWeight = 0x1800000FC0UL });
        Assert.Equal(0x1800000FC0UL, f.EffectiveWeight);
    }

    [Fact]
    public void MoreSpecificAutoWeightedFilter_IsEvaluatedFirst()
    {
        var engine = new FilterEngine();
        engine.AddFilter(Filter("block 10/8", FilterAction.Block, conditions: Net8));
        var permit = engine.AddFilter(Filter("permit the host", FilterAction.Permit, conditions: Host));
        var r = engine.Classify(Connect4, Input(Connect4, ("IP_REMOTE_ADDRESS", FwpValue.FromUInt32(IPv4("10.0.0.1")))));
        Assert.Equal(permit.FilterId, r.FilterId);
    }
}
