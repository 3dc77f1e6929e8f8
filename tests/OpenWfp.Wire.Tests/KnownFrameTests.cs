using System.Buffers.Binary;
using OpenWfp.Testing.Packets;

namespace OpenWfp.Wire.Tests;

public class KnownFrameTests
{
    private static readonly UInt128 Db8One = V6("20010db8000000000000000000000001");
    private static readonly UInt128 Db8Two = V6("20010db8000000000000000000000002");

    [Fact]
    public void EthernetIpv4TcpSyn()
    {
        var f = KnownFrames.EthernetIpv4TcpSyn;
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, f, out var p));
        Assert.Equal(0x001122334455UL, p.DestinationMac);
        Assert.Equal(0x66778899AABBUL, p.SourceMac);
        Assert.Equal(0, p.VlanCount);
        Assert.Equal(EtherType.Ipv4, p.EtherType);
        Assert.Equal(14, p.NetworkOffset);
        Assert.Equal(4, p.IpVersion);
        Assert.Equal(0xC0A8010Au, p.SourceIPv4);
        Assert.Equal(0x5DB8D822u, p.DestinationIPv4);
        Assert.Equal(IpProtocol.Tcp, p.Protocol);
        Assert.Equal(64, p.Ttl);
        Assert.Equal(48, p.IpLength);
        Assert.Equal(0x1C46u, p.FragmentId);
        Assert.False(p.Has(PacketFlags.Fragment));
        Assert.Equal(34, p.TransportOffset);
        Assert.Equal(51514, p.SourcePort);
        Assert.Equal(443, p.DestinationPort);
        Assert.Equal(0x12345678u, p.TcpSequence);
        Assert.Equal(0u, p.TcpAcknowledgment);
        Assert.Equal(TcpFlags.Syn, p.TcpFlags);
        Assert.Equal(64240, p.TcpWindow);
        Assert.Equal(28, p.TcpHeaderLength);
        Assert.Equal(62, p.PayloadOffset);
        Assert.Equal(0, p.PayloadLength);
        Assert.Equal(PacketFlags.PortsPresent | PacketFlags.TransportPresent, p.Flags);

        Assert.Equal(ParseStatus.Ok, Ipv4Header.TryCreate(f.AsSpan(14), out var ip));
        Assert.True(ip.IsChecksumValid());
        Assert.True(ip.DontFragment);
        Assert.Equal(ParseStatus.Ok, TcpHeader.TryCreate(f.AsSpan(34), out var tcp));
        Assert.Equal(PacketBuilder.Hex("020405b401010402"), tcp.Options.ToArray());
        var tcpBytes = f.AsSpan(34);
        Assert.Equal(0, InternetChecksum.Finish(InternetChecksum.Accumulate(tcpBytes, InternetChecksum.PseudoHeaderIpv4(ip.Source, ip.Destination, 6, tcpBytes.Length))));
    }

    [Fact]
    public void VlanTaggedUdpDnsQuery()
    {
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, KnownFrames.VlanUdpDnsQuery, out var p));
        Assert.Equal(1, p.VlanCount);
        Assert.Equal(100, p.OuterVlanId);
        Assert.Equal(EtherType.Ipv4, p.EtherType);
        Assert.Equal(18, p.NetworkOffset);
        Assert.Equal(0x0A000002u, p.SourceIPv4);
        Assert.Equal(0x08080808u, p.DestinationIPv4);
        Assert.Equal(128, p.Ttl);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(53000, p.SourcePort);
        Assert.Equal(53, p.DestinationPort);
        Assert.Equal(37, p.UdpLength);
        Assert.Equal(18 + 20 + 8, p.PayloadOffset);
        Assert.Equal(29, p.PayloadLength);
        Assert.Equal(0xAB, KnownFrames.VlanUdpDnsQuery[p.PayloadOffset]);
        Assert.True(p.Has(PacketFlags.TransportPresent | PacketFlags.PortsPresent));
    }

    [Fact]
    public void QinQKeepsOuterAndInnerVlan()
    {
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, KnownFrames.QinQUdp, out var p));
        Assert.Equal(2, p.VlanCount);
        Assert.Equal(200, p.OuterVlanId);
        Assert.Equal(300, p.InnerVlanId);
        Assert.Equal(0xFFFFFFFFFFFFUL, p.DestinationMac);
        Assert.Equal(22, p.NetworkOffset);
        Assert.Equal(0xAC100001u, p.SourceIPv4);
        Assert.Equal(1234, p.SourcePort);
        Assert.Equal(5678, p.DestinationPort);
        Assert.Equal(2, p.PayloadLength);
        Assert.Equal((byte)'h', KnownFrames.QinQUdp[p.PayloadOffset]);
    }

    [Fact]
    public void LinuxSllOutgoingTcp()
    {
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.LinuxSll, KnownFrames.SllOutgoingTcp, out var p));
        Assert.Equal(4, p.LinkPacketType);
        Assert.Equal(1, p.LinkDeviceType);
        Assert.Equal(0x0A0B0C0D0E0FUL, p.SourceMac);
        Assert.Equal(0UL, p.DestinationMac);
        Assert.Equal(16, p.NetworkOffset);
        Assert.Equal(0x0A010101u, p.SourceIPv4);
        Assert.Equal(0x0A010102u, p.DestinationIPv4);
        Assert.Equal(22, p.SourcePort);
        Assert.Equal(60000, p.DestinationPort);
        Assert.Equal(1000u, p.TcpSequence);
        Assert.Equal(2000u, p.TcpAcknowledgment);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, p.TcpFlags);
        Assert.Equal(3, p.PayloadLength);
        Assert.Equal("abc"u8.ToArray(), KnownFrames.SllOutgoingTcp.AsSpan(p.PayloadOffset, p.PayloadLength).ToArray());
    }

    [Fact]
    public void LinuxSll2Ipv6Udp()
    {
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.LinuxSll2, KnownFrames.Sll2Ipv6Udp, out var p));
        Assert.Equal(3, p.InterfaceIndex);
        Assert.Equal(1, p.LinkDeviceType);
        Assert.Equal(0, p.LinkPacketType);
        Assert.Equal(0x0A0B0C0D0E0FUL, p.SourceMac);
        Assert.Equal(EtherType.Ipv6, p.EtherType);
        Assert.Equal(20, p.NetworkOffset);
        Assert.Equal(6, p.IpVersion);
        Assert.Equal(V6("fe800000000000000000000000000001"), p.SourceIPv6);
        Assert.Equal(V6("ff0200000000000000000000000000fb"), p.DestinationIPv6);
        Assert.Equal(255, p.Ttl);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(5353, p.SourcePort);
        Assert.Equal(5353, p.DestinationPort);
        Assert.Equal(4, p.PayloadLength);
    }

    [Fact]
    public void Ipv6HopByHopAndFirstFragment()
    {
        var f = KnownFrames.Ipv6HopByHopFragmentUdp;
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, f, out var p));
        Assert.Equal(EtherType.Ipv6, p.EtherType);
        Assert.Equal(Db8One, p.SourceIPv6);
        Assert.Equal(Db8Two, p.DestinationIPv6);
        Assert.Equal(2, p.ExtensionHeaderCount);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.True(p.Has(PacketFlags.Ipv6ExtensionHeaders | PacketFlags.Fragment | PacketFlags.MoreFragments));
        Assert.Equal(0xDEADBEEFu, p.FragmentId);
        Assert.Equal(0, p.FragmentOffset);
        Assert.Equal(56, p.TransportOffset);
        Assert.Equal(4000, p.SourcePort);
        Assert.Equal(5000, p.DestinationPort);
        Assert.True(p.Has(PacketFlags.TransportPresent));

        // The UDP length covers the reassembled datagram, not this fragment; the payload is what this fragment holds.
        Assert.Equal(1208, p.UdpLength);
        Assert.Equal(64, p.PayloadOffset);
        Assert.Equal(8, p.PayloadLength);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv6, f, out var again));
        again.LinkType = LinkType.Raw;
        Assert.Equal(p, again);
    }

    [Fact]
    public void Ipv4IcmpEcho()
    {
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv4, KnownFrames.Ipv4IcmpEcho, out var p));
        Assert.Equal(0xC0000201u, p.SourceIPv4);
        Assert.Equal(0xC6336407u, p.DestinationIPv4);
        Assert.Equal(63, p.Ttl);
        Assert.Equal(IpProtocol.Icmp, p.Protocol);
        Assert.Equal(8, p.IcmpType);
        Assert.Equal(0, p.IcmpCode);
        Assert.Equal(0x1234, p.IcmpId);
        Assert.Equal(7, p.IcmpSequence);
        Assert.Equal(28, p.PayloadOffset);
        Assert.Equal(8, p.PayloadLength);
        Assert.Equal(PacketFlags.TransportPresent | PacketFlags.IcmpEcho, p.Flags);
        Assert.Equal(0, InternetChecksum.Compute(KnownFrames.Ipv4IcmpEcho.AsSpan(20)));
    }

    [Fact]
    public void IcmpPortUnreachableQuotesUdp()
    {
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, KnownFrames.IcmpPortUnreachableQuotingUdp, out var p));
        Assert.Equal(0x0A000001u, p.SourceIPv4);
        Assert.Equal(3, p.IcmpType);
        Assert.Equal(3, p.IcmpCode);
        Assert.True(p.Has(PacketFlags.IcmpError | PacketFlags.InnerNetworkPresent | PacketFlags.InnerPortsPresent));
        Assert.False(p.Has(PacketFlags.IcmpEcho));
        Assert.False(p.Has(PacketFlags.InnerTruncated));
        Assert.Equal(28, p.InnerNetworkOffset);
        Assert.Equal(4, p.InnerIpVersion);
        Assert.Equal(0x0A000002u, p.InnerSourceIPv4);
        Assert.Equal(0x0A000001u, p.InnerDestinationIPv4);
        Assert.Equal(IpProtocol.Udp, p.InnerProtocol);
        Assert.Equal(40000, p.InnerSourcePort);
        Assert.Equal(33434, p.InnerDestinationPort);
        Assert.Equal(0, p.SourcePort);
    }

    [Fact]
    public void Icmpv6PacketTooBigQuotesTcp()
    {
        var f = KnownFrames.Icmpv6PacketTooBigQuotingTcp;
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, f, out var p));
        Assert.Equal(V6("20010db8ffff000000000000000000fe"), p.SourceIPv6);
        Assert.Equal(Db8One, p.DestinationIPv6);
        Assert.Equal(60, p.Ttl);
        Assert.Equal(IpProtocol.Icmpv6, p.Protocol);
        Assert.Equal(2, p.IcmpType);
        Assert.Equal(0, p.IcmpCode);
        Assert.Equal(ParseStatus.Ok, IcmpHeader.TryCreate(f.AsSpan(40), out var icmp));
        Assert.Equal(1280u, icmp.RestOfHeader);
        Assert.Equal(6, p.InnerIpVersion);
        Assert.Equal(Db8One, p.InnerSourceIPv6);
        Assert.Equal(Db8Two, p.InnerDestinationIPv6);
        Assert.Equal(IpProtocol.Tcp, p.InnerProtocol);
        Assert.Equal(443, p.InnerSourcePort);
        Assert.Equal(50000, p.InnerDestinationPort);
        Assert.True(p.Has(PacketFlags.IcmpError | PacketFlags.InnerNetworkPresent | PacketFlags.InnerPortsPresent));

        var body = f.AsSpan(40);
        ulong pseudo = InternetChecksum.PseudoHeaderIpv6(p.SourceIPv6, p.DestinationIPv6, IpProtocol.Icmpv6, body.Length);
        Assert.Equal(0, InternetChecksum.Finish(InternetChecksum.Accumulate(body, pseudo)));
    }

    internal static UInt128 V6(string hex) => BinaryPrimitives.ReadUInt128BigEndian(Convert.FromHexString(hex));
}
