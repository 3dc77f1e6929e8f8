using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// Multicast and broadcast flows as Microsoft Learn's "ALE Multicast/Broadcast Traffic" describes them: a reply
/// window after sending, and one inbound flow per local endpoint (docs/SHIM.md, "Multicast and broadcast").
/// </summary>
public sealed class MulticastTests
{
    private const uint Ssdp = 0xEFFF_FFFA; // 239.255.255.250
    private const uint Broadcast = 0xFFFF_FFFF;
    private const uint OtherPeer = 0xC633_6407; // 198.51.100.7
    private static readonly long Ms = (long)TimeSpan.FromMilliseconds(1).TotalNanoseconds;

    /// <summary>A harness that blocks every inbound connection at ALE_AUTH_RECV_ACCEPT_V4.</summary>
    private static (ShimHarness H, ulong BlockId) InboundBlocked()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block));
        return (h, block.FilterId);
    }

    private static byte[] Send(uint group) => Frames.Out4(PacketBuilder.Udp(50000, 1900, [1]), IpProtocol.Udp, group);

    private static byte[] Reply(uint from, ushort sport = 1900) => Frames.In4(PacketBuilder.Udp(sport, 50000, [2]), IpProtocol.Udp, from);

    private static ShimVerdict At(ShimHarness h, long nanoseconds, byte[] frame)
    {
        h.Now = nanoseconds - 1_000_000; // Send adds 1 ms
        return h.Send(frame);
    }

    [Theory]
    [InlineData(Ssdp)]
    [InlineData(Broadcast)]
    public void RepliesFromAnyoneWithinFourSeconds_SkipRecvAccept_ThenTheyMeetIt(uint group)
    {
        var (h, blockId) = InboundBlocked();
        var t0 = 10_000 * Ms;
        var sent = At(h, t0, Send(group));
        Assert.True(sent.IsPermitted);

        var first = At(h, t0 + 1_000 * Ms, Reply(Frames.Peer4));
        Assert.True(first.IsPermitted);
        Assert.DoesNotContain("ALE_AUTH_RECV_ACCEPT_V4", h.Layers());
        Assert.Equal(sent.FlowId, first.FlowId);
        Assert.True(At(h, t0 + 3_900 * Ms, Reply(OtherPeer, sport: 40000)).IsPermitted);
        Assert.Equal(2, h.Shim.Counters.MulticastResponses);

        var late = At(h, t0 + 4_100 * Ms, Reply(OtherPeer, sport: 40001));
        Assert.False(late.IsPermitted);
        Assert.Equal(blockId, late.FilterId);
    }

    [Fact]
    public void OnlyOutboundTrafficExtendsTheWindow()
    {
        var (h, _) = InboundBlocked();
        var t0 = 10_000 * Ms;
        At(h, t0, Send(Ssdp));
        Assert.True(At(h, t0 + 3_000 * Ms, Reply(Frames.Peer4)).IsPermitted);
        Assert.False(At(h, t0 + 5_000 * Ms, Reply(Frames.Peer4, sport: 1901)).IsPermitted);

        var (h2, _) = InboundBlocked();
        At(h2, t0, Send(Ssdp));
        At(h2, t0 + 3_000 * Ms, Send(Ssdp));
        Assert.True(At(h2, t0 + 6_000 * Ms, Reply(Frames.Peer4)).IsPermitted);
        Assert.False(At(h2, t0 + 7_100 * Ms, Reply(Frames.Peer4, sport: 1901)).IsPermitted);
    }

    [Fact]
    public void BlockedMulticastSend_OpensNoWindow()
    {
        var (h, blockId) = InboundBlocked();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpValue.FromUInt32(Ssdp))));
        var t0 = 10_000 * Ms;
        Assert.False(At(h, t0, Send(Ssdp)).IsPermitted);
        var reply = At(h, t0 + 500 * Ms, Reply(Frames.Peer4));
        Assert.False(reply.IsPermitted);
        Assert.Equal(blockId, reply.FilterId);
    }

    [Fact]
    public void UnicastSend_OpensNoWindowForOtherPeers()
    {
        var (h, _) = InboundBlocked();
        var t0 = 10_000 * Ms;
        At(h, t0, Frames.Out4(PacketBuilder.Udp(50000, 1900, [1]), IpProtocol.Udp, Frames.Peer4));
        Assert.True(At(h, t0 + 100 * Ms, Reply(Frames.Peer4)).IsPermitted); // its own flow
        Assert.False(At(h, t0 + 200 * Ms, Reply(OtherPeer)).IsPermitted);
    }

    [Fact]
    public void InboundMulticast_IsOneFlowPerLocalEndpoint_WhoeverSendsIt()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Permit));
        byte[] ToGroup(uint from, ushort dport) => PacketBuilder.Ethernet(0x01005E7FFFFA, Frames.PeerMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(from, Ssdp, IpProtocol.Udp, PacketBuilder.Udp(1900, dport, [3])));

        var a = h.Send(ToGroup(Frames.Peer4, 1900));
        Assert.True(a.IsPermitted);
        Assert.Contains("ALE_AUTH_RECV_ACCEPT_V4", h.Layers());
        var b = h.Send(ToGroup(OtherPeer, 1900));
        Assert.Equal(a.FlowId, b.FlowId);
        Assert.DoesNotContain("ALE_AUTH_RECV_ACCEPT_V4", h.Layers());
        Assert.Equal(1, h.Shim.Counters.Flows);

        var otherPort = h.Send(ToGroup(OtherPeer, 5353));
        Assert.NotEqual(a.FlowId, otherPort.FlowId);
        Assert.Equal(2, h.Shim.Counters.Flows);
    }

    [Fact]
    public void InboundBroadcastBlocked_BlocksEverySender()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(137))));
        byte[] From(uint src) => PacketBuilder.Ethernet(0xFFFF_FFFF_FFFF, Frames.PeerMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(src, Broadcast, IpProtocol.Udp, PacketBuilder.Udp(137, 137, [4])));
        Assert.Equal(block.FilterId, h.Send(From(Frames.Peer4)).FilterId);
        var second = h.Send(From(OtherPeer));
        Assert.False(second.IsPermitted);
        Assert.Equal(ShimReason.FlowBlocked, second.Reason);
    }
}
