using OpenWfp.Engine.Catalog;

namespace OpenWfp.Shim;

/// <summary>The layers the shim feeds for one IP version, with their field maps.</summary>
internal sealed class ShimLayers
{
    private ShimLayers()
    {
    }

    public static ShimLayers V4 { get; } = new()
    {
        InboundIpPacket = Map(LayerIds.InboundIpPacketV4),
        OutboundIpPacket = Map(LayerIds.OutboundIpPacketV4),
        IpForward = Map(LayerIds.IpForwardV4),
        InboundTransport = Map(LayerIds.InboundTransportV4),
        OutboundTransport = Map(LayerIds.OutboundTransportV4),
        Stream = Map(LayerIds.StreamV4),
        DatagramData = Map(LayerIds.DatagramDataV4),
        InboundIcmpError = Map(LayerIds.InboundIcmpErrorV4),
        OutboundIcmpError = Map(LayerIds.OutboundIcmpErrorV4),
        AuthConnect = Map(LayerIds.AleAuthConnectV4),
        AuthRecvAccept = Map(LayerIds.AleAuthRecvAcceptV4),
        FlowEstablished = Map(LayerIds.AleFlowEstablishedV4),
    };

    public static ShimLayers V6 { get; } = new()
    {
        InboundIpPacket = Map(LayerIds.InboundIpPacketV6),
        OutboundIpPacket = Map(LayerIds.OutboundIpPacketV6),
        IpForward = Map(LayerIds.IpForwardV6),
        InboundTransport = Map(LayerIds.InboundTransportV6),
        OutboundTransport = Map(LayerIds.OutboundTransportV6),
        Stream = Map(LayerIds.StreamV6),
        DatagramData = Map(LayerIds.DatagramDataV6),
        InboundIcmpError = Map(LayerIds.InboundIcmpErrorV6),
        OutboundIcmpError = Map(LayerIds.OutboundIcmpErrorV6),
        AuthConnect = Map(LayerIds.AleAuthConnectV6),
        AuthRecvAccept = Map(LayerIds.AleAuthRecvAcceptV6),
        FlowEstablished = Map(LayerIds.AleFlowEstablishedV6),
    };

    public static LayerFieldMap InboundMacFrame { get; } = Map(LayerIds.InboundMacFrameEthernet);

    public static LayerFieldMap OutboundMacFrame { get; } = Map(LayerIds.OutboundMacFrameEthernet);

    // The *_DISCARD twin of each layer the shim feeds (the MAC layers have none), by run-time layer id.
    private static readonly LayerFieldMap?[] DiscardById = BuildDiscards();

    /// <summary>The largest field count of any layer the shim feeds: the size of its value buffer.</summary>
    public static int MaxFieldCount { get; } = new[] { V4, V6 }.SelectMany(s => s.All).Append(InboundMacFrame).Append(OutboundMacFrame)
        .Concat(DiscardById.Where(m => m is not null)!).Max(m => m!.FieldCount);

    public required LayerFieldMap InboundIpPacket { get; init; }

    public required LayerFieldMap OutboundIpPacket { get; init; }

    public required LayerFieldMap IpForward { get; init; }

    public required LayerFieldMap InboundTransport { get; init; }

    public required LayerFieldMap OutboundTransport { get; init; }

    public required LayerFieldMap Stream { get; init; }

    public required LayerFieldMap DatagramData { get; init; }

    public required LayerFieldMap InboundIcmpError { get; init; }

    public required LayerFieldMap OutboundIcmpError { get; init; }

    public required LayerFieldMap AuthConnect { get; init; }

    public required LayerFieldMap AuthRecvAccept { get; init; }

    public required LayerFieldMap FlowEstablished { get; init; }

    private IEnumerable<LayerFieldMap> All =>
    [
        InboundIpPacket, OutboundIpPacket, IpForward, InboundTransport, OutboundTransport, Stream, DatagramData,
        InboundIcmpError, OutboundIcmpError, AuthConnect, AuthRecvAccept, FlowEstablished,
    ];

    /// <summary>The layers the shim can feed, for documentation and tests.</summary>
    public static IEnumerable<LayerInfo> FedLayers =>
        V4.All.Concat(V6.All).Append(InboundMacFrame).Append(OutboundMacFrame).Select(m => m.Layer);

    /// <summary>
    /// The discard layer where a packet dropped at <paramref name="layerId"/> is indicated (for example
    /// INBOUND_TRANSPORT_V4_DISCARD for INBOUND_TRANSPORT_V4), or null when the layer has none.
    /// </summary>
    public static LayerFieldMap? DiscardOf(ushort layerId) => layerId < DiscardById.Length ? DiscardById[layerId] : null;

    private static LayerFieldMap?[] BuildDiscards()
    {
        var fed = new[] { V4, V6 }.SelectMany(s => s.All).ToArray();
        var result = new LayerFieldMap?[fed.Max(m => m.LayerId) + 1];
        foreach (var map in fed)
        {
            if (LayerCatalog.TryFindLayer(map.Layer.ShortName + "_DISCARD", out var discard) && discard.IsDiscard)
            {
                result[map.LayerId] = new LayerFieldMap(discard);
            }
        }

        return result;
    }

    private static LayerFieldMap Map(ushort layerId) => new(LayerCatalog.Layer(layerId));
}
