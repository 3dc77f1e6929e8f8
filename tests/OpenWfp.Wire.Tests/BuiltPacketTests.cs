using System.Buffers.Binary;
using OpenWfp.Testing.Packets;
using static OpenWfp.Testing.Packets.PacketBuilder;

namespace OpenWfp.Wire.Tests;

public class BuiltPacketTests
{
    private const uint A = 0x0A000001;
    private const uint B = 0x0A000002;
    private const ulong MacA = 0x020000000001;
    private const ulong MacB = 0x020000000002;
    private static readonly UInt128 V6A = KnownFrameTests.V6("20010db8000000000000000000000001");
    private static readonly UInt128 V6B = KnownFrameTests.V6("20010db8000000000000000000000002");

    [Fact]
    public void BuilderMatchesHandCheckedSyn()
    {
        var tcp = Tcp(51514, 443, 0x12345678, 0, TcpFlags.Syn, options: Hex("020405b401010402"));
        var ip = Ipv4(0xC0A8010A, 0x5DB8D822, IpProtocol.Tcp, tcp, id: 0x1C46);
        ip[6] |= 0x40; // DF
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), InternetChecksum.Compute(ip.AsSpan(0, 20)));
        var frame = Ethernet(0x001122334455, 0x66778899AABB, EtherType.Ipv4, ip);
        Assert.Equal(KnownFrames.EthernetIpv4TcpSyn, frame);
    }

    [Fact]
    public void Ipv4OptionsAreSkipped()
    {
        var options = new byte[] { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 }; // router alert, NOPs, EOL
        var frame = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2, [9, 9]), options: options);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out var p));
        Assert.True(p.Has(PacketFlags.Ipv4Options));
        Assert.Equal(28, p.TransportOffset);
        Assert.Equal(1, p.SourcePort);
        Assert.Equal(2, p.DestinationPort);
        Assert.Equal(2, p.PayloadLength);
        Assert.Equal(ParseStatus.Ok, Ipv4Header.TryCreate(frame, out var h));
        Assert.Equal(options, h.Options.ToArray());
        Assert.True(h.IsChecksumValid());
    }

    [Fact]
    public void Ipv4ChecksumVerificationDetectsCorruption()
    {
        var frame = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2));
        frame[8] ^= 1;
        Assert.Equal(ParseStatus.Ok, Ipv4Header.TryCreate(frame, out var h));
        Assert.False(h.IsChecksumValid());
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out _)); // verification is opt-in
    }

    [Fact]
    public void Ipv4FirstFragmentHasTransportAndLaterFragmentDoesNot()
    {
        var udp = Udp(53, 5353, new byte[100]);
        var first = Ipv4(A, B, IpProtocol.Udp, udp[..48], id: 77, moreFragments: true);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv4, first, out var p));
        Assert.True(p.Has(PacketFlags.Fragment | PacketFlags.MoreFragments | PacketFlags.TransportPresent));
        Assert.Equal(77u, p.FragmentId);
        Assert.Equal(0, p.FragmentOffset);
        Assert.Equal(53, p.SourcePort);
        Assert.Equal(108, p.UdpLength);
        Assert.Equal(40, p.PayloadLength);

        var last = Ipv4(A, B, IpProtocol.Udp, udp[48..], id: 77, fragmentOffset: 48);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv4, last, out p));
        Assert.True(p.Has(PacketFlags.Fragment));
        Assert.False(p.Has(PacketFlags.MoreFragments));
        Assert.False(p.Has(PacketFlags.PortsPresent));
        Assert.False(p.Has(PacketFlags.TransportPresent));
        Assert.Equal(48, p.FragmentOffset);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(0, p.SourcePort);
        Assert.Equal(20, p.PayloadOffset);
        Assert.Equal(udp.Length - 48, p.PayloadLength);
    }

    [Fact]
    public void Ipv6LaterFragmentStopsTheWalk()
    {
        var frame = Ipv6(V6A, V6B, IpProtocol.Tcp, new byte[16], 64, ExtensionHeader.Fragment(9, 1448, false));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out var p));
        Assert.Equal(IpProtocol.Tcp, p.Protocol);
        Assert.Equal(1448, p.FragmentOffset);
        Assert.Equal(9u, p.FragmentId);
        Assert.False(p.Has(PacketFlags.MoreFragments));
        Assert.False(p.Has(PacketFlags.PortsPresent));
        Assert.Equal(48, p.PayloadOffset);
        Assert.Equal(16, p.PayloadLength);
    }

    [Fact]
    public void Ipv6ChainOfEveryExtensionHeader()
    {
        var frame = Ipv6(V6A, V6B, IpProtocol.Tcp, Tcp(1000, 80, 5, 6, TcpFlags.Ack | TcpFlags.Fin, "x"u8.ToArray()), 3,
            ExtensionHeader.HopByHop(), ExtensionHeader.DestinationOptions(), ExtensionHeader.Routing(),
            ExtensionHeader.Fragment(1, 0, true), ExtensionHeader.DestinationOptions());
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ipv6, frame, out var p));
        Assert.Equal(5, p.ExtensionHeaderCount);
        Assert.Equal(IpProtocol.Tcp, p.Protocol);
        Assert.Equal(80, p.TransportOffset);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Fin, p.TcpFlags);
        Assert.Equal(1, p.PayloadLength);
        Assert.Equal(3, p.Ttl);
    }

    [Fact]
    public void Ipv6ExtensionChainIsBounded()
    {
        var ext = Enumerable.Repeat(ExtensionHeader.DestinationOptions(), PacketParser.MaxIpv6ExtensionHeaders).ToArray();
        var ok = Ipv6(V6A, V6B, IpProtocol.NoNextHeader, [], 64, ext);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, ok, out var p));
        Assert.Equal(IpProtocol.NoNextHeader, p.Protocol);

        var tooMany = Ipv6(V6A, V6B, IpProtocol.NoNextHeader, [], 64, [.. ext, ExtensionHeader.DestinationOptions()]);
        Assert.Equal(ParseStatus.Malformed, PacketParser.Parse(LinkType.Raw, tooMany, out _));
    }

    [Fact]
    public void Ipv6ExtensionHeaderOverrunningPayloadLengthIsMalformed()
    {
        var frame = Ipv6(V6A, V6B, IpProtocol.Udp, Udp(1, 2), 64, ExtensionHeader.HopByHop());
        frame[41] = 5; // claims 48 bytes of options inside a 16-byte payload
        Assert.Equal(ParseStatus.Malformed, PacketParser.Parse(LinkType.Raw, frame, out _));
    }

    [Fact]
    public void VlanStackIsBounded()
    {
        var ip = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2));
        var tags = Enumerable.Repeat((EtherType.Vlan, (ushort)5), PacketParser.MaxVlanTags).ToArray();
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, Ethernet(MacA, MacB, EtherType.Ipv4, ip, tags), out var p));
        Assert.Equal(PacketParser.MaxVlanTags, p.VlanCount);
        Assert.Equal(ParseStatus.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(MacA, MacB, EtherType.Ipv4, ip, [.. tags, (EtherType.Vlan, 6)]), out _));
    }

    [Fact]
    public void VlanIdIgnoresPriorityBits()
    {
        var frame = Ethernet(MacA, MacB, EtherType.Ipv4, Ipv4(A, B, IpProtocol.Udp, Udp(1, 2)), (EtherType.Vlan, 0xE00F));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(15, p.OuterVlanId);
    }

    [Fact]
    public void EthernetPaddingIsATrailer()
    {
        var ip = Ipv4(A, B, IpProtocol.Tcp, Tcp(1, 2, 3, 4, TcpFlags.Rst));
        var frame = Ethernet(MacA, MacB, EtherType.Ipv4, [.. ip, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.True(p.Has(PacketFlags.Trailer));
        Assert.False(p.Has(PacketFlags.NetworkTruncated));
        Assert.Equal(0, p.PayloadLength);
        Assert.Equal(TcpFlags.Rst, p.TcpFlags);
    }

    [Fact]
    public void Icmpv6EchoAndInnerIpv4InIcmpv6IsMalformedInner()
    {
        var echo = Ipv6(V6A, V6B, IpProtocol.Icmpv6, Icmp(128, 0, 0x00420003, [1, 2, 3], v6: true));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, echo, out var p));
        Assert.Equal(128, p.IcmpType);
        Assert.Equal(0x42, p.IcmpId);
        Assert.Equal(3, p.IcmpSequence);
        Assert.True(p.Has(PacketFlags.IcmpEcho));

        var wrongInner = Ipv6(V6A, V6B, IpProtocol.Icmpv6, Icmp(1, 4, 0, Ipv4(A, B, IpProtocol.Udp, Udp(1, 2)), v6: true));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, wrongInner, out p));
        Assert.True(p.Has(PacketFlags.IcmpError | PacketFlags.InnerMalformed));
        Assert.False(p.Has(PacketFlags.InnerNetworkPresent));
    }

    [Fact]
    public void TimeExceededQuotingIpv4WithOptionsAndTcp()
    {
        var inner = Ipv4(B, A, IpProtocol.Tcp, Tcp(33000, 22, 1, 0, TcpFlags.Syn), ttl: 1, options: [1, 1, 1, 0]);
        var frame = Ipv4(0xC0000201, B, IpProtocol.Icmp, Icmp(11, 0, 0, inner[..32]));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out var p));
        Assert.Equal(11, p.IcmpType);
        Assert.Equal(IpProtocol.Tcp, p.InnerProtocol);
        Assert.Equal(B, p.InnerSourceIPv4);
        Assert.Equal(A, p.InnerDestinationIPv4);
        Assert.Equal(33000, p.InnerSourcePort);
        Assert.Equal(22, p.InnerDestinationPort);
        Assert.True(p.Has(PacketFlags.InnerPortsPresent));
    }

    [Fact]
    public void QuotedIpv6WithExtensionHeaders()
    {
        var inner = Ipv6(V6B, V6A, IpProtocol.Udp, Udp(7, 8, new byte[20]), 64, ExtensionHeader.DestinationOptions());
        var frame = Ipv6(V6A, V6B, IpProtocol.Icmpv6, Icmp(1, 4, 0, inner[..56], v6: true));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out var p));
        Assert.Equal(IpProtocol.Udp, p.InnerProtocol);
        Assert.Equal(7, p.InnerSourcePort);
        Assert.Equal(8, p.InnerDestinationPort);

        var cut = Ipv6(V6A, V6B, IpProtocol.Icmpv6, Icmp(1, 4, 0, inner[..50], v6: true));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, cut, out p));
        Assert.True(p.Has(PacketFlags.InnerNetworkPresent | PacketFlags.InnerTruncated));
        Assert.False(p.Has(PacketFlags.InnerPortsPresent));
    }

    [Fact]
    public void SllCarryingVlanTaggedIpv6()
    {
        var ip = Ipv6(V6A, V6B, IpProtocol.Icmpv6, Icmp(129, 0, 0x00070008, v6: true), 255);
        var frame = Sll(0, MacA, EtherType.Vlan, [0x00, 0x2A, 0x86, 0xDD, .. ip]);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.LinuxSll, frame, out var p));
        Assert.Equal(MacA, p.SourceMac);
        Assert.Equal(1, p.VlanCount);
        Assert.Equal(42, p.OuterVlanId);
        Assert.Equal(20, p.NetworkOffset);
        Assert.Equal(129, p.IcmpType);
        Assert.Equal(7, p.IcmpId);
        Assert.Equal(8, p.IcmpSequence);
    }

    [Fact]
    public void QuotedIcmpEchoHasNetworkButNoPorts()
    {
        var inner = Ipv4(B, A, IpProtocol.Icmp, Icmp(8, 0, 0x00010001));
        var frame = Ipv4(A, B, IpProtocol.Icmp, Icmp(3, 1, 0, inner));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out var p));
        Assert.True(p.Has(PacketFlags.IcmpError | PacketFlags.InnerNetworkPresent));
        Assert.False(p.Has(PacketFlags.InnerPortsPresent));
        Assert.False(p.Has(PacketFlags.InnerTruncated));
        Assert.Equal(IpProtocol.Icmp, p.InnerProtocol);
    }

    [Fact]
    public void ErrorWithNoQuotedBytesIsInnerTruncated()
    {
        var frame = Ipv4(A, B, IpProtocol.Icmp, Icmp(11, 0, 0));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, frame, out var p));
        Assert.True(p.Has(PacketFlags.IcmpError | PacketFlags.InnerTruncated));
        Assert.Equal(0, p.InnerIpVersion);
    }

    public static TheoryData<string, LinkType, byte[], ParseStatus> StatusCases() => new()
    {
        { "unknown link type", (LinkType)999, Ipv4(A, B, 6, []), ParseStatus.UnsupportedLinkType },
        { "ARP", LinkType.Ethernet, Ethernet(MacA, MacB, EtherType.Arp, new byte[28]), ParseStatus.NotIp },
        { "802.3 length frame", LinkType.Ethernet, Ethernet(MacA, MacB, 0x0040, new byte[64]), ParseStatus.NotIp },
        { "raw version 5", LinkType.Raw, [0x50, .. new byte[39]], ParseStatus.Malformed },
        { "IPv6 bytes on the IPv4 link type", LinkType.Ipv4, Ipv6(V6A, V6B, 59, []), ParseStatus.Malformed },
        { "IPv4 bytes on the IPv6 link type", LinkType.Ipv6, Ipv4(A, B, 59, new byte[40]), ParseStatus.Malformed },
        { "IHL 4", LinkType.Raw, [0x44, .. Ipv4(A, B, 59, [])[1..]], ParseStatus.Malformed },
        { "total length below IHL", LinkType.Raw, SetU16(Ipv4(A, B, 59, []), 2, 19), ParseStatus.Malformed },
        { "TCP data offset 4", LinkType.Raw, Set(Ipv4(A, B, 6, Tcp(1, 2, 3, 4, 0), transportChecksum: false), 32, 0x40), ParseStatus.Malformed },
        { "TCP data offset past packet", LinkType.Raw, Set(Ipv4(A, B, 6, Tcp(1, 2, 3, 4, 0), transportChecksum: false), 32, 0xF0), ParseStatus.Malformed },
        { "UDP length 7", LinkType.Raw, SetU16(Ipv4(A, B, 17, Udp(1, 2), transportChecksum: false), 24, 7), ParseStatus.Malformed },
        { "UDP length past packet", LinkType.Raw, SetU16(Ipv4(A, B, 17, Udp(1, 2), transportChecksum: false), 24, 9), ParseStatus.Malformed },
        { "empty", LinkType.Ethernet, [], ParseStatus.Truncated },
        { "IPv4 header cut", LinkType.Raw, Ipv4(A, B, 6, [])[..19], ParseStatus.Truncated },
        { "IPv4 options cut", LinkType.Raw, Ipv4(A, B, 6, [], options: new byte[8])[..24], ParseStatus.Truncated },
        { "VLAN tag cut", LinkType.Ethernet, Ethernet(MacA, MacB, EtherType.Ipv4, [], (EtherType.Vlan, 1))[..16], ParseStatus.Truncated },
        { "SLL cut", LinkType.LinuxSll, new byte[15], ParseStatus.Truncated },
        { "SLL2 cut", LinkType.LinuxSll2, new byte[19], ParseStatus.Truncated },
    };

    [Theory]
    [MemberData(nameof(StatusCases))]
    public void StatusTable(string name, LinkType linkType, byte[] frame, ParseStatus expected)
    {
        Assert.True(name.Length > 0);
        Assert.Equal(expected, PacketParser.Parse(linkType, frame, out _));
    }

    [Theory]
    [InlineData(IpProtocol.Tcp, 3)]
    [InlineData(IpProtocol.Tcp, 19)]
    [InlineData(IpProtocol.Udp, 5)]
    public void WholeDatagramTooShortForItsTransportHeader_IsMalformed(byte protocol, int transportBytes)
    {
        // The IP total length itself says the header is cut (nothing was lost to a capture): no stack delivers this.
        var datagram = Ipv4(A, B, protocol, new byte[transportBytes]);
        Assert.Equal(ParseStatus.Malformed, PacketParser.Parse(LinkType.Raw, datagram, out _));
    }

    [Theory]
    [InlineData(IpProtocol.Tcp, 19, true)]
    [InlineData(IpProtocol.Tcp, 3, false)]
    [InlineData(IpProtocol.Udp, 7, true)]
    [InlineData(IpProtocol.Icmp, 7, false)]
    public void TransportCutIsOkWithTransportTruncated(byte protocol, int transportBytes, bool portsExpected)
    {
        byte[] segment = protocol switch
        {
            IpProtocol.Tcp => Tcp(10, 20, 1, 2, TcpFlags.Syn),
            IpProtocol.Udp => Udp(10, 20, [1]),
            _ => Icmp(8, 0, 0x10001),
        };
        var full = Ipv4(A, B, protocol, segment);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Raw, full.AsSpan(0, 20 + transportBytes), out var p));
        Assert.True(p.Has(PacketFlags.TransportTruncated | PacketFlags.NetworkTruncated));
        Assert.False(p.Has(PacketFlags.TransportPresent));
        Assert.Equal(portsExpected, p.Has(PacketFlags.PortsPresent));
        Assert.Equal(portsExpected ? (ushort)10 : (ushort)0, p.SourcePort);
        Assert.Equal(0, p.PayloadLength);
    }

    [Fact]
    public void BuiltChecksumsVerify()
    {
        var udp4 = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2, [1, 2, 3]));
        Assert.Equal(0, InternetChecksum.Finish(InternetChecksum.Accumulate(udp4.AsSpan(20), InternetChecksum.PseudoHeaderIpv4(A, B, 17, 11))));
        var tcp6 = Ipv6(V6A, V6B, IpProtocol.Tcp, Tcp(1, 2, 3, 4, TcpFlags.Syn, [7]));
        Assert.Equal(0, InternetChecksum.Finish(InternetChecksum.Accumulate(tcp6.AsSpan(40), InternetChecksum.PseudoHeaderIpv6(V6A, V6B, 6, 21))));
    }

    private static byte[] Set(byte[] b, int at, byte value)
    {
        b[at] = value;
        return b;
    }

    private static byte[] SetU16(byte[] b, int at, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), value);
        return b;
    }
}
