namespace OpenWfp.Wire;

/// <summary>IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers", netinet/in.h IPPROTO_*).</summary>
public static class IpProtocol
{
    /// <summary>IPPROTO_HOPOPTS: IPv6 hop-by-hop options header.</summary>
    public const byte HopByHop = 0;

    /// <summary>IPPROTO_ICMP.</summary>
    public const byte Icmp = 1;

    /// <summary>IPPROTO_TCP.</summary>
    public const byte Tcp = 6;

    /// <summary>IPPROTO_UDP.</summary>
    public const byte Udp = 17;

    /// <summary>IPPROTO_ROUTING: IPv6 routing header.</summary>
    public const byte Routing = 43;

    /// <summary>IPPROTO_FRAGMENT: IPv6 fragment header.</summary>
    public const byte Fragment = 44;

    /// <summary>IPPROTO_ESP: encapsulating security payload (opaque; ends the header chain).</summary>
    public const byte Esp = 50;

    /// <summary>IPPROTO_AH: authentication header (length in 4-byte units, RFC 4302).</summary>
    public const byte AuthenticationHeader = 51;

    /// <summary>IPPROTO_ICMPV6.</summary>
    public const byte Icmpv6 = 58;

    /// <summary>IPPROTO_NONE: no next header.</summary>
    public const byte NoNextHeader = 59;

    /// <summary>IPPROTO_DSTOPTS: IPv6 destination options header.</summary>
    public const byte DestinationOptions = 60;

    /// <summary>IPPROTO_SCTP (ports in the first four bytes, like TCP and UDP).</summary>
    public const byte Sctp = 132;

    /// <summary>IPPROTO_UDPLITE (ports in the first four bytes).</summary>
    public const byte UdpLite = 136;
}
