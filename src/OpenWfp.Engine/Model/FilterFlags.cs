namespace OpenWfp.Engine.Model;

/// <summary>FWPM_FILTER_FLAG_* (fwpmtypes.h). Semantics: https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_filter0 and docs/ARBITRATION.md.</summary>
[Flags]
public enum FilterFlags : uint
{
    /// <summary>FWPM_FILTER_FLAG_NONE.</summary>
    None = 0x0,
    /// <summary>FWPM_FILTER_FLAG_PERSISTENT: survives a BFE restart.</summary>
    Persistent = 0x1,
    /// <summary>FWPM_FILTER_FLAG_BOOTTIME: enforced until the BFE is up.</summary>
    BootTime = 0x2,
    /// <summary>FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT.</summary>
    HasProviderContext = 0x4,
    /// <summary>FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT: makes the decision hard.</summary>
    ClearActionRight = 0x8,
    /// <summary>FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED.</summary>
    PermitIfCalloutUnregistered = 0x10,
    /// <summary>FWPM_FILTER_FLAG_DISABLED (output only).</summary>
    Disabled = 0x20,
    /// <summary>FWPM_FILTER_FLAG_INDEXED (a hint; no semantic effect).</summary>
    Indexed = 0x40,
    /// <summary>FWPM_FILTER_FLAG_HAS_SECURITY_REALM_PROVIDER_CONTEXT.</summary>
    HasSecurityRealmProviderContext = 0x80,
    /// <summary>FWPM_FILTER_FLAG_SYSTEMOS_ONLY.</summary>
    SystemOsOnly = 0x100,
    /// <summary>FWPM_FILTER_FLAG_GAMEOS_ONLY.</summary>
    GameOsOnly = 0x200,
    /// <summary>FWPM_FILTER_FLAG_SILENT_MODE.</summary>
    SilentMode = 0x400,
    /// <summary>FWPM_FILTER_FLAG_IPSEC_NO_ACQUIRE_INITIATE.</summary>
    IpsecNoAcquireInitiate = 0x800,
    /// <summary>FWPM_FILTER_FLAG_RESERVED0.</summary>
    Reserved0 = 0x1000,
    /// <summary>FWPM_FILTER_FLAG_RESERVED1.</summary>
    Reserved1 = 0x2000,
    /// <summary>FWPM_FILTER_FLAG_RESERVED2.</summary>
    Reserved2 = 0x4000,
    /// <summary>
    /// FWPM_FILTER_FLAG_HAS_FILTER_ORIGIN: netsh prints this name (Windows Firewall sets it on filters whose
    /// provider context records the rule's origin), but the public fwpmtypes.h defines no value for it. OpenWfp
    /// keeps it as the first bit after FWPM_FILTER_FLAG_RESERVED2; it is state only and never sent to Windows.
    /// </summary>
    HasFilterOrigin = 0x8000,
}
