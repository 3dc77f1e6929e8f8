namespace OpenWfp.Wire;

/// <summary>EtherType values the parser recognises (IEEE 802 numbers, linux/if_ether.h ETH_P_*).</summary>
public static class EtherType
{
    /// <summary>ETH_P_IP: IPv4.</summary>
    public const ushort Ipv4 = 0x0800;

    /// <summary>ETH_P_ARP: ARP (not parsed further; reported as <see cref="ParseStatus.NotIp"/>).</summary>
    public const ushort Arp = 0x0806;

    /// <summary>ETH_P_8021Q: 802.1Q VLAN tag (customer tag).</summary>
    public const ushort Vlan = 0x8100;

    /// <summary>ETH_P_IPV6: IPv6.</summary>
    public const ushort Ipv6 = 0x86DD;

    /// <summary>ETH_P_8021AD: 802.1ad service tag (QinQ outer tag).</summary>
    public const ushort QinQ = 0x88A8;

    /// <summary>ETH_P_QINQ1: pre-standard QinQ outer tag still emitted by some switches.</summary>
    public const ushort QinQLegacy = 0x9100;

    /// <summary>Values below this are 802.3 length fields, not EtherTypes (IEEE 802.3 clause 3.2.6).</summary>
    public const ushort MinimumEtherType = 0x0600;
}
