
namespace OpenWfp.NetEvents.Tests;

/// <summary>Pins the constants mirrored from fwpmtypes.h (FWPM_NET_EVENT_TYPE and the keyword flags, as Microsoft Learn documents them).</summary>
public sealed class ConstantTests
{
    [Fact]
    public void NetEventType_MatchesFwpmNetEventTypeOrder()
    {
        Assert.Equal(0u, (uint)NetEventType.IkeExtMmFailure);
        Assert.Equal(1u, (uint)NetEventType.IkeExtQmFailure);
        Assert.Equal(2u, (uint)NetEventType.IkeExtEmFailure);
        Assert.Equal(3u, (uint)NetEventType.ClassifyDrop);
        Assert.Equal(4u, (uint)NetEventType.IpsecKernelDrop);
        Assert.Equal(5u, (uint)NetEventType.IpsecDospDrop);
        Assert.Equal(6u, (uint)NetEventType.ClassifyAllow);
        Assert.Equal(7u, (uint)NetEventType.CapabilityDrop);
        Assert.Equal(8u, (uint)NetEventType.CapabilityAllow);
        Assert.Equal(9u, (uint)NetEventType.ClassifyDropMac);
        Assert.Equal(10u, (uint)NetEventType.LpmPacketArrival);
        Assert.Equal(11u, (uint)NetEventType.Max);
        Assert.Equal(12, Enum.GetValues<NetEventType>().Length);
    }

    [Fact]
    public void NetEventKeywords_MatchFwpmNetEventKeywordBits()
    {
        Assert.Equal(0x1u, (uint)NetEventKeywords.InboundMulticast);
        Assert.Equal(0x2u, (uint)NetEventKeywords.InboundBroadcast);
        Assert.Equal(0x4u, (uint)NetEventKeywords.CapabilityDrop);
        Assert.Equal(0x8u, (uint)NetEventKeywords.CapabilityAllow);
        Assert.Equal(0x10u, (uint)NetEventKeywords.ClassifyAllow);
        Assert.Equal(0x20u, (uint)NetEventKeywords.PortScanningDrop);
        Assert.Equal(7, Enum.GetValues<NetEventKeywords>().Length);
    }

    [Fact]
    public void NetEventDirection_MatchesFwpDirectionConstants()
    {
        Assert.Equal(0x3900u, (uint)NetEventDirection.In);
        Assert.Equal(0x3901u, (uint)NetEventDirection.Out);
        Assert.Equal(0x3902u, (uint)NetEventDirection.Forward);
        Assert.Equal(0u, (uint)NetEventDirection.None);
    }

    [Fact]
    public void Record_HoldsEightTerminatingFilters_LogDefaultsTo65536()
    {
        Assert.Equal(8, NetEventRecord.MaxTerminatingFilters);
        Assert.Equal(65536, NetEventLog.DefaultCapacity);
        Assert.Equal(65536, new NetEventLog().Capacity);
    }
}
