using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Shim;

/// <summary>
/// Everything the shim knows about one packet, oriented to this host (local/remote rather than source/destination):
/// the source of every layer field it fills. Built once per packet (twice for loopback: once per side).
/// </summary>
internal struct PacketFacts
{
    public byte IpVersion;
    public byte Protocol;
    public UInt128 LocalAddress;
    public UInt128 RemoteAddress;
    public UInt128 SourceAddress;
    public UInt128 DestinationAddress;
    public ushort LocalPort;
    public ushort RemotePort;
    public bool HasPorts;
    public byte LocalAddressType;
    public byte DestinationAddressType;
    public FwpDirection Direction;
    public ConditionFlags Flags;
    public uint ReauthorizeReason;
    public uint InterfaceIndex;
    public uint InterfaceType;

    public bool HasEmbedded;
    public byte EmbeddedProtocol;
    public UInt128 EmbeddedRemoteAddress;
    public byte EmbeddedLocalAddressType;
    public ushort EmbeddedLocalPort;
    public ushort EmbeddedRemotePort;

    public bool HasMac;
    public ulong LocalMac;
    public ulong RemoteMac;
    public ushort EtherType;
    public ushort VlanId;
    public uint L2Flags;

    public FwpValue AppId;
    public FwpValue UserId;

    /// <summary>Writes the layer's values: every mapped field from these facts, every other field FWP_EMPTY.</summary>
    public readonly void Fill(LayerFieldMap map, Span<FwpValue> values)
    {
        values[..map.FieldCount].Clear();
        foreach (var slot in map.Slots)
        {
            values[slot.Index] = Value(slot);
        }
    }

    /// <summary>
    /// Writes only the fields in <paramref name="read"/> (bit i = field i), which are all that classify will look at;
    /// the other slots keep whatever they held and must not be read.
    /// </summary>
    public readonly void Fill(LayerFieldMap map, Span<FwpValue> values, ulong read)
    {
        if (read == ulong.MaxValue)
        {
            Fill(map, values);
            return;
        }

        var remaining = read;
        while (remaining != 0)
        {
            var index = System.Numerics.BitOperations.TrailingZeroCount(remaining);
            remaining &= remaining - 1;
            if (index < values.Length)
            {
                values[index] = default;
            }
        }

        foreach (var slot in map.Slots)
        {
            if ((read & (1UL << slot.Index)) != 0)
            {
                values[slot.Index] = Value(slot);
            }
        }
    }

    private readonly FwpValue Value(FieldSlot slot)
    {
        var t = slot.Type;
        switch (slot.Fact)
        {
            case FieldFact.IpProtocol: return Number(t, Protocol);
            case FieldFact.IpLocalAddress: return Number(t, LocalAddress);
            case FieldFact.IpRemoteAddress: return Number(t, RemoteAddress);
            case FieldFact.IpSourceAddress: return Number(t, SourceAddress);
            case FieldFact.IpDestinationAddress: return Number(t, DestinationAddress);
            case FieldFact.IpLocalAddressType: return Number(t, LocalAddressType);
            case FieldFact.IpDestinationAddressType: return Number(t, DestinationAddressType);
            case FieldFact.IpLocalPort: return HasPorts ? Number(t, LocalPort) : default;
            case FieldFact.IpRemotePort: return HasPorts ? Number(t, RemotePort) : default;
            case FieldFact.InterfaceLuid: return Number(t, StackValues.InterfaceLuid(InterfaceIndex, InterfaceType));
            case FieldFact.InterfaceIndex: return Number(t, InterfaceIndex);
            case FieldFact.SubInterfaceIndex: return Number(t, 0);
            case FieldFact.InterfaceType: return Number(t, InterfaceType);
            case FieldFact.TunnelType: return Number(t, StackValues.TunnelTypeNone);
            case FieldFact.Flags: return Number(t, (uint)Flags);
            case FieldFact.Direction: return Number(t, (uint)Direction);
            case FieldFact.CompartmentId: return Number(t, StackValues.DefaultCompartmentId);
            case FieldFact.EmbeddedProtocol: return HasEmbedded ? Number(t, EmbeddedProtocol) : default;
            case FieldFact.EmbeddedRemoteAddress: return HasEmbedded ? Number(t, EmbeddedRemoteAddress) : default;
            case FieldFact.EmbeddedLocalAddressType: return HasEmbedded ? Number(t, EmbeddedLocalAddressType) : default;
            case FieldFact.EmbeddedLocalPort: return HasEmbedded ? Number(t, EmbeddedLocalPort) : default;
            case FieldFact.EmbeddedRemotePort: return HasEmbedded ? Number(t, EmbeddedRemotePort) : default;
            case FieldFact.ReauthorizeReason: return ReauthorizeReason != 0 ? Number(t, ReauthorizeReason) : default;
            case FieldFact.AppId: return AppId;
            case FieldFact.UserId: return UserId;
            case FieldFact.InterfaceMac: return HasMac ? Number(t, LocalMac) : default;
            case FieldFact.MacLocalAddress: return HasMac ? Number(t, LocalMac) : default;
            case FieldFact.MacRemoteAddress: return HasMac ? Number(t, RemoteMac) : default;
            case FieldFact.MacLocalAddressType: return HasMac ? Number(t, MacAddressType(LocalMac)) : default;
            case FieldFact.MacRemoteAddressType: return HasMac ? Number(t, MacAddressType(RemoteMac)) : default;
            case FieldFact.EtherType: return HasMac ? Number(t, EtherType) : default;
            case FieldFact.VlanId: return HasMac ? Number(t, VlanId) : default;
            case FieldFact.L2Flags: return HasMac ? Number(t, L2Flags) : default;
            default: return default;
        }
    }

    /// <summary>DL_ADDRESS_TYPE of a MAC address: all ones is broadcast, the group bit (first byte's low bit) multicast.</summary>
    public static byte MacAddressType(ulong mac) =>
        mac == 0xFFFF_FFFF_FFFFUL ? StackValues.MacBroadcast
        : ((mac >> 40) & 1) != 0 ? StackValues.MacMulticast
        : StackValues.MacUnicast;

    /// <summary>A number as the field's incoming type; Empty for types a number cannot be.</summary>
    private static FwpValue Number(FwpDataType type, UInt128 value) => type switch
    {
        FwpDataType.UInt8 => FwpValue.FromUInt8((byte)value),
        FwpDataType.UInt16 => FwpValue.FromUInt16((ushort)value),
        FwpDataType.UInt32 => FwpValue.FromUInt32((uint)value),
        FwpDataType.UInt64 => FwpValue.FromUInt64((ulong)value),
        FwpDataType.ByteArray16 => FwpValue.FromByteArray16(value),
        FwpDataType.ByteArray6 => FwpValue.FromByteArray6((ulong)value),
        _ => default,
    };
}
