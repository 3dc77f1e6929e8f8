using System.Buffers.Binary;
using static OpenWfp.Testing.Packets.PacketBuilder;

namespace OpenWfp.Wire.Tests;

/// <summary>IP in 802.2 LLC/SNAP frames (RFC 1042) and in BSD loopback captures (LINKTYPE_NULL, LINKTYPE_LOOP).</summary>
public class LinkFramingTests
{
    private const uint A = 0x0A000001;
    private const uint B = 0x0A000002;
    private static readonly UInt128 V6A = KnownFrameTests.V6("20010db8000000000000000000000001");
    private static readonly UInt128 V6B = KnownFrameTests.V6("20010db8000000000000000000000002");

    /// <summary>An 802.3 frame: MACs, a length field, LLC (DSAP, SSAP, control), SNAP (OUI, EtherType), then the packet.</summary>
    private static byte[] Snap(ushort etherType, byte[] packet, byte dsap = 0xAA, byte control = 0x03, byte ouiLast = 0x00)
    {
        var llc = new byte[] { dsap, 0xAA, control, 0x00, 0x00, ouiLast, (byte)(etherType >> 8), (byte)etherType };
        var frame = Ethernet(0x020000000001, 0x020000000002, (ushort)(llc.Length + packet.Length), Concat(llc, packet));
        return frame;
    }

    [Fact]
    public void LlcSnapIpv4ParsesToTheTransport()
    {
        var frame = Snap(EtherType.Ipv4, Ipv4(A, B, IpProtocol.Tcp, Tcp(40000, 443, 1, 0, TcpFlags.Syn)));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.True(p.Has(PacketFlags.LlcSnap | PacketFlags.TransportPresent));
        Assert.Equal(EtherType.Ipv4, p.EtherType);
        Assert.Equal(22, p.NetworkOffset);
        Assert.Equal(A, p.SourceIPv4);
        Assert.Equal(443, p.DestinationPort);
        Assert.Equal(TcpFlags.Syn, p.TcpFlags);
    }

    [Fact]
    public void LlcSnapIpv6BehindAVlanTagParses()
    {
        var ip6 = Ipv6(V6A, V6B, IpProtocol.Udp, Udp(5000, 53, [1, 2]));
        var llc = new byte[] { 0xAA, 0xAA, 0x03, 0, 0, 0, 0x86, 0xDD };
        var frame = Ethernet(0x020000000001, 0x020000000002, (ushort)(llc.Length + ip6.Length), Concat(llc, ip6), (EtherType.Vlan, 7));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(6, p.IpVersion);
        Assert.Equal(7, p.OuterVlanId);
        Assert.Equal(53, p.DestinationPort);
        Assert.Equal(26, p.NetworkOffset);
    }

    [Theory]
    [InlineData((byte)0x42, (byte)0x03, (byte)0x00)] // spanning tree's SAP, not SNAP
    [InlineData((byte)0xAA, (byte)0x13, (byte)0x00)] // not UI
    [InlineData((byte)0xAA, (byte)0x03, (byte)0x0C)] // Cisco's OUI: its EtherType space is not Ethernet's
    public void OtherLlcFramesAreNotIp(byte dsap, byte control, byte ouiLast)
    {
        var frame = Snap(EtherType.Ipv4, Ipv4(A, B, IpProtocol.Udp, Udp(1, 2)), dsap, control, ouiLast);
        Assert.Equal(ParseStatus.NotIp, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.False(p.Has(PacketFlags.LlcSnap));
        Assert.True(p.EtherType < EtherType.MinimumEtherType);
    }

    [Fact]
    public void LlcSnapCutShortIsNotIp()
    {
        var frame = Snap(EtherType.Ipv4, [])[..19];
        Assert.Equal(ParseStatus.NotIp, PacketParser.Parse(LinkType.Ethernet, frame, out _));
    }

    [Fact]
    public void LlcSnapWithAnIpTypeButNoIpHeaderIsTruncated()
    {
        var frame = Snap(EtherType.Ipv4, [0x45, 0, 0]);
        Assert.Equal(ParseStatus.Truncated, PacketParser.Parse(LinkType.Ethernet, frame, out _));
    }

    private static byte[] Bsd(uint family, bool bigEndian, byte[] packet)
    {
        var header = new byte[4];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header, family);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, family);
        }

        return Concat(header, packet);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a NULL capture written on a big-endian host
    public void NullIpv4InEitherByteOrder(bool bigEndian)
    {
        var frame = Bsd(BsdLoopback.AfInet, bigEndian, Ipv4(A, B, IpProtocol.Udp, Udp(1000, 53)));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Null, frame, out var p));
        Assert.Equal(4, p.IpVersion);
        Assert.Equal(4, p.NetworkOffset);
        Assert.Equal(53, p.DestinationPort);
        Assert.Equal(0ul, p.SourceMac);
    }

    [Theory]
    [InlineData(24u)] // NetBSD, OpenBSD
    [InlineData(28u)] // FreeBSD
    [InlineData(30u)] // macOS
    public void NullIpv6WithEachBsdsFamily(uint family)
    {
        var frame = Bsd(family, false, Ipv6(V6A, V6B, IpProtocol.Tcp, Tcp(1, 22, 0, 0, TcpFlags.Syn)));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Null, frame, out var p));
        Assert.Equal(6, p.IpVersion);
        Assert.Equal(V6B, p.DestinationIPv6);
        Assert.Equal(22, p.DestinationPort);
    }

    [Fact]
    public void LoopIsNetworkOrder()
    {
        var frame = Bsd(BsdLoopback.AfInet6FreeBsd, true, Ipv6(V6A, V6B, IpProtocol.Udp, Udp(1, 2)));
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(LinkType.Loop, frame, out var p));
        Assert.Equal(6, p.IpVersion);
        Assert.Equal(2, p.DestinationPort);
    }

    [Fact]
    public void OtherFamiliesAreNotIpAndShortHeadersTruncated()
    {
        Assert.Equal(ParseStatus.NotIp, PacketParser.Parse(LinkType.Null, Bsd(7, false, Ipv4(A, B, 17, Udp(1, 2))), out _));
        Assert.Equal(ParseStatus.Truncated, PacketParser.Parse(LinkType.Loop, [0, 0, 0], out _));
    }

    [Fact]
    public void FamilyNumbersMatchTheBsdHeaders()
    {
        Assert.Equal(2u, BsdLoopback.AfInet);
        Assert.Equal(24u, BsdLoopback.AfInet6NetBsd);
        Assert.Equal(28u, BsdLoopback.AfInet6FreeBsd);
        Assert.Equal(30u, BsdLoopback.AfInet6Darwin);
        Assert.Equal(0xAA, LlcSnap.SnapSap);
        Assert.Equal(0x03, LlcSnap.UnnumberedInformation);
    }
}
