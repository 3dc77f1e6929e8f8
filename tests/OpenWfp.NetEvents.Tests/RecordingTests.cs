using OpenWfp.Engine.Errors;

namespace OpenWfp.NetEvents.Tests;

/// <summary>What is recorded: FWPM_ENGINE_COLLECT_NET_EVENTS and the keywords (docs/WFPD.md, Net events).</summary>
public sealed class RecordingTests
{
    [Fact]
    public void Defaults_CollectOn_NoKeywords()
    {
        var log = new NetEventLog(8);
        Assert.True(log.Collect);
        Assert.Equal(NetEventKeywords.None, log.Keywords);
    }

    [Fact]
    public void Allows_AreRecordedOnlyWithTheClassifyAllowKeyword()
    {
        var log = new NetEventLog(8);
        Assert.False(log.ShouldRecord(NetEventType.ClassifyAllow));
        Assert.True(log.ShouldRecord(NetEventType.ClassifyDrop));
        log.Write(Events.Drop(type: NetEventType.ClassifyAllow));
        Assert.Equal(0UL, log.Written);

        log.Keywords = NetEventKeywords.ClassifyAllow;
        Assert.True(log.ShouldRecord(NetEventType.ClassifyAllow));
        log.Write(Events.Drop(type: NetEventType.ClassifyAllow));
        log.Write(Events.Drop());
        Assert.Equal([NetEventType.ClassifyAllow, NetEventType.ClassifyDrop], log.Query(NetEventQuery.All).Select(e => e.Type));

        log.Keywords = NetEventKeywords.InboundMulticast | NetEventKeywords.CapabilityAllow;
        log.Write(Events.Drop(type: NetEventType.ClassifyAllow));
        Assert.Equal(2UL, log.Written);
    }

    [Fact]
    public void CollectOff_RecordsNothing_AndKeepsWhatIsThere()
    {
        var log = new NetEventLog(8) { Keywords = NetEventKeywords.ClassifyAllow };
        log.Write(Events.Drop());
        log.Collect = false;
        foreach (var type in Enum.GetValues<NetEventType>())
        {
            Assert.False(log.ShouldRecord(type));
            log.Write(Events.Drop(type: type));
        }

        Assert.Equal(1UL, log.Written);
        Assert.Single(log.Query(NetEventQuery.All));

        log.Collect = true;
        log.Write(Events.Drop());
        Assert.Equal(2UL, log.Written);
    }

    [Fact]
    public void Subscribe_WhileCollectIsOff_IsNetEventsDisabled()
    {
        var log = new NetEventLog(8) { Collect = false };
        var e = Assert.Throws<WfpException>(() => log.Subscribe(NetEventQuery.All, TestContext.Current.CancellationToken));
        Assert.Equal(WfpError.NetEventsDisabled, e.Error);
    }

    [Fact]
    public void CapabilityEvents_NeedTheirKeywords_OtherTypesAreAlwaysRecorded()
    {
        var log = new NetEventLog(8);
        Assert.False(log.ShouldRecord(NetEventType.CapabilityDrop));
        Assert.False(log.ShouldRecord(NetEventType.CapabilityAllow));
        Assert.True(log.ShouldRecord(NetEventType.ClassifyDropMac));
        Assert.True(log.ShouldRecord(NetEventType.IpsecKernelDrop));
        Assert.False(log.ShouldRecord(NetEventType.Max));

        log.Keywords = NetEventKeywords.CapabilityDrop;
        Assert.True(log.ShouldRecord(NetEventType.CapabilityDrop));
        Assert.False(log.ShouldRecord(NetEventType.CapabilityAllow));
        log.Keywords = NetEventKeywords.CapabilityAllow;
        Assert.True(log.ShouldRecord(NetEventType.CapabilityAllow));
    }

    [Fact]
    public void InboundMulticastAndBroadcastDrops_NeedTheirKeywords()
    {
        var log = new NetEventLog(16);
        var mcast = Events.Drop(local: Events.V4(239, 255, 255, 250), direction: NetEventDirection.In);
        var bcast = Events.Drop(local: uint.MaxValue, direction: NetEventDirection.In);
        var mcast6 = Events.DropV6(local: ((UInt128)0xFF02 << 112) | 1, remote: 1); // ff02::1
        mcast6.Direction = NetEventDirection.In;
        var unicastIn = Events.Drop(local: Events.V4(10, 0, 0, 1), direction: NetEventDirection.In);
        var mcastOut = Events.Drop(local: Events.V4(239, 1, 1, 1), direction: NetEventDirection.Out);

        Assert.False(log.ShouldRecord(in mcast));
        Assert.False(log.ShouldRecord(in bcast));
        Assert.False(log.ShouldRecord(in mcast6));
        Assert.True(log.ShouldRecord(in unicastIn));
        Assert.True(log.ShouldRecord(in mcastOut));
        foreach (var r in new[] { mcast, bcast, mcast6, unicastIn, mcastOut })
        {
            log.Write(r);
        }

        Assert.Equal(2UL, log.Written);

        log.Keywords = NetEventKeywords.InboundMulticast;
        Assert.True(log.ShouldRecord(in mcast));
        Assert.True(log.ShouldRecord(in mcast6));
        Assert.False(log.ShouldRecord(in bcast));
        log.Keywords = NetEventKeywords.InboundBroadcast;
        Assert.True(log.ShouldRecord(in bcast));
        Assert.False(log.ShouldRecord(in mcast));
    }
}
