namespace OpenWfp.Shim;

/// <summary>
/// Values of Windows stack enumerations that the shim writes into layer fields. Each names its header; the constants
/// are pinned by tests.
/// </summary>
public static class StackValues
{
    /// <summary>NL_ADDRESS_TYPE NlatUnspecified (nldef.h; the enum's first member).</summary>
    public const byte AddressUnspecified = 0;

    /// <summary>NL_ADDRESS_TYPE NlatUnicast.</summary>
    public const byte AddressUnicast = 1;

    /// <summary>NL_ADDRESS_TYPE NlatAnycast.</summary>
    public const byte AddressAnycast = 2;

    /// <summary>NL_ADDRESS_TYPE NlatMulticast.</summary>
    public const byte AddressMulticast = 3;

    /// <summary>NL_ADDRESS_TYPE NlatBroadcast.</summary>
    public const byte AddressBroadcast = 4;

    /// <summary>DL_ADDRESS_TYPE DlUnicast (nldef.h): the MAC_*_ADDRESS_TYPE fields.</summary>
    public const byte MacUnicast = 0;

    /// <summary>DL_ADDRESS_TYPE DlMulticast.</summary>
    public const byte MacMulticast = 1;

    /// <summary>DL_ADDRESS_TYPE DlBroadcast.</summary>
    public const byte MacBroadcast = 2;

    /// <summary>IF_TYPE_ETHERNET_CSMACD (ipifcons.h): the INTERFACE_TYPE of an Ethernet interface.</summary>
    public const uint InterfaceTypeEthernet = 6;

    /// <summary>IF_TYPE_SOFTWARE_LOOPBACK (ipifcons.h).</summary>
    public const uint InterfaceTypeLoopback = 24;

    /// <summary>TUNNEL_TYPE_NONE (ifdef.h).</summary>
    public const uint TunnelTypeNone = 0;

    /// <summary>DEFAULT_COMPARTMENT_ID (ifdef.h): the only compartment a Linux host has.</summary>
    public const uint DefaultCompartmentId = 1;

    /// <summary>FWPS_DISCARD_MODULE_NETWORK (fwpsk.h FWPS_DISCARD_MODULE0): dropped by the IP layer.</summary>
    public const uint DiscardModuleNetwork = 0;

    /// <summary>FWPS_DISCARD_MODULE_TRANSPORT (fwpsk.h).</summary>
    public const uint DiscardModuleTransport = 1;

    /// <summary>FWPS_DISCARD_MODULE_GENERAL (fwpsk.h): dropped by WFP itself, e.g. by a filter.</summary>
    public const uint DiscardModuleGeneral = 2;

    /// <summary>FWPS_DISCARD_FIREWALL_POLICY (fwpsk.h FWPS_GENERAL_DISCARD_REASON): a filter blocked the packet.</summary>
    public const uint DiscardFirewallPolicy = 0;

    /// <summary>FWP_CONDITION_REAUTHORIZE_REASON_POLICY_CHANGE (fwpmtypes.h).</summary>
    public const uint ReauthorizeReasonPolicyChange = 0x1;

    /// <summary>
    /// A NET_LUID for an interface (ifdef.h NET_LUID_LH: NetLuidIndex in bits 24–47, IfType in bits 48–63). Linux has
    /// no LUIDs; the shim derives one from the interface index and type so that IP_LOCAL_INTERFACE filters can match.
    /// </summary>
    public static ulong InterfaceLuid(uint interfaceIndex, uint interfaceType) =>
        ((ulong)(interfaceType & 0xFFFF) << 48) | ((ulong)(interfaceIndex & 0xFF_FFFF) << 24);
}
