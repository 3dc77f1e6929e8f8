using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// Layer data for callouts (docs/SHIM.md, "Layer data"): at the packet layers a callout gets the IP datagram with
// ipHeaderSize, transportHeaderSize and the data offset WFP would leave the NET_BUFFER at (Microsoft Learn, "Data
// offset positions"); at ALE_AUTH_CONNECT and ALE_AUTH_RECV_ACCEPT a completion handle it can pend with; at STREAM the
// reassembled stream data (PacketShim.Stream.cs). The data is built only for layers whose program has a callout:
// a filter without one never looks at it.
public sealed partial class PacketShim
{
    // Completion handles are unique across every shim of the process: one data plane's injector may serve several
    // shims (one per queue), and a handle must name one held packet.
    private static long _completionHandles;

    /// <summary>Where a layer's data offset sits (Microsoft Learn, "Data offset positions").</summary>
    private enum DataPosition : byte
    {
        None,
        IpHeader,
        TransportHeader,
        Data,
        DatagramData,
        InnerIpHeader,
        Ale,
        Pendable,
    }

    private static readonly DataPosition[] Positions = BuildPositions();

    private static DataPosition[] BuildPositions()
    {
        var positions = new DataPosition[ushort.MaxValue + 1];
        foreach (var l in new[] { ShimLayers.V4, ShimLayers.V6 })
        {
            Set(l.InboundIpPacket, DataPosition.TransportHeader);
            Set(l.OutboundIpPacket, DataPosition.IpHeader);
            Set(l.IpForward, DataPosition.IpHeader);
            Set(l.InboundTransport, DataPosition.Data);
            Set(l.OutboundTransport, DataPosition.TransportHeader);
            Set(l.DatagramData, DataPosition.DatagramData);
            Set(l.InboundIcmpError, DataPosition.InnerIpHeader);
            Set(l.OutboundIcmpError, DataPosition.TransportHeader);
            Set(l.AuthConnect, DataPosition.Pendable);
            Set(l.AuthRecvAccept, DataPosition.Pendable);
            Set(l.FlowEstablished, DataPosition.Ale);
        }

        return positions;

        void Set(LayerFieldMap map, DataPosition position)
        {
            positions[map.LayerId] = position;

            // A discard layer shows the packet as its twin does; a drop is never pended.
            if (ShimLayers.DiscardOf(map.LayerId) is { } discard)
            {
                positions[discard.LayerId] = position == DataPosition.Pendable ? DataPosition.Ale : position;
            }
        }
    }

    /// <summary>
    /// True when the layer's program holds a callout filter: PolicySnapshot.FieldsRead reports every field then, as
    /// a callout may read any (docs/ENGINE.md).
    /// </summary>
    private static bool HasCallouts(PolicySnapshot snapshot, ushort layerId) => snapshot.FieldsRead(layerId) == ulong.MaxValue;

    /// <summary>The position of the NET_BUFFER's data offset at <paramref name="layerId"/> for this packet, as an index into the IP datagram.</summary>
    private static int DataOffsetOf(ushort layerId, FwpDirection direction, byte protocol, in Walk walk)
    {
        var transport = walk.IpHeaderSize;
        var data = Math.Min(walk.Ip.Length, walk.IpHeaderSize + walk.TransportHeaderSize);
        return Positions[layerId] switch
        {
            DataPosition.TransportHeader => transport,
            // Inbound packets of an ICMP socket stop at the ICMP header at INBOUND_TRANSPORT (same page).
            DataPosition.Data => protocol is Icmp or IcmpV6 ? transport : data,
            DataPosition.DatagramData => direction == FwpDirection.Inbound ? data : transport,
            DataPosition.InnerIpHeader => walk.InnerIpOffset > 0 ? walk.InnerIpOffset : transport,
            _ => 0,
        };
    }

    /// <summary>Classifies a layer with callouts, giving them its layer data.</summary>
    private ClassifyResult ClassifyWithData(ushort layerId, in PacketFacts f, ref Walk walk, ReadOnlySpan<FwpValue> values, ref ClassifyMetadata metadata)
    {
        var position = Positions[layerId];
        switch (position)
        {
            case DataPosition.None:
                return _engine.Classify(walk.Snapshot, layerId, values, in metadata);
            case DataPosition.Ale:
                return _engine.Classify(walk.Snapshot, layerId, values, in metadata, default, new LayerData(Injector));
            case DataPosition.Pendable:
                metadata = metadata with
                {
                    CurrentMetadataValues = metadata.CurrentMetadataValues | ClassifyMetadata.FieldCompletionHandle,
                    CompletionHandle = (ulong)Interlocked.Increment(ref _completionHandles),
                };
                return ClassifyPendable(layerId, ref walk, values, in metadata);
            default:
                if (walk.Ip.IsEmpty)
                {
                    return _engine.Classify(walk.Snapshot, layerId, values, in metadata);
                }

                var offset = DataOffsetOf(layerId, f.Direction, f.Protocol, in walk);
                var data = new LayerData(walk.Ip, walk.IpHeaderSize, walk.TransportHeaderSize, offset, walk.InterfaceIndex, Injector);
                return _engine.Classify(walk.Snapshot, layerId, values, in metadata, default, in data);
        }
    }

    /// <summary>Fills the packet facts of the walk the layer data is built from.</summary>
    private static void SetPacket(ref Walk walk, ReadOnlySpan<byte> frame, ref ParsedPacket p, uint interfaceIndex)
    {
        var start = p.NetworkOffset;
        var end = Math.Min(frame.Length, start + p.IpLength);
        if (start >= end)
        {
            return;
        }

        walk.Ip = frame[start..end];
        var hasTransport = p.TransportOffset > start && !(p.Has(PacketFlags.Fragment) && p.FragmentOffset != 0);
        walk.IpHeaderSize = Math.Min(end, hasTransport ? p.TransportOffset : p.PayloadOffset) - start;
        walk.TransportHeaderSize = hasTransport ? Math.Max(0, Math.Min(end, p.PayloadOffset) - p.TransportOffset) : 0;
        walk.InnerIpOffset = p.Has(PacketFlags.IcmpError) && p.InnerNetworkOffset > start ? p.InnerNetworkOffset - start : 0;
        walk.InterfaceIndex = interfaceIndex;
    }
}
