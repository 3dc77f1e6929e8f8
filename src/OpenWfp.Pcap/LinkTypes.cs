namespace OpenWfp.Pcap;

/// <summary>Common LINKTYPE_* values (https://www.tcpdump.org/linktypes.html), as stored in pcap and pcapng files.</summary>
public static class LinkTypes
{
    /// <summary>LINKTYPE_NULL: BSD loopback, 4-byte host-order address family header.</summary>
    public const uint Null = 0;

    /// <summary>LINKTYPE_ETHERNET: IEEE 802.3 Ethernet.</summary>
    public const uint Ethernet = 1;

    /// <summary>LINKTYPE_RAW: raw IPv4 or IPv6, version taken from the first nibble.</summary>
    public const uint Raw = 101;

    /// <summary>LINKTYPE_LOOP: OpenBSD loopback, 4-byte network-order address family header.</summary>
    public const uint Loop = 108;

    /// <summary>LINKTYPE_LINUX_SLL: Linux "cooked" capture, version 1.</summary>
    public const uint LinuxSll = 113;

    /// <summary>LINKTYPE_IPV4: raw IPv4 only.</summary>
    public const uint Ipv4 = 228;

    /// <summary>LINKTYPE_IPV6: raw IPv6 only.</summary>
    public const uint Ipv6 = 229;

    /// <summary>LINKTYPE_LINUX_SLL2: Linux "cooked" capture, version 2.</summary>
    public const uint LinuxSll2 = 276;
}
