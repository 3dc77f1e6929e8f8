using OpenWfp.Engine.Model;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>Each kind of packet meets the layers docs/SHIM.md lists ("Layer sequences"), in that order.</summary>
public sealed class LayerSequenceTests
{
    [Fact]
    public void OutboundSyn_MeetsAuthConnectThenTransportThenIpThenMac()
    {
        var h = new ShimHarness();
        var v = h.Send(Frames.TcpOut(TcpFlags.Syn));
        Assert.Equal(["ALE_AUTH_CONNECT_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal(TrafficDirection.Outbound, v.Direction);
        Assert.Equal(ActionType.Permit, v.Action);
        Assert.NotEqual(0UL, v.FlowId);
    }

    [Fact]
    public void InboundSyn_MeetsMacIpTransportThenRecvAccept()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpIn(TcpFlags.Syn, sport: 51000, dport: 22));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_AUTH_RECV_ACCEPT_V4"], h.Layers());
    }

    [Fact]
    public void ClientHandshake_SynAckInMeetsFlowEstablished_ThenAckOutSkipsAle()
    {
        var h = new ShimHarness();
        var syn = h.Send(Frames.TcpOut(TcpFlags.Syn));
        var synAck = h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_FLOW_ESTABLISHED_V4"], h.Layers());
        Assert.Equal(syn.FlowId, synAck.FlowId);
        Assert.Equal((uint)FwpDirection.Outbound, h.Value("ALE_FLOW_ESTABLISHED_V4", "DIRECTION").RawUInt64);

        h.Send(Frames.TcpOut(TcpFlags.Ack));
        Assert.Equal(["OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
    }

    [Fact]
    public void ServerHandshake_FinalAckInMeetsFlowEstablished()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpIn(TcpFlags.Syn, sport: 51000, dport: 22));
        h.Send(Frames.TcpOut(TcpFlags.Syn | TcpFlags.Ack, sport: 22, dport: 51000));
        Assert.Equal(["OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        h.Send(Frames.TcpIn(TcpFlags.Ack, sport: 51000, dport: 22));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_FLOW_ESTABLISHED_V4"], h.Layers());
        Assert.Equal((uint)FwpDirection.Inbound, h.Value("ALE_FLOW_ESTABLISHED_V4", "DIRECTION").RawUInt64);
    }

    [Fact]
    public void TcpData_MeetsStream_BeforeTransportOutbound_AfterTransportInbound()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpOut(TcpFlags.Syn));
        h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        h.Send(Frames.TcpOut(TcpFlags.Ack | TcpFlags.Psh, payload: "GET / HTTP/1.1\r\n\r\n"u8.ToArray()));
        Assert.Equal(["STREAM_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal((uint)FwpDirection.Outbound, h.Value("STREAM_V4", "DIRECTION").RawUInt64);
        h.Send(Frames.TcpIn(TcpFlags.Ack | TcpFlags.Psh, payload: "HTTP/1.1 200 OK\r\n\r\n"u8.ToArray()));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "STREAM_V4"], h.Layers());
        Assert.Equal((uint)FwpDirection.Inbound, h.Value("STREAM_V4", "DIRECTION").RawUInt64);
    }

    [Fact]
    public void UdpOutbound_FirstDatagramMeetsConnectEstablishedDatagram_LaterOnlyDatagram()
    {
        var h = new ShimHarness();
        h.Send(Frames.UdpOut());
        Assert.Equal(["ALE_AUTH_CONNECT_V4", "ALE_FLOW_ESTABLISHED_V4", "DATAGRAM_DATA_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        h.Send(Frames.UdpIn());
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "DATAGRAM_DATA_V4"], h.Layers());
        h.Send(Frames.UdpOut());
        Assert.Equal(["DATAGRAM_DATA_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal(1, h.Shim.Counters.Flows);
    }

    [Fact]
    public void UdpInbound_FirstDatagramMeetsRecvAcceptEstablishedDatagram()
    {
        var h = new ShimHarness();
        h.Send(Frames.UdpIn(sport: 40000, dport: 53));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_AUTH_RECV_ACCEPT_V4", "ALE_FLOW_ESTABLISHED_V4", "DATAGRAM_DATA_V4"], h.Layers());
    }

    [Fact]
    public void IcmpEcho_IsAFlow_ReplyMatchesRequest_NoDatagramLayer()
    {
        var h = new ShimHarness();
        var request = h.Send(Frames.Out4(PacketBuilder.Icmp(8, 0, 0x1234_0001), IpProtocol.Icmp));
        Assert.Equal(["ALE_AUTH_CONNECT_V4", "ALE_FLOW_ESTABLISHED_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal(8UL, h.Value("ALE_AUTH_CONNECT_V4", "IP_LOCAL_PORT").RawUInt64); // ICMP_TYPE ≡ IP_LOCAL_PORT
        var reply = h.Send(Frames.In4(PacketBuilder.Icmp(0, 0, 0x1234_0001), IpProtocol.Icmp));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4"], h.Layers());
        Assert.Equal(request.FlowId, reply.FlowId);
    }

    [Fact]
    public void InboundIcmpError_MeetsIcmpErrorLayerWithEmbeddedFields_NotAle()
    {
        var h = new ShimHarness();
        h.Send(Frames.UdpOut(sport: 50001, dport: 9999));
        var quoted = PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, PacketBuilder.Udp(50001, 9999, [1, 2, 3]));
        h.Send(Frames.In4(PacketBuilder.Icmp(3, 3, 0, quoted), IpProtocol.Icmp));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "INBOUND_ICMP_ERROR_V4"], h.Layers());
        Assert.Equal(3UL, h.Value("INBOUND_ICMP_ERROR_V4", "ICMP_TYPE").RawUInt64);
        Assert.Equal(3UL, h.Value("INBOUND_ICMP_ERROR_V4", "ICMP_CODE").RawUInt64);
        Assert.Equal((ulong)IpProtocol.Udp, h.Value("INBOUND_ICMP_ERROR_V4", "EMBEDDED_PROTOCOL").RawUInt64);
        Assert.Equal((ulong)Frames.Peer4, h.Value("INBOUND_ICMP_ERROR_V4", "EMBEDDED_REMOTE_ADDRESS").RawUInt64);
        Assert.Equal(50001UL, h.Value("INBOUND_ICMP_ERROR_V4", "EMBEDDED_LOCAL_PORT").RawUInt64);
        Assert.Equal(9999UL, h.Value("INBOUND_ICMP_ERROR_V4", "EMBEDDED_REMOTE_PORT").RawUInt64);
    }

    [Fact]
    public void OutboundIcmpError_MeetsOutboundIcmpErrorLayer()
    {
        var h = new ShimHarness();
        var quoted = PacketBuilder.Ipv4(Frames.Peer4, Frames.Local4, IpProtocol.Udp, PacketBuilder.Udp(40000, 9999, [1]));
        h.Send(Frames.Out4(PacketBuilder.Icmp(3, 3, 0, quoted), IpProtocol.Icmp));
        Assert.Equal(["OUTBOUND_ICMP_ERROR_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
    }

    [Fact]
    public void Ipv6_UsesTheV6Twins()
    {
        var h = new ShimHarness();
        var v = h.Send(Frames.Out6(PacketBuilder.Tcp(40000, 443, 1, 0, TcpFlags.Syn), IpProtocol.Tcp));
        Assert.Equal(["ALE_AUTH_CONNECT_V6", "OUTBOUND_TRANSPORT_V6", "OUTBOUND_IPPACKET_V6", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal(TrafficDirection.Outbound, v.Direction);
        h.Send(Frames.In6(PacketBuilder.Udp(53, 40000, [1]), IpProtocol.Udp));
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V6", "INBOUND_TRANSPORT_V6", "ALE_AUTH_RECV_ACCEPT_V6", "ALE_FLOW_ESTABLISHED_V6", "DATAGRAM_DATA_V6"], h.Layers());
    }

    [Fact]
    public void BothEndsLocal_IsLoopback_MeetsOutboundThenInboundLayers_WithLoopbackFlag()
    {
        var h = new ShimHarness();
        var frame = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Local4 + 1, IpProtocol.Tcp, PacketBuilder.Tcp(40000, 8080, 1, 0, TcpFlags.Syn)));
        var v = h.Send(frame);
        Assert.Equal(TrafficDirection.Loopback, v.Direction);
        Assert.Equal(
            ["ALE_AUTH_CONNECT_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET",
             "INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_AUTH_RECV_ACCEPT_V4"],
            h.Layers());
        Assert.Equal((ulong)ConditionFlags.IsLoopback, h.Value("ALE_AUTH_CONNECT_V4", "FLAGS").RawUInt64 & (ulong)ConditionFlags.IsLoopback);
        Assert.Equal((ulong)ConditionFlags.IsLoopback, h.Value("ALE_AUTH_RECV_ACCEPT_V4", "FLAGS").RawUInt64 & (ulong)ConditionFlags.IsLoopback);
        Assert.Equal(2, h.Shim.Counters.Flows); // the client's flow and the server's
    }

    [Fact]
    public void NeitherEndLocal_IsForwarded_MeetsIpForward()
    {
        var h = new ShimHarness();
        var frame = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(0xC0A8_0001, Frames.Peer4, IpProtocol.Udp, PacketBuilder.Udp(1, 2, [0])));
        var v = h.Send(frame);
        Assert.Equal(TrafficDirection.Forward, v.Direction);
        Assert.Equal(["IPFORWARD_V4"], h.Layers());
        Assert.Equal(0xC0A8_0001UL, h.Value("IPFORWARD_V4", "IP_SOURCE_ADDRESS").RawUInt64);
        Assert.Equal((ulong)Frames.Peer4, h.Value("IPFORWARD_V4", "IP_DESTINATION_ADDRESS").RawUInt64);
    }

    [Fact]
    public void Arp_MeetsOnlyTheMacLayer()
    {
        var h = new ShimHarness();
        var arp = PacketBuilder.Ethernet(0xFFFF_FFFF_FFFF, Frames.PeerMac, EtherType.Arp, new byte[28]);
        var v = h.Send(arp);
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal(ParseStatus.NotIp, v.ParseStatus);
        Assert.Equal((ulong)EtherType.Arp, h.Value("INBOUND_MAC_FRAME_ETHERNET", "ETHER_TYPE").RawUInt64);
        Assert.Equal((ulong)StackValues.MacBroadcast, h.Value("INBOUND_MAC_FRAME_ETHERNET", "MAC_LOCAL_ADDRESS_TYPE").RawUInt64);
    }

    [Fact]
    public void ArpFromALocalMac_IsOutbound()
    {
        var h = new ShimHarness();
        h.Send(Frames.UdpOut()); // teaches the shim this host's MAC
        h.Send(PacketBuilder.Ethernet(0xFFFF_FFFF_FFFF, Frames.LocalMac, EtherType.Arp, new byte[28]));
        Assert.Equal(["OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
    }

    [Fact]
    public void RawIpCapture_HasNoMacLayers()
    {
        var h = new ShimHarness();
        h.Send(PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Tcp, PacketBuilder.Tcp(40000, 80, 1, 0, TcpFlags.Syn)), LinkType.Raw);
        Assert.Equal(["ALE_AUTH_CONNECT_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"], h.Layers());
    }

    [Fact]
    public void Fragments_EachMeetsTheIpLayerWithFragmentFlag_TheDatagramMeetsTheRestOnce()
    {
        var h = new ShimHarness();
        var udp = PacketBuilder.Udp(50000, 53, new byte[32]);
        var first = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, udp[..16], id: 77, moreFragments: true));
        var second = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, udp[16..], id: 77, fragmentOffset: 16));
        var held = h.Send(first);
        Assert.Equal(ShimReason.FragmentHeld, held.Reason);
        Assert.True(held.IsPermitted);
        Assert.Equal(["OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        Assert.Equal((ulong)ConditionFlags.IsFragment, h.Value("OUTBOUND_IPPACKET_V4", "FLAGS").RawUInt64);
        h.Send(second);
        Assert.Equal(
            ["OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET", "ALE_AUTH_CONNECT_V4", "ALE_FLOW_ESTABLISHED_V4", "DATAGRAM_DATA_V4", "OUTBOUND_TRANSPORT_V4"],
            h.Layers());
        Assert.Equal(0UL, h.Value("OUTBOUND_TRANSPORT_V4", "FLAGS").RawUInt64);
        Assert.Equal(53UL, h.Value("OUTBOUND_TRANSPORT_V4", "IP_REMOTE_PORT").RawUInt64);
    }
}
