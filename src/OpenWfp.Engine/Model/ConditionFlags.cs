namespace OpenWfp.Engine.Model;

/// <summary>
/// FWP_CONDITION_FLAG_* (fwpmtypes.h): the bits of the FLAGS field (FWPM_CONDITION_FLAGS) the stack sets
/// on an incoming packet or connection. Filters test them with FLAGS_ALL_SET / FLAGS_ANY_SET / FLAGS_NONE_SET.
/// </summary>
[Flags]
public enum ConditionFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>FWP_CONDITION_FLAG_IS_LOOPBACK: both ends are on this host.</summary>
    IsLoopback = 0x1,
    /// <summary>FWP_CONDITION_FLAG_IS_IPSEC_SECURED.</summary>
    IsIpsecSecured = 0x2,
    /// <summary>FWP_CONDITION_FLAG_IS_REAUTHORIZE: an ALE classify repeated for a flow that already exists (docs/LAYERS.md, Reauthorization).</summary>
    IsReauthorize = 0x4,
    /// <summary>FWP_CONDITION_FLAG_IS_WILDCARD_BIND.</summary>
    IsWildcardBind = 0x8,
    /// <summary>FWP_CONDITION_FLAG_IS_RAW_ENDPOINT.</summary>
    IsRawEndpoint = 0x10,
    /// <summary>FWP_CONDITION_FLAG_IS_FRAGMENT: the packet is an IP fragment.</summary>
    IsFragment = 0x20,
    /// <summary>FWP_CONDITION_FLAG_IS_FRAGMENT_GROUP.</summary>
    IsFragmentGroup = 0x40,
    /// <summary>FWP_CONDITION_FLAG_IS_IPSEC_NATT_RECLASSIFY.</summary>
    IsIpsecNattReclassify = 0x80,
    /// <summary>FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY.</summary>
    RequiresAleClassify = 0x100,
    /// <summary>FWP_CONDITION_FLAG_IS_IMPLICIT_BIND.</summary>
    IsImplicitBind = 0x200,
    /// <summary>FWP_CONDITION_FLAG_IS_REASSEMBLED.</summary>
    IsReassembled = 0x400,
    /// <summary>FWP_CONDITION_FLAG_IS_NAME_APP_SPECIFIED.</summary>
    IsNameAppSpecified = 0x4000,
    /// <summary>FWP_CONDITION_FLAG_IS_PROMISCUOUS.</summary>
    IsPromiscuous = 0x8000,
    /// <summary>FWP_CONDITION_FLAG_IS_AUTH_FW.</summary>
    IsAuthFw = 0x10000,
    /// <summary>FWP_CONDITION_FLAG_IS_RECLASSIFY.</summary>
    IsReclassify = 0x20000,
    /// <summary>FWP_CONDITION_FLAG_IS_OUTBOUND_PASS_THRU.</summary>
    IsOutboundPassThru = 0x40000,
    /// <summary>FWP_CONDITION_FLAG_IS_INBOUND_PASS_THRU.</summary>
    IsInboundPassThru = 0x80000,
    /// <summary>FWP_CONDITION_FLAG_IS_CONNECTION_REDIRECTED.</summary>
    IsConnectionRedirected = 0x100000,
    /// <summary>FWP_CONDITION_FLAG_IS_PROXY_CONNECTION.</summary>
    IsProxyConnection = 0x200000,
    /// <summary>FWP_CONDITION_FLAG_IS_APPCONTAINER_LOOPBACK.</summary>
    IsAppContainerLoopback = 0x400000,
    /// <summary>FWP_CONDITION_FLAG_IS_NON_APPCONTAINER_LOOPBACK.</summary>
    IsNonAppContainerLoopback = 0x800000,
    /// <summary>FWP_CONDITION_FLAG_IS_RESERVED.</summary>
    IsReserved = 0x1000000,
    /// <summary>FWP_CONDITION_FLAG_IS_HONORING_POLICY_AUTHORIZE.</summary>
    IsHonoringPolicyAuthorize = 0x2000000,
}

/// <summary>FWP_CONDITION_L2_* (fwpmtypes.h): the bits of the L2_FLAGS field at the MAC-frame layers.</summary>
[Flags]
public enum L2ConditionFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>FWP_CONDITION_L2_IS_NATIVE_ETHERNET.</summary>
    IsNativeEthernet = 0x1,
    /// <summary>FWP_CONDITION_L2_IS_WIFI.</summary>
    IsWifi = 0x2,
    /// <summary>FWP_CONDITION_L2_IS_MOBILE_BROADBAND.</summary>
    IsMobileBroadband = 0x4,
    /// <summary>FWP_CONDITION_L2_IS_WIFI_DIRECT_DATA.</summary>
    IsWifiDirectData = 0x8,
    /// <summary>FWP_CONDITION_L2_IS_VM2VM.</summary>
    IsVm2Vm = 0x10,
    /// <summary>FWP_CONDITION_L2_IS_MALFORMED_PACKET.</summary>
    IsMalformedPacket = 0x20,
    /// <summary>FWP_CONDITION_L2_IS_IP_FRAGMENT_GROUP.</summary>
    IsIpFragmentGroup = 0x40,
    /// <summary>FWP_CONDITION_L2_IF_CONNECTOR_PRESENT.</summary>
    IfConnectorPresent = 0x80,
}

/// <summary>
/// FWP_DIRECTION (fwptypes.h): the value of the DIRECTION field at the datagram, stream and flow-established layers
/// and of the packetDirection metadata.
/// </summary>
public enum FwpDirection : uint
{
    /// <summary>FWP_DIRECTION_OUTBOUND.</summary>
    Outbound = 0,
    /// <summary>FWP_DIRECTION_INBOUND.</summary>
    Inbound = 1,
}
