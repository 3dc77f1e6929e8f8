namespace OpenWfp.Engine.Model;

/// <summary>FWPS_FILTER_FLAG_* (fwpstypes.h): the flags of a filter's run-time copy, as a callout sees them.</summary>
[Flags]
public enum RuntimeFilterFlags : ushort
{
    /// <summary>FWPS_FILTER_FLAG_NONE.</summary>
    None = 0x0,
    /// <summary>FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT: the callout should clear the action right on PERMIT and BLOCK.</summary>
    ClearActionRight = 0x1,
    /// <summary>FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED.</summary>
    PermitIfCalloutUnregistered = 0x2,
    /// <summary>FWPS_FILTER_FLAG_OR_CONDITIONS: several conditions on one field, OR-ed.</summary>
    OrConditions = 0x4,
    /// <summary>FWPS_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT.</summary>
    HasSecurityRealmProviderContext = 0x8,
    /// <summary>FWPS_FILTER_FLAG_SILENT_MODE.</summary>
    SilentMode = 0x10,
    /// <summary>FWPS_FILTER_FLAG_IPSEC_NO_ACQUIRE_INITIATE.</summary>
    IpsecNoAcquireInitiate = 0x20,
}
