using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>Ethernet frames between this host (10.0.0.1, fd00::1) and a peer (192.0.2.9, 2001:db8::9).</summary>
internal static class Frames
{
    public const ulong LocalMac = 0x02_00_00_00_00_01;
    public const ulong PeerMac = 0x02_00_00_00_00_09;
    public const uint Local4 = 0x0A00_0001;
    public const uint Peer4 = 0xC000_0209;
    public static readonly UInt128 Local6 = (UInt128)0xfd00_0000_0000_0000UL << 64 | 1;
    public static readonly UInt128 Peer6 = (UInt128)0x2001_0db8_0000_0000UL << 64 | 9;

    public static byte[] Out4(byte[] transport, byte protocol, uint dst = Peer4) =>
        PacketBuilder.Ethernet(PeerMac, LocalMac, EtherType.Ipv4, PacketBuilder.Ipv4(Local4, dst, protocol, transport));

    public static byte[] In4(byte[] transport, byte protocol, uint src = Peer4) =>
        PacketBuilder.Ethernet(LocalMac, PeerMac, EtherType.Ipv4, PacketBuilder.Ipv4(src, Local4, protocol, transport));

    public static byte[] Out6(byte[] transport, byte protocol) =>
        PacketBuilder.Ethernet(PeerMac, LocalMac, EtherType.Ipv6, PacketBuilder.Ipv6(Local6, Peer6, protocol, transport));

    public static byte[] In6(byte[] transport, byte protocol) =>
        PacketBuilder.Ethernet(LocalMac, PeerMac, EtherType.Ipv6, PacketBuilder.Ipv6(Peer6, Local6, protocol, transport));

    public static byte[] TcpOut(TcpFlags flags, ushort sport = 40000, ushort dport = 80, byte[]? payload = null) =>
        Out4(PacketBuilder.Tcp(sport, dport, 1, 1, flags, payload), IpProtocol.Tcp);

    public static byte[] TcpIn(TcpFlags flags, ushort sport = 80, ushort dport = 40000, byte[]? payload = null) =>
        In4(PacketBuilder.Tcp(sport, dport, 1, 1, flags, payload), IpProtocol.Tcp);

    public static byte[] UdpOut(ushort sport = 50000, ushort dport = 53, byte[]? payload = null) =>
        Out4(PacketBuilder.Udp(sport, dport, payload ?? [1, 2, 3]), IpProtocol.Udp);

    public static byte[] UdpIn(ushort sport = 53, ushort dport = 50000, byte[]? payload = null) =>
        In4(PacketBuilder.Udp(sport, dport, payload ?? [1, 2, 3]), IpProtocol.Udp);
}
