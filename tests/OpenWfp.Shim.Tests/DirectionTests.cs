using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>How the shim decides which end is this host.</summary>
public sealed class DirectionTests
{
    [Fact]
    public void WithoutLocalNetworks_TheSenderOfAFlowsFirstPacketIsThisHost()
    {
        var h = new ShimHarness(new ShimOptions());
        Assert.Equal(TrafficDirection.Outbound, h.Send(Frames.TcpIn(TcpFlags.Syn, sport: 51000, dport: 22)).Direction);
        Assert.Equal(TrafficDirection.Inbound, h.Send(Frames.TcpOut(TcpFlags.Syn | TcpFlags.Ack, sport: 22, dport: 51000)).Direction);
        Assert.Equal(TrafficDirection.Outbound, h.Send(Frames.TcpIn(TcpFlags.Ack, sport: 51000, dport: 22)).Direction);
    }

    [Fact]
    public void WithoutLocalNetworks_AnIcmpErrorAboutOurPacketIsInbound()
    {
        var h = new ShimHarness(new ShimOptions());
        h.Send(Frames.UdpOut(sport: 50001, dport: 9999));
        var quoted = PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, PacketBuilder.Udp(50001, 9999, [1]));
        Assert.Equal(TrafficDirection.Inbound, h.Send(Frames.In4(PacketBuilder.Icmp(3, 3, 0, quoted), IpProtocol.Icmp)).Direction);
    }

    [Fact]
    public void WithoutLocalNetworks_LoopbackAddressesAreLoopback()
    {
        var h = new ShimHarness(new ShimOptions());
        var v = h.Send(PacketBuilder.Ipv4(0x7F00_0001, 0x7F00_0001, IpProtocol.Udp, PacketBuilder.Udp(1, 2, [0])), LinkType.Raw);
        Assert.Equal(TrafficDirection.Loopback, v.Direction);
        Assert.Equal(StackValues.InterfaceTypeLoopback, (uint)h.Value("OUTBOUND_IPPACKET_V4", "INTERFACE_TYPE").RawUInt64);
    }

    [Theory]
    [InlineData(4, TrafficDirection.Outbound)]
    [InlineData(0, TrafficDirection.Inbound)]
    [InlineData(1, TrafficDirection.Inbound)]
    [InlineData(3, TrafficDirection.Forward)]
    public void CookedCapture_PacketTypeGivesTheDirection(ushort packetType, TrafficDirection expected)
    {
        var h = new ShimHarness(new ShimOptions());
        var frame = PacketBuilder.Sll(packetType, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, PacketBuilder.Udp(1, 2, [0])));
        Assert.Equal(expected, h.Send(frame, LinkType.LinuxSll).Direction);
    }

    [Fact]
    public void LocalNetworks_WinOverTheCapture()
    {
        var h = new ShimHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["192.0.2.0/24"]) });
        var frame = PacketBuilder.Sll(4, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, PacketBuilder.Udp(1, 2, [0])));
        Assert.Equal(TrafficDirection.Inbound, h.Send(frame, LinkType.LinuxSll).Direction);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("2001:db8::1/32", "2001:db8::/32")]
    [InlineData("::1", "::1/128")]
    public void LocalNetworks_ParseAndNormalize(string text, string normalized)
    {
        Assert.Equal([normalized], LocalNetworks.Parse([text]).Text);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not-an-address")]
    [InlineData("10.0.0.0/x")]
    [InlineData("fe80::1%eth0")]
    [InlineData("")]
    public void LocalNetworks_RejectBadRanges_NamingThem(string text)
    {
        var e = Assert.Throws<FormatException>(() => LocalNetworks.Parse([text]));
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalNetworks_Contains()
    {
        var n = LocalNetworks.Parse(["10.0.0.0/8", "2001:db8::/32"]);
        Assert.True(n.Contains(0x0A01_0203u));
        Assert.False(n.Contains(0x0B00_0001u));
        Assert.True(n.Contains((UInt128)0x2001_0db8_ffff_0000UL << 64));
        Assert.False(n.Contains((UInt128)0x2001_0db9_0000_0000UL << 64));
    }
}
