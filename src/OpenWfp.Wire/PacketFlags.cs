namespace OpenWfp.Wire;

/// <summary>What <see cref="PacketParser"/> found in a frame, beyond the <see cref="ParseStatus"/>.</summary>
[Flags]
public enum PacketFlags : uint
{
    /// <summary>Nothing beyond the network header.</summary>
    None = 0,

    /// <summary>The IPv4 header carries options (IHL greater than 5).</summary>
    Ipv4Options = 1u << 0,

    /// <summary>The IPv6 header is followed by at least one extension header.</summary>
    Ipv6ExtensionHeaders = 1u << 1,

    /// <summary>The packet is a fragment (MF set or non-zero offset; or an IPv6 fragment header is present).</summary>
    Fragment = 1u << 2,

    /// <summary>More fragments follow (IPv4 MF flag, IPv6 M flag).</summary>
    MoreFragments = 1u << 3,

    /// <summary>The capture is shorter than the IP header's declared length (snaplen cut).</summary>
    NetworkTruncated = 1u << 4,

    /// <summary>Bytes follow the IP packet's declared end (Ethernet padding); they are ignored.</summary>
    Trailer = 1u << 5,

    /// <summary><see cref="ParsedPacket.SourcePort"/> and <see cref="ParsedPacket.DestinationPort"/> are valid.</summary>
    PortsPresent = 1u << 6,

    /// <summary>The whole transport header (TCP including options, UDP, ICMP's 8 bytes) was captured.</summary>
    TransportPresent = 1u << 7,

    /// <summary>The transport header starts in the capture but is cut short.</summary>
    TransportTruncated = 1u << 8,

    /// <summary>An ICMP/ICMPv6 error message: a quoted packet follows the ICMP header.</summary>
    IcmpError = 1u << 9,

    /// <summary>The quoted packet's IP header parsed; the Inner* address and protocol fields are valid.</summary>
    InnerNetworkPresent = 1u << 10,

    /// <summary>The quoted packet's ports are valid.</summary>
    InnerPortsPresent = 1u << 11,

    /// <summary>The quoted packet ends before its IP header or ports.</summary>
    InnerTruncated = 1u << 12,

    /// <summary>The quoted packet's IP header is inconsistent (wrong version, bad IHL, header chain too long).</summary>
    InnerMalformed = 1u << 13,

    /// <summary>The ICMP message is an echo request/reply; <see cref="ParsedPacket.IcmpId"/> and <see cref="ParsedPacket.IcmpSequence"/> are valid.</summary>
    IcmpEcho = 1u << 14,

    /// <summary>The IP packet came in an 802.3 frame with an LLC/SNAP header (RFC 1042) rather than Ethernet II.</summary>
    LlcSnap = 1u << 15,
}
