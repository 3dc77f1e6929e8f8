namespace OpenWfp.NetEvents;

/// <summary>
/// FWPM_NET_EVENT_KEYWORD_* (fwpmtypes.h): the value of engine option FWPM_ENGINE_NET_EVENT_MATCH_ANY_KEYWORDS, which
/// adds event kinds that are not collected by default.
/// </summary>
[Flags]
public enum NetEventKeywords : uint
{
    /// <summary>No keyword: only the default events (drops of unicast inbound and all outbound traffic).</summary>
    None = 0,

    /// <summary>FWPM_NET_EVENT_KEYWORD_INBOUND_MCAST: also log drops of inbound multicast traffic.</summary>
    InboundMulticast = 0x1,

    /// <summary>FWPM_NET_EVENT_KEYWORD_INBOUND_BCAST: also log drops of inbound broadcast traffic.</summary>
    InboundBroadcast = 0x2,

    /// <summary>FWPM_NET_EVENT_KEYWORD_CAPABILITY_DROP: log app container capability drops.</summary>
    CapabilityDrop = 0x4,

    /// <summary>FWPM_NET_EVENT_KEYWORD_CAPABILITY_ALLOW: log app container capability allows.</summary>
    CapabilityAllow = 0x8,

    /// <summary>FWPM_NET_EVENT_KEYWORD_CLASSIFY_ALLOW: log classify allows (<see cref="NetEventType.ClassifyAllow"/>).</summary>
    ClassifyAllow = 0x10,

    /// <summary>FWPM_NET_EVENT_KEYWORD_PORT_SCANNING_DROP: log drops flagged as port scanning (no event of this port carries the flag yet).</summary>
    PortScanningDrop = 0x20,
}
