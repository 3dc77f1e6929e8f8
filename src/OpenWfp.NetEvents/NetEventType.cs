namespace OpenWfp.NetEvents;

/// <summary>FWPM_NET_EVENT_TYPE (fwpmtypes.h): what kind of event a net event is.</summary>
/// <remarks>The values are ABI: they are the enum's order in fwpmtypes.h and travel as <c>NetEvent.type</c>.</remarks>
public enum NetEventType : uint
{
    /// <summary>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE: an IKE/AuthIP main-mode failure.</summary>
    IkeExtMmFailure = 0,

    /// <summary>FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE: an IKE/AuthIP quick-mode failure.</summary>
    IkeExtQmFailure = 1,

    /// <summary>FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE: an AuthIP extended-mode failure.</summary>
    IkeExtEmFailure = 2,

    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP: a filter blocked the packet or connection.</summary>
    ClassifyDrop = 3,

    /// <summary>FWPM_NET_EVENT_TYPE_IPSEC_KERNEL_DROP: IPsec dropped the packet.</summary>
    IpsecKernelDrop = 4,

    /// <summary>FWPM_NET_EVENT_TYPE_IPSEC_DOSP_DROP: IPsec DoS protection dropped the packet.</summary>
    IpsecDospDrop = 5,

    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW: a filter permitted the packet (logged only with <see cref="NetEventKeywords.ClassifyAllow"/>).</summary>
    ClassifyAllow = 6,

    /// <summary>FWPM_NET_EVENT_TYPE_CAPABILITY_DROP: an app container network capability check dropped the traffic.</summary>
    CapabilityDrop = 7,

    /// <summary>FWPM_NET_EVENT_TYPE_CAPABILITY_ALLOW: an app container network capability check allowed the traffic.</summary>
    CapabilityAllow = 8,

    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP_MAC: a filter at a MAC layer blocked the frame.</summary>
    ClassifyDropMac = 9,

    /// <summary>FWPM_NET_EVENT_TYPE_LPM_PACKET_ARRIVAL: a packet arrived for low-power-mode wake tracking.</summary>
    LpmPacketArrival = 10,

    /// <summary>FWPM_NET_EVENT_TYPE_MAX: one past the last defined type (not a valid event type).</summary>
    Max = 11,
}
