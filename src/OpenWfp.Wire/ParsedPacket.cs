namespace OpenWfp.Wire;

/// <summary>
/// The fields <see cref="PacketParser.Parse"/> extracted from one frame. Plain data: it holds offsets into the frame,
/// never a reference, so it can be copied, stored and handed across threads.
/// </summary>
/// <remarks>
/// Fields are filled in header order; when parsing stops early, fields of headers not reached keep their default (zero).
/// All offsets are relative to the start of the frame passed to the parser. Addresses and ports are numeric in host
/// order (an IPv6 address is the 128-bit big-endian number, so <c>::1</c> is 1).
/// </remarks>
public struct ParsedPacket
{
    /// <summary>The link type the frame was parsed as.</summary>
    public LinkType LinkType;

    /// <summary>Destination MAC (48 bits, most significant byte first); zero when the link layer has none.</summary>
    public ulong DestinationMac;

    /// <summary>Source MAC (48 bits); for cooked captures, the 6-byte link address when one is recorded.</summary>
    public ulong SourceMac;

    /// <summary>Number of VLAN tags crossed (0, 1, or 2 for QinQ; at most <see cref="PacketParser.MaxVlanTags"/>).</summary>
    public byte VlanCount;

    /// <summary>VLAN id of the first (outer) tag; valid when <see cref="VlanCount"/> is at least 1.</summary>
    public ushort OuterVlanId;

    /// <summary>VLAN id of the last (inner) tag; valid when <see cref="VlanCount"/> is at least 2.</summary>
    public ushort InnerVlanId;

    /// <summary>The EtherType after any VLAN tags (for raw IP link types, the one implied by the version).</summary>
    public ushort EtherType;

    /// <summary>Cooked capture packet type (0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 outgoing).</summary>
    public ushort LinkPacketType;

    /// <summary>Cooked capture ARPHRD_* device type (1 is Ethernet, 772 loopback).</summary>
    public ushort LinkDeviceType;

    /// <summary>Interface index recorded by SLL2 captures; zero otherwise.</summary>
    public int InterfaceIndex;

    /// <summary>Offset of the IP header.</summary>
    public int NetworkOffset;

    /// <summary>4 or 6; zero when no IP header was reached.</summary>
    public byte IpVersion;

    /// <summary>IPv4 source address, host order.</summary>
    public uint SourceIPv4;

    /// <summary>IPv4 destination address, host order.</summary>
    public uint DestinationIPv4;

    /// <summary>IPv6 source address as a big-endian 128-bit number.</summary>
    public UInt128 SourceIPv6;

    /// <summary>IPv6 destination address as a big-endian 128-bit number.</summary>
    public UInt128 DestinationIPv6;

    /// <summary>Upper-layer protocol (IPv4 protocol; for IPv6, the next header after the extension chain).</summary>
    public byte Protocol;

    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl;

    /// <summary>IPv4 TOS byte or IPv6 traffic class (DSCP and ECN).</summary>
    public byte TrafficClass;

    /// <summary>Declared IP packet length in bytes (IPv4 total length; IPv6 40 plus payload length).</summary>
    public int IpLength;

    /// <summary>Number of IPv6 extension headers walked.</summary>
    public byte ExtensionHeaderCount;

    /// <summary>Fragment identification (IPv4: 16 bits; IPv6: 32 bits from the fragment header).</summary>
    public uint FragmentId;

    /// <summary>Fragment offset in bytes (the header field times 8).</summary>
    public int FragmentOffset;

    /// <summary>
    /// Offset of the IPv6 Fragment extension header (valid for IPv6 fragments; 0 otherwise): the fragment's data starts
    /// 8 bytes after it, and the headers before it are the unfragmentable part (RFC 8200 section 4.5).
    /// </summary>
    public int FragmentHeaderOffset;

    /// <summary>Offset of the transport header (valid when one was reached).</summary>
    public int TransportOffset;

    /// <summary>TCP/UDP/SCTP source port.</summary>
    public ushort SourcePort;

    /// <summary>TCP/UDP/SCTP destination port.</summary>
    public ushort DestinationPort;

    /// <summary>TCP sequence number.</summary>
    public uint TcpSequence;

    /// <summary>TCP acknowledgment number.</summary>
    public uint TcpAcknowledgment;

    /// <summary>TCP control bits.</summary>
    public TcpFlags TcpFlags;

    /// <summary>TCP window (unscaled).</summary>
    public ushort TcpWindow;

    /// <summary>TCP header length in bytes, options included.</summary>
    public byte TcpHeaderLength;

    /// <summary>UDP length field (header plus data).</summary>
    public ushort UdpLength;

    /// <summary>ICMP/ICMPv6 type.</summary>
    public byte IcmpType;

    /// <summary>ICMP/ICMPv6 code.</summary>
    public byte IcmpCode;

    /// <summary>Echo identifier (valid with <see cref="PacketFlags.IcmpEcho"/>).</summary>
    public ushort IcmpId;

    /// <summary>Echo sequence number (valid with <see cref="PacketFlags.IcmpEcho"/>).</summary>
    public ushort IcmpSequence;

    /// <summary>Offset of the transport payload (for non-first fragments and unknown protocols, the IP payload).</summary>
    public int PayloadOffset;

    /// <summary>Captured payload bytes, bounded by the declared lengths.</summary>
    public int PayloadLength;

    /// <summary>IP version of the packet quoted in an ICMP error.</summary>
    public byte InnerIpVersion;

    /// <summary>Quoted packet's IPv4 source, host order.</summary>
    public uint InnerSourceIPv4;

    /// <summary>Quoted packet's IPv4 destination, host order.</summary>
    public uint InnerDestinationIPv4;

    /// <summary>Quoted packet's IPv6 source.</summary>
    public UInt128 InnerSourceIPv6;

    /// <summary>Quoted packet's IPv6 destination.</summary>
    public UInt128 InnerDestinationIPv6;

    /// <summary>Quoted packet's upper-layer protocol.</summary>
    public byte InnerProtocol;

    /// <summary>Quoted packet's source port.</summary>
    public ushort InnerSourcePort;

    /// <summary>Quoted packet's destination port.</summary>
    public ushort InnerDestinationPort;

    /// <summary>Offset of the quoted packet's IP header.</summary>
    public int InnerNetworkOffset;

    /// <summary>What was present, truncated or malformed.</summary>
    public PacketFlags Flags;

    /// <summary>True when <paramref name="flag"/> is set in <see cref="Flags"/>.</summary>
    /// <param name="flag">One flag (or several, all of which must be set).</param>
    /// <returns>Whether every bit of <paramref name="flag"/> is set.</returns>
    public readonly bool Has(PacketFlags flag) => (Flags & flag) == flag;
}
