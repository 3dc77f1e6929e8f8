using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Shim;

/// <summary>What a layer field means to the shim: which fact about the packet fills it.</summary>
internal enum FieldFact : byte
{
    IpProtocol,
    IpLocalAddress,
    IpRemoteAddress,
    IpSourceAddress,
    IpDestinationAddress,
    IpLocalAddressType,
    IpDestinationAddressType,
    IpLocalPort,
    IpRemotePort,
    InterfaceLuid,
    InterfaceIndex,
    SubInterfaceIndex,
    InterfaceType,
    TunnelType,
    Flags,
    Direction,
    CompartmentId,
    EmbeddedProtocol,
    EmbeddedRemoteAddress,
    EmbeddedLocalAddressType,
    EmbeddedLocalPort,
    EmbeddedRemotePort,
    ReauthorizeReason,
    AppId,
    UserId,
    InterfaceMac,
    MacLocalAddress,
    MacRemoteAddress,
    MacLocalAddressType,
    MacRemoteAddressType,
    EtherType,
    VlanId,
    L2Flags,
}

/// <summary>One field the shim fills: its index in the layer's value array, the fact, and the incoming type.</summary>
internal readonly record struct FieldSlot(int Index, FieldFact Fact, FwpDataType Type);

/// <summary>
/// For one layer, the fields the shim knows how to fill, found once by name in the catalog (which is generated from
/// layers.json), so that filling a layer's values per packet is a loop over a short array with no lookups.
/// </summary>
/// <remarks>
/// Fields not listed here (profile ids, IPsec realms, package ids, peer names, …) have no Linux counterpart and stay
/// FWP_EMPTY; a filter condition on them never matches, as on Windows when the stack does not supply the value.
/// </remarks>
internal sealed class LayerFieldMap
{
    private static readonly Dictionary<string, FieldFact> FactsByName = new(StringComparer.Ordinal)
    {
        ["IP_PROTOCOL"] = FieldFact.IpProtocol,
        ["IP_LOCAL_ADDRESS"] = FieldFact.IpLocalAddress,
        ["IP_REMOTE_ADDRESS"] = FieldFact.IpRemoteAddress,
        ["IP_SOURCE_ADDRESS"] = FieldFact.IpSourceAddress,
        ["IP_DESTINATION_ADDRESS"] = FieldFact.IpDestinationAddress,
        ["IP_LOCAL_ADDRESS_TYPE"] = FieldFact.IpLocalAddressType,
        ["IP_DESTINATION_ADDRESS_TYPE"] = FieldFact.IpDestinationAddressType,
        ["IP_LOCAL_PORT"] = FieldFact.IpLocalPort,
        ["IP_REMOTE_PORT"] = FieldFact.IpRemotePort,
        ["ICMP_TYPE"] = FieldFact.IpLocalPort,
        ["ICMP_CODE"] = FieldFact.IpRemotePort,
        ["IP_LOCAL_INTERFACE"] = FieldFact.InterfaceLuid,
        ["IP_ARRIVAL_INTERFACE"] = FieldFact.InterfaceLuid,
        ["IP_NEXTHOP_INTERFACE"] = FieldFact.InterfaceLuid,
        ["IP_FORWARD_INTERFACE"] = FieldFact.InterfaceLuid,
        ["IP_PHYSICAL_ARRIVAL_INTERFACE"] = FieldFact.InterfaceLuid,
        ["IP_PHYSICAL_NEXTHOP_INTERFACE"] = FieldFact.InterfaceLuid,
        ["INTERFACE"] = FieldFact.InterfaceLuid,
        ["INTERFACE_INDEX"] = FieldFact.InterfaceIndex,
        ["ARRIVAL_INTERFACE_INDEX"] = FieldFact.InterfaceIndex,
        ["NEXTHOP_INTERFACE_INDEX"] = FieldFact.InterfaceIndex,
        ["SOURCE_INTERFACE_INDEX"] = FieldFact.InterfaceIndex,
        ["DESTINATION_INTERFACE_INDEX"] = FieldFact.InterfaceIndex,
        ["SUB_INTERFACE_INDEX"] = FieldFact.SubInterfaceIndex,
        ["NEXTHOP_SUB_INTERFACE_INDEX"] = FieldFact.SubInterfaceIndex,
        ["SOURCE_SUB_INTERFACE_INDEX"] = FieldFact.SubInterfaceIndex,
        ["DESTINATION_SUB_INTERFACE_INDEX"] = FieldFact.SubInterfaceIndex,
        ["INTERFACE_TYPE"] = FieldFact.InterfaceType,
        ["ARRIVAL_INTERFACE_TYPE"] = FieldFact.InterfaceType,
        ["NEXTHOP_INTERFACE_TYPE"] = FieldFact.InterfaceType,
        ["TUNNEL_TYPE"] = FieldFact.TunnelType,
        ["ARRIVAL_TUNNEL_TYPE"] = FieldFact.TunnelType,
        ["NEXTHOP_TUNNEL_TYPE"] = FieldFact.TunnelType,
        ["FLAGS"] = FieldFact.Flags,
        ["DIRECTION"] = FieldFact.Direction,
        ["COMPARTMENT_ID"] = FieldFact.CompartmentId,
        ["EMBEDDED_PROTOCOL"] = FieldFact.EmbeddedProtocol,
        ["EMBEDDED_REMOTE_ADDRESS"] = FieldFact.EmbeddedRemoteAddress,
        ["EMBEDDED_LOCAL_ADDRESS_TYPE"] = FieldFact.EmbeddedLocalAddressType,
        ["EMBEDDED_LOCAL_PORT"] = FieldFact.EmbeddedLocalPort,
        ["EMBEDDED_REMOTE_PORT"] = FieldFact.EmbeddedRemotePort,
        ["REAUTHORIZE_REASON"] = FieldFact.ReauthorizeReason,
        ["ALE_APP_ID"] = FieldFact.AppId,
        ["ALE_USER_ID"] = FieldFact.UserId,
        ["INTERFACE_MAC_ADDRESS"] = FieldFact.InterfaceMac,
        ["MAC_LOCAL_ADDRESS"] = FieldFact.MacLocalAddress,
        ["MAC_REMOTE_ADDRESS"] = FieldFact.MacRemoteAddress,
        ["MAC_LOCAL_ADDRESS_TYPE"] = FieldFact.MacLocalAddressType,
        ["MAC_REMOTE_ADDRESS_TYPE"] = FieldFact.MacRemoteAddressType,
        ["ETHER_TYPE"] = FieldFact.EtherType,
        ["VLAN_ID"] = FieldFact.VlanId,
        ["L2_FLAGS"] = FieldFact.L2Flags,
    };

    public LayerFieldMap(LayerInfo layer)
    {
        Layer = layer;
        var slots = new List<FieldSlot>();
        foreach (var field in layer.Fields)
        {
            if (FactsByName.TryGetValue(field.Name, out var fact) && field.IncomingType != FwpDataType.Empty)
            {
                slots.Add(new FieldSlot(field.Index, fact, field.IncomingType));
            }
        }

        Slots = [.. slots];
        foreach (var slot in Slots)
        {
            if (slot.Fact is FieldFact.AppId or FieldFact.UserId)
            {
                IdentityFields |= 1UL << slot.Index;
            }
        }
    }

    /// <summary>Bits (by field index) of ALE_APP_ID and ALE_USER_ID: a flow's identity is looked up only when a filter reads them.</summary>
    public ulong IdentityFields { get; }

    public LayerInfo Layer { get; }

    public ushort LayerId => Layer.LayerId;

    public int FieldCount => Layer.Fields.Count;

    public FieldSlot[] Slots { get; }
}
