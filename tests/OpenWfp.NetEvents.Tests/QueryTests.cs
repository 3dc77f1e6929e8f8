using System.Net;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.NetEvents.Tests;

/// <summary>Templates: the time window, the maximum count and each kind of condition (FWPM_NET_EVENT_ENUM_TEMPLATE0; docs/WFPD.md, Net events).</summary>
public sealed class QueryTests
{
    private static readonly UInt128 V6A = ((UInt128)0x2001_0db8_0000_0000UL << 64) | 1;          // 2001:db8::1
    private static readonly UInt128 V6B = ((UInt128)0x2001_0db8_0001_0000UL << 64) | 5;          // 2001:db8:1::5
    private static readonly UInt128 V6C = ((UInt128)0xfe80_0000_0000_0000UL << 64) | 0x42;       // fe80::42

    private static NetEventLog Sample()
    {
        var log = new NetEventLog(64) { Keywords = NetEventKeywords.ClassifyAllow };
        log.Write(Events.Drop(time: 100, local: Events.V4(10, 0, 0, 1), remote: Events.V4(192, 168, 1, 10), localPort: 40000, remotePort: 443, protocol: 6, app: Events.Browser, user: Events.Alice, filterId: 1));
        log.Write(Events.Drop(time: 200, local: Events.V4(10, 0, 0, 2), remote: Events.V4(192, 168, 1, 20), localPort: 40001, remotePort: 53, protocol: 17, app: Events.Curl, user: Events.Bob, filterId: 2));
        log.Write(Events.Drop(time: 300, local: Events.V4(10, 0, 1, 1), remote: Events.V4(8, 8, 8, 8), localPort: 50000, remotePort: 80, protocol: 6, app: Events.Curl, user: Events.Alice, filterId: 3, type: NetEventType.ClassifyAllow));
        log.Write(Events.Drop(time: 400, local: Events.V4(172, 16, 0, 1), remote: Events.V4(192, 168, 2, 1), localPort: 50001, remotePort: 8443, protocol: 1, filterId: 4));
        var v6 = Events.DropV6(V6A, V6B, time: 500);
        v6.FilterId = 5;
        log.Write(v6);
        var v6b = Events.DropV6(V6C, V6A, time: 600);
        v6b.FilterId = 6;
        log.Write(v6b);
        return log;
    }

    private static ulong[] Ids(NetEventLog log, params NetEventCondition[] conditions) =>
        log.Query(new NetEventQuery { Conditions = conditions }).Select(e => e.FilterId).ToArray();

    [Fact]
    public void NoConditions_ReturnsEverythingOldestFirst()
    {
        Assert.Equal([1UL, 2, 3, 4, 5, 6], Ids(Sample()));
    }

    [Fact]
    public void TimeWindow_IsInclusive_AndZeroMeansOpen()
    {
        var log = Sample();
        Assert.Equal([2UL, 3, 4], log.Query(new NetEventQuery { StartTimeUnixNs = 200, EndTimeUnixNs = 400 }).Select(e => e.FilterId));
        Assert.Equal([5UL, 6], log.Query(new NetEventQuery { StartTimeUnixNs = 450 }).Select(e => e.FilterId));
        Assert.Equal([1UL], log.Query(new NetEventQuery { EndTimeUnixNs = 199 }).Select(e => e.FilterId));
        Assert.Empty(log.Query(new NetEventQuery { StartTimeUnixNs = 601 }));
    }

    [Fact]
    public void EndBeforeStart_IsInvalidInterval()
    {
        var e = Assert.Throws<WfpException>(() => Sample().Query(new NetEventQuery { StartTimeUnixNs = 5, EndTimeUnixNs = 4 }));
        Assert.Equal(WfpError.InvalidInterval, e.Error);
    }

    [Fact]
    public void MaxCount_ReturnsTheOldestMatches()
    {
        var log = Sample();
        Assert.Equal([1UL, 2], log.Query(new NetEventQuery { MaxCount = 2 }).Select(e => e.FilterId));
        Assert.Equal([3UL, 4], log.Query(new NetEventQuery { MaxCount = 2, StartTimeUnixNs = 300 }).Select(e => e.FilterId));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Query(new NetEventQuery { MaxCount = -1 }));
    }

    [Fact]
    public void Protocol()
    {
        var log = Sample();
        Assert.Equal([1UL, 3, 5, 6], Ids(log, NetEventCondition.Protocol(6)));
        Assert.Equal([2UL], Ids(log, NetEventCondition.Protocol(17)));
        Assert.Empty(Ids(log, NetEventCondition.Protocol(58)));
    }

    [Fact]
    public void V4Addresses_ExactMaskAndRange_NeverMatchV6()
    {
        var log = Sample();
        Assert.Equal([2UL], Ids(log, NetEventCondition.V4Address(NetEventField.IpLocalAddress, Events.V4(10, 0, 0, 2))));
        Assert.Equal([1UL, 2], Ids(log, NetEventCondition.V4Address(NetEventField.IpLocalAddress, Events.V4(10, 0, 0, 0), 0xFFFFFF00)));
        Assert.Equal([1UL, 2, 3], Ids(log, NetEventCondition.Address(NetEventField.IpLocalAddress, IPAddress.Parse("10.0.0.0"), 16)));
        Assert.Equal([1UL, 2, 4], Ids(log, NetEventCondition.V4AddressRange(NetEventField.IpRemoteAddress, Events.V4(192, 168, 1, 0), Events.V4(192, 168, 2, 255))));
        Assert.Equal([3UL], Ids(log, NetEventCondition.Address(NetEventField.IpRemoteAddress, IPAddress.Parse("8.8.8.8"))));

        // 0.0.0.0/0 is every IPv4 event, and no IPv6 event (the numbers of ::1-like IPv6 addresses fit in 32 bits too).
        Assert.Equal([1UL, 2, 3, 4], Ids(log, NetEventCondition.V4Address(NetEventField.IpRemoteAddress, 0, 0)));
    }

    [Fact]
    public void V6Addresses_PrefixAndRange_NeverMatchV4()
    {
        var log = Sample();
        Assert.Equal([5UL], Ids(log, NetEventCondition.Address(NetEventField.IpLocalAddress, IPAddress.Parse("2001:db8::1"))));
        Assert.Equal([5UL, 6], Ids(log, NetEventCondition.Address(NetEventField.IpRemoteAddress, IPAddress.Parse("2001:db8::"), 32)));
        Assert.Equal([6UL], Ids(log, NetEventCondition.V6Address(NetEventField.IpLocalAddress, (UInt128)0xfe80 << 112, 10)));
        Assert.Equal([5UL, 6], Ids(log, NetEventCondition.V6Address(NetEventField.IpLocalAddress, 0, 0)));
        Assert.Equal([6UL], Ids(log, NetEventCondition.V6AddressRange(NetEventField.IpRemoteAddress, V6A, V6A)));
        Assert.Equal([5UL, 6], Ids(log, NetEventCondition.V6AddressRange(NetEventField.IpRemoteAddress, V6A, V6B)));
    }

    [Fact]
    public void Ports_EqualAndRange()
    {
        var log = Sample();
        Assert.Equal([2UL], Ids(log, NetEventCondition.RemotePort(53)));
        Assert.Equal([2UL, 3], Ids(log, NetEventCondition.RemotePortRange(1, 100)));
        Assert.Equal([1UL, 2, 3, 5, 6], Ids(log, NetEventCondition.RemotePortRange(1, 1023)));
        Assert.Equal([1UL, 5, 6], Ids(log, NetEventCondition.LocalPort(40000)));
        Assert.Equal([3UL, 4], Ids(log, NetEventCondition.LocalPortRange(50000, 65535)));
    }

    [Fact]
    public void AppId_IsComparedByteForByte()
    {
        var log = Sample();
        Assert.Equal([2UL, 3], Ids(log, NetEventCondition.AppId(AppId.FromPath("/usr/bin/curl"))));
        Assert.Equal([1UL], Ids(log, NetEventCondition.AppId(Events.Browser)));
        Assert.Empty(Ids(log, NetEventCondition.AppId(AppId.FromPath("/usr/bin/CURL"))));
    }

    [Fact]
    public void UserId_IsComparedByValue()
    {
        var log = Sample();
        Assert.Equal([1UL, 3], Ids(log, NetEventCondition.UserId(Engine.Security.Sid.Parse("S-1-22-1-1000"))));
        Assert.Equal([2UL], Ids(log, NetEventCondition.UserId(Events.Bob)));
        Assert.Empty(Ids(log, NetEventCondition.UserId(Engine.Security.Sid.LocalSystem)));
    }

    [Fact]
    public void EventType()
    {
        var log = Sample();
        Assert.Equal([3UL], Ids(log, NetEventCondition.EventType(NetEventType.ClassifyAllow)));
        Assert.Equal([1UL, 2, 4, 5, 6], Ids(log, NetEventCondition.EventType(NetEventType.ClassifyDrop)));
    }

    [Fact]
    public void Conditions_AreAnded_IncludingTwoOnOneField()
    {
        var log = Sample();
        Assert.Equal([3UL], Ids(log, NetEventCondition.Protocol(6), NetEventCondition.AppId(Events.Curl)));
        Assert.Equal([1UL], Ids(log, NetEventCondition.Protocol(6), NetEventCondition.UserId(Events.Alice), NetEventCondition.RemotePort(443)));
        Assert.Empty(Ids(log, NetEventCondition.RemotePort(443), NetEventCondition.RemotePort(53)));
        Assert.Equal([3UL], log.Query(new NetEventQuery { StartTimeUnixNs = 250, Conditions = [NetEventCondition.Protocol(6)], MaxCount = 1 }).Select(e => e.FilterId));
    }

    [Fact]
    public void FromFilterCondition_MapsTheTemplateFields()
    {
        var log = Sample();
        static Guid Key(string name) => LayerCatalog.TryFindCondition(name, out var c) ? c.Key : throw new InvalidOperationException(name);
        NetEventCondition Map(string name, FwpMatchType match, FwpConditionValue value) =>
            NetEventCondition.FromFilterCondition(new FilterCondition(Key(name), match, value));

        Assert.Equal([2UL], Ids(log, Map("FWPM_CONDITION_IP_PROTOCOL", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt8(17)))));
        Assert.Equal([1UL, 2], Ids(log, Map("FWPM_CONDITION_IP_LOCAL_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(Events.V4(10, 0, 0, 0), 0xFFFFFF00))));
        Assert.Equal([3UL], Ids(log, Map("FWPM_CONDITION_IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(Events.V4(8, 8, 8, 8))))));
        Assert.Equal([1UL, 2], Ids(log, Map("FWPM_CONDITION_IP_REMOTE_ADDRESS", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt32(Events.V4(192, 168, 1, 0)), FwpValue.FromUInt32(Events.V4(192, 168, 1, 255))))));
        Assert.Equal([5UL, 6], Ids(log, Map("FWPM_CONDITION_IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask((UInt128)0x2001_0db8 << 96, 32))));
        Assert.Equal([6UL], Ids(log, Map("FWPM_CONDITION_IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromByteArray16(V6A)))));
        Assert.Equal([1UL, 5, 6], Ids(log, Map("FWPM_CONDITION_IP_LOCAL_PORT", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(40000)))));
        Assert.Equal([1UL, 3, 4, 5, 6], Ids(log, Map("FWPM_CONDITION_IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(80), FwpValue.FromUInt16(8443)))));
        Assert.Equal([2UL, 3], Ids(log, Map("FWPM_CONDITION_ALE_APP_ID", FwpMatchType.Equal, FwpConditionValue.Of(AppId.ValueFromPath("/usr/bin/curl")))));
        Assert.Equal([2UL], Ids(log, Map("FWPM_CONDITION_ALE_USER_ID", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromSid(Events.Bob)))));
        Assert.Equal([3UL], Ids(log, Map("FWPM_CONDITION_NET_EVENT_TYPE", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(6)))));
    }

    [Fact]
    public void FromFilterCondition_RejectsWhatATemplateCannotHold()
    {
        static Guid Key(string name) => LayerCatalog.TryFindCondition(name, out var c) ? c.Key : throw new InvalidOperationException(name);
        static WfpError Error(string name, FwpMatchType match, FwpConditionValue value) =>
            Assert.Throws<WfpException>(() => NetEventCondition.FromFilterCondition(new FilterCondition(Key(name), match, value))).Error;

        Assert.Equal(WfpError.ConditionNotFound, Error("FWPM_CONDITION_IP_LOCAL_INTERFACE", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt64(1))));
        Assert.Equal(WfpError.ConditionNotFound, Assert.Throws<WfpException>(() => NetEventCondition.FromFilterCondition(new FilterCondition(Guid.NewGuid(), FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(1))))).Error);
        Assert.Equal(WfpError.MatchTypeMismatch, Error("FWPM_CONDITION_IP_PROTOCOL", FwpMatchType.Greater, FwpConditionValue.Of(FwpValue.FromUInt8(6))));
        Assert.Equal(WfpError.TypeMismatch, Error("FWPM_CONDITION_IP_PROTOCOL", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(6))));
        Assert.Equal(WfpError.TypeMismatch, Error("FWPM_CONDITION_ALE_APP_ID", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt8(1), FwpValue.FromUInt8(2))));
        Assert.Equal(WfpError.TypeMismatch, Error("FWPM_CONDITION_IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(1), FwpValue.FromUInt32(2))));
        Assert.Equal(WfpError.InvalidRange, Error("FWPM_CONDITION_IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(9), FwpValue.FromUInt16(2))));
    }

    [Fact]
    public void Conditions_DescribeThemselves()
    {
        Assert.Equal("IpRemoteAddress = 10.0.0.0/255.255.255.0", NetEventCondition.V4Address(NetEventField.IpRemoteAddress, Events.V4(10, 0, 0, 9), 0xFFFFFF00).ToString());
        Assert.Equal("IpLocalAddress = 2001:db8::/32", NetEventCondition.Address(NetEventField.IpLocalAddress, IPAddress.Parse("2001:db8::"), 32).ToString());
        Assert.Equal("IpRemotePort in [1, 1023]", NetEventCondition.RemotePortRange(1, 1023).ToString());
        Assert.Equal("AppId = /usr/bin/curl", NetEventCondition.AppId(Events.Curl).ToString());
        Assert.Equal("UserId = S-1-22-1-1000", NetEventCondition.UserId(Events.Alice).ToString());
    }
}
