using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// The *_DISCARD layers (docs/SHIM.md, "Discard layers"): a packet dropped at a layer — by a filter, or by the shim for
// a reason of its own (a conflicting fragment, a blocked flow) — is indicated at that layer's discard twin, with the
// discard metadata, so that filters and callouts there can audit the drop. What they return changes nothing: the
// packet is already dropped. A discard layer without filters costs nothing, and only appears in a trace when it has
// filters.
public sealed partial class PacketShim
{
    /// <summary>Indicates a packet dropped at <paramref name="layerId"/> at its discard layer.</summary>
    /// <param name="layerId">The layer it was dropped at.</param>
    /// <param name="f">Its facts, as the dropping layer saw them.</param>
    /// <param name="walk">Its walk (for the snapshot and trace).</param>
    /// <param name="module">FWPS_DISCARD_MODULE0: general for a filter's block, network for the shim's own drops.</param>
    /// <param name="reason">The module's reason: FWPS_DISCARD_FIREWALL_POLICY for a filter, else the <see cref="ShimReason"/>.</param>
    /// <param name="filterId">The filter that dropped it, 0 when none did.</param>
    private void IndicateDiscard(ushort layerId, ref PacketFacts f, ref Walk walk, uint module, uint reason, ulong filterId)
    {
        var map = ShimLayers.DiscardOf(layerId);
        if (map is null || !walk.Snapshot.HasFilters(map.LayerId))
        {
            return;
        }

        var values = _values.AsSpan(0, map.FieldCount);
        if (walk.Trace is { RecordValues: true })
        {
            f.Fill(map, values);
        }
        else
        {
            f.Fill(map, values, walk.Snapshot.FieldsRead(map.LayerId));
        }

        var metadata = Metadata(in f, walk.FlowId) with
        {
            DiscardModule = module,
            DiscardReason = reason,
            DiscardFilterId = filterId,
        };
        metadata = metadata with { CurrentMetadataValues = metadata.CurrentMetadataValues | ClassifyMetadata.FieldDiscardReason };
        _counters.DiscardClassifications++;
        var result = HasCallouts(walk.Snapshot, map.LayerId)
            ? ClassifyWithData(map.LayerId, in f, ref walk, values, ref metadata)
            : _engine.Classify(walk.Snapshot, map.LayerId, values, in metadata);
        _counters.CalloutFaults += result.CalloutFaults;
        walk.Trace?.Add(map.LayerId, in result, true, false, values, in metadata);
    }

    /// <summary>
    /// A packet whose IP header parsed but that the shim drops as malformed (<see cref="ShimOptions.UnparsedDecision"/>
    /// Block): the IP module's drop, at the IP packet discard layer of its direction (inbound when unknown: it reached
    /// this host).
    /// </summary>
    private void DiscardUnparsed(ref ParsedPacket p, TrafficDirection hint, uint interfaceIndex, ShimTrace? trace)
    {
        var outbound = hint is TrafficDirection.Outbound or TrafficDirection.Loopback;
        var layers = p.IpVersion == 4 ? ShimLayers.V4 : ShimLayers.V6;
        var walk = new Walk(_engine.Current, trace) { Direction = hint };
        var facts = new PacketFacts
        {
            IpVersion = p.IpVersion,
            Protocol = p.Protocol,
            SourceAddress = p.IpVersion == 4 ? p.SourceIPv4 : p.SourceIPv6,
            DestinationAddress = p.IpVersion == 4 ? p.DestinationIPv4 : p.DestinationIPv6,
            InterfaceIndex = interfaceIndex != 0 ? interfaceIndex : _options.DefaultInterfaceIndex,
            InterfaceType = StackValues.InterfaceTypeEthernet,
            Direction = outbound ? FwpDirection.Outbound : FwpDirection.Inbound,
        };
        Orient(ref facts, ref p, outbound);
        IndicateDiscard((outbound ? layers.OutboundIpPacket : layers.InboundIpPacket).LayerId, ref facts, ref walk, StackValues.DiscardModuleNetwork, (uint)ShimReason.Unparsed, 0);
    }

    /// <summary>The metadata every layer gets: direction, and the flow handle, process path and token when known.</summary>
    private static ClassifyMetadata Metadata(in PacketFacts f, ulong flowId)
    {
        var token = f.UserId.Token;
        return new ClassifyMetadata
        {
            CurrentMetadataValues = ClassifyMetadata.FieldPacketDirection
                | (flowId != 0 ? ClassifyMetadata.FieldFlowHandle : 0)
                | (f.AppId.IsEmpty ? 0 : ClassifyMetadata.FieldProcessPath)
                | (token is null ? 0 : ClassifyMetadata.FieldToken),
            PacketDirection = (uint)f.Direction,
            FlowHandle = flowId,
            ProcessPath = f.AppId,
            Token = token,
        };
    }
}
