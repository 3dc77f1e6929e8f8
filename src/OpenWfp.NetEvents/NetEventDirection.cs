namespace OpenWfp.NetEvents;

/// <summary>
/// The <c>msFwpDirection</c> member of FWPM_NET_EVENT_CLASSIFY_DROP2 / CLASSIFY_ALLOW0: the FWP_DIRECTION_* constants
/// of fwpmtypes.h. These are not FWP_DIRECTION (0 outbound, 1 inbound) of the classify metadata.
/// </summary>
public enum NetEventDirection : uint
{
    /// <summary>No direction recorded.</summary>
    None = 0,

    /// <summary>FWP_DIRECTION_IN (0x3900): inbound.</summary>
    In = 0x3900,

    /// <summary>FWP_DIRECTION_OUT (0x3901): outbound.</summary>
    Out = 0x3901,

    /// <summary>FWP_DIRECTION_FORWARD (0x3902): forwarded.</summary>
    Forward = 0x3902,
}
