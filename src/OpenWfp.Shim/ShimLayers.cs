using OpenWfp.Engine.Catalog;

namespace OpenWfp.Shim;

/// <summary>The layers the shim feeds for one IP version, with their field maps.</summary>
internal sealed class ShimLayers
{
    private ShimLayers(string v)
    {
        InboundIpPacket = Map("INBOUND_IPPACKET_" + v);
        OutboundIpPacket = Map("OUTBOUND_IPPACKET_" + v);
        IpForward = Map("IPFORWARD_" + v);
        InboundTransport = Map("INBOUND_TRANSPORT_" + v);
        OutboundTransport = Map("OUTBOUND_TRANSPORT_" + v);
        Stream = Map("STREAM_" + v);
        DatagramData = Map("DATAGRAM_DATA_" + v);
        InboundIcmpError = Map("INBOUND_ICMP_ERROR_" + v);
        OutboundIcmpError = Map("OUTBOUND_ICMP_ERROR_" + v);
        AuthConnect = Map("ALE_AUTH_CONNECT_" + v);
        AuthRecvAccept = Map("ALE_AUTH_RECV_ACCEPT_" + v);
        FlowEstablished = Map("ALE_FLOW_ESTABLISHED_" + v);
    }

    public static ShimLayers V4 { get; } = new("V4");

    public static ShimLayers V6 { get; } = new("V6");

    public static LayerFieldMap InboundMacFrame { get; } = Map("INBOUND_MAC_FRAME_ETHERNET");

    public static LayerFieldMap OutboundMacFrame { get; } = Map("OUTBOUND_MAC_FRAME_ETHERNET");

    /// <summary>The largest field count of any layer the shim feeds: the size of its value buffer.</summary>
    public static int MaxFieldCount { get; } = new[] { V4, V6 }.SelectMany(s => s.All).Append(InboundMacFrame).Append(OutboundMacFrame).Max(m => m.FieldCount);

    public LayerFieldMap InboundIpPacket { get; }

    public LayerFieldMap OutboundIpPacket { get; }

    public LayerFieldMap IpForward { get; }

    public LayerFieldMap InboundTransport { get; }

    public LayerFieldMap OutboundTransport { get; }

    public LayerFieldMap Stream { get; }

    public LayerFieldMap DatagramData { get; }

    public LayerFieldMap InboundIcmpError { get; }

    public LayerFieldMap OutboundIcmpError { get; }

    public LayerFieldMap AuthConnect { get; }

    public LayerFieldMap AuthRecvAccept { get; }

    public LayerFieldMap FlowEstablished { get; }

    private IEnumerable<LayerFieldMap> All =>
    [
        InboundIpPacket, OutboundIpPacket, IpForward, InboundTransport, OutboundTransport, Stream, DatagramData,
        InboundIcmpError, OutboundIcmpError, AuthConnect, AuthRecvAccept, FlowEstablished,
    ];

    /// <summary>The layers the shim can feed, for documentation and tests.</summary>
    public static IEnumerable<LayerInfo> FedLayers =>
        V4.All.Concat(V6.All).Append(InboundMacFrame).Append(OutboundMacFrame).Select(m => m.Layer);

    private static LayerFieldMap Map(string name) => new(LayerCatalog.Layer(name));
}
