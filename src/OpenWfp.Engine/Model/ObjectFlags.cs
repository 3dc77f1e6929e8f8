namespace OpenWfp.Engine.Model;

/// <summary>FWPM_PROVIDER_FLAG_* (fwpmtypes.h).</summary>
[Flags]
public enum ProviderFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>FWPM_PROVIDER_FLAG_PERSISTENT.</summary>
    Persistent = 0x1,
    /// <summary>FWPM_PROVIDER_FLAG_DISABLED (output only).</summary>
    Disabled = 0x10,
}

/// <summary>FWPM_SUBLAYER_FLAG_* (fwpmtypes.h).</summary>
[Flags]
public enum SublayerFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>FWPM_SUBLAYER_FLAG_PERSISTENT.</summary>
    Persistent = 0x1,
}

/// <summary>
/// FWPM_CALLOUT_FLAG_* (fwpmtypes.h): flags of a callout's management object. A state dump also shows, in the low
/// bits, the FWP_CALLOUT_FLAG_* (fwptypes.h) the driver registered its implementation with; they are kept as state.
/// </summary>
[Flags]
public enum CalloutFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW (fwptypes.h; registration, state only).</summary>
    ConditionalOnFlow = 0x1,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_OFFLOAD (fwptypes.h; registration, state only).</summary>
    AllowOffload = 0x2,
    /// <summary>FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY (fwptypes.h; registration, state only).</summary>
    EnableCommitAddNotify = 0x4,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION (fwptypes.h; registration, state only).</summary>
    AllowMidStreamInspection = 0x8,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY (fwptypes.h; registration, state only).</summary>
    AllowReclassify = 0x10,
    /// <summary>FWP_CALLOUT_FLAG_RESERVED1 (fwptypes.h; registration, state only).</summary>
    Reserved1 = 0x20,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_RSC (fwptypes.h; registration, state only).</summary>
    AllowRsc = 0x40,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_L2_BATCH_CLASSIFY (fwptypes.h; registration, state only).</summary>
    AllowL2BatchClassify = 0x80,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_USO (fwptypes.h; registration, state only).</summary>
    AllowUso = 0x100,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_URO (fwptypes.h; registration, state only).</summary>
    AllowUro = 0x200,
    /// <summary>FWP_CALLOUT_FLAG_RESERVED2 (fwptypes.h; registration, state only).</summary>
    Reserved2 = 0x400,
    /// <summary>FWPM_CALLOUT_FLAG_PERSISTENT.</summary>
    Persistent = 0x10000,
    /// <summary>FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT.</summary>
    UsesProviderContext = 0x20000,
    /// <summary>FWPM_CALLOUT_FLAG_REGISTERED (output: an implementation is registered).</summary>
    Registered = 0x40000,
}

/// <summary>FWPM_PROVIDER_CONTEXT_FLAG_* (fwpmtypes.h).</summary>
[Flags]
public enum ProviderContextFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>FWPM_PROVIDER_CONTEXT_FLAG_PERSISTENT.</summary>
    Persistent = 0x1,
    /// <summary>FWPM_PROVIDER_CONTEXT_FLAG_DOWNLEVEL.</summary>
    Downlevel = 0x2,
}

/// <summary>FWPM_PROVIDER_CONTEXT_TYPE (fwpmtypes.h), in enum order.</summary>
public enum ProviderContextType : uint
{
    /// <summary>FWPM_IPSEC_KEYING_CONTEXT.</summary>
    IpsecKeying = 0,
    /// <summary>FWPM_IPSEC_IKE_QM_TRANSPORT_CONTEXT.</summary>
    IpsecIkeQmTransport = 1,
    /// <summary>FWPM_IPSEC_IKE_QM_TUNNEL_CONTEXT.</summary>
    IpsecIkeQmTunnel = 2,
    /// <summary>FWPM_IPSEC_AUTHIP_QM_TRANSPORT_CONTEXT.</summary>
    IpsecAuthipQmTransport = 3,
    /// <summary>FWPM_IPSEC_AUTHIP_QM_TUNNEL_CONTEXT.</summary>
    IpsecAuthipQmTunnel = 4,
    /// <summary>FWPM_IPSEC_IKE_MM_CONTEXT.</summary>
    IpsecIkeMm = 5,
    /// <summary>FWPM_IPSEC_AUTHIP_MM_CONTEXT.</summary>
    IpsecAuthipMm = 6,
    /// <summary>FWPM_CLASSIFY_OPTIONS_CONTEXT.</summary>
    ClassifyOptions = 7,
    /// <summary>FWPM_GENERAL_CONTEXT: an opaque blob for callouts.</summary>
    General = 8,
    /// <summary>FWPM_IPSEC_IKEV2_QM_TUNNEL_CONTEXT.</summary>
    IpsecIkev2QmTunnel = 9,
    /// <summary>FWPM_IPSEC_IKEV2_MM_CONTEXT.</summary>
    IpsecIkev2Mm = 10,
    /// <summary>FWPM_IPSEC_DOSP_CONTEXT.</summary>
    IpsecDosp = 11,
    /// <summary>FWPM_IPSEC_IKEV2_QM_TRANSPORT_CONTEXT.</summary>
    IpsecIkev2QmTransport = 12,
    /// <summary>FWPM_NETWORK_CONNECTION_POLICY_CONTEXT.</summary>
    NetworkConnectionPolicy = 13,
}
