namespace OpenWfp.Wire;

/// <summary>
/// The link-layer framing of a captured frame. Values are the pcap/pcapng LINKTYPE_* numbers
/// (tcpdump.org, "Link-layer header types"), so a pcap file's header field maps directly.
/// </summary>
public enum LinkType : ushort
{
    /// <summary>
    /// LINKTYPE_NULL (0): BSD loopback; a 4-byte address family in the capturing host's byte order, then the IP packet
    /// (<see cref="BsdLoopback"/>).
    /// </summary>
    Null = 0,

    /// <summary>LINKTYPE_ETHERNET (1): Ethernet II, optionally 802.1Q/802.1ad tagged.</summary>
    Ethernet = 1,

    /// <summary>LINKTYPE_RAW (101): raw IP; the version nibble selects IPv4 or IPv6.</summary>
    Raw = 101,

    /// <summary>LINKTYPE_LOOP (108): OpenBSD loopback; as <see cref="Null"/> but the family is in network byte order.</summary>
    Loop = 108,

    /// <summary>LINKTYPE_LINUX_SLL (113): Linux cooked capture v1, 16-byte header.</summary>
    LinuxSll = 113,

    /// <summary>LINKTYPE_IPV4 (228): raw IPv4 only.</summary>
    Ipv4 = 228,

    /// <summary>LINKTYPE_IPV6 (229): raw IPv6 only.</summary>
    Ipv6 = 229,

    /// <summary>LINKTYPE_LINUX_SLL2 (276): Linux cooked capture v2, 20-byte header.</summary>
    LinuxSll2 = 276,
}
