using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Callouts;

/// <summary>Where the fields a built-in callout reads sit in a layer's incoming values, looked up once per layer.</summary>
internal sealed class LayerFields
{
    private static readonly LayerFields?[] ById = Build();

    private LayerFields(LayerInfo layer)
    {
        Layer = layer;
        IsV6 = layer.IpVersion == IpVersion.V6;
        LocalAddress = IndexOf(layer, "IP_LOCAL_ADDRESS");
        RemoteAddress = IndexOf(layer, "IP_REMOTE_ADDRESS");
        LocalPort = IndexOf(layer, "IP_LOCAL_PORT");
        RemotePort = IndexOf(layer, "IP_REMOTE_PORT");
        Protocol = IndexOf(layer, "IP_PROTOCOL");
        Direction = IndexOf(layer, "DIRECTION");
    }

    public LayerInfo Layer { get; }

    public bool IsV6 { get; }

    public int LocalAddress { get; }

    public int RemoteAddress { get; }

    public int LocalPort { get; }

    public int RemotePort { get; }

    public int Protocol { get; }

    public int Direction { get; }

    /// <summary>The fields of one of the layers the built-in callouts accept, or null.</summary>
    public static LayerFields? Of(ushort layerId) => layerId < ById.Length ? ById[layerId] : null;

    /// <summary>An address value in the net event encoding (IPv4 host order in the low bits, IPv6 big-endian number).</summary>
    public static UInt128 Address(FwpValue value) => value.Type == FwpDataType.ByteArray16 ? value.RawUInt128 : value.RawUInt64;

    /// <summary>The connection as the incoming values describe it.</summary>
    public FlowTuple Tuple(in CalloutClassifyContext context, byte protocol)
    {
        var p = Protocol >= 0 ? (byte)context.Value(Protocol).RawUInt64 : protocol;
        return new FlowTuple(
            IsV6 ? (byte)6 : (byte)4,
            p == 0 ? protocol : p,
            Address(context.Value(LocalAddress)),
            Address(context.Value(RemoteAddress)),
            (ushort)context.Value(LocalPort).RawUInt64,
            (ushort)context.Value(RemotePort).RawUInt64,
            Direction >= 0 ? (uint)context.Value(Direction).RawUInt64 : 0);
    }

    private static int IndexOf(LayerInfo layer, string field) => layer.FindField(field)?.Index ?? -1;

    private static LayerFields?[] Build()
    {
        ushort[] ids = [LayerIds.StreamV4, LayerIds.StreamV6, LayerIds.DatagramDataV4, LayerIds.DatagramDataV6, LayerIds.AleAuthConnectV4, LayerIds.AleAuthConnectV6];
        var table = new LayerFields?[ids.Max() + 1];
        foreach (var id in ids)
        {
            table[id] = new LayerFields(LayerCatalog.Layer(id));
        }

        return table;
    }
}
