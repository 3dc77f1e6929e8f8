using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// The layer walk: which WFP layers a packet meets, in order, and what stops it (docs/SHIM.md, "Layer sequences").
// Outbound: [ALE_AUTH_CONNECT → FLOW_ESTABLISHED for non-TCP] → DATAGRAM_DATA (UDP) or STREAM (TCP with data) →
// OUTBOUND_TRANSPORT → OUTBOUND_IPPACKET → OUTBOUND_MAC_FRAME. Inbound: INBOUND_MAC_FRAME → INBOUND_IPPACKET →
// INBOUND_TRANSPORT → [ALE_AUTH_RECV_ACCEPT → FLOW_ESTABLISHED] → DATAGRAM_DATA or STREAM. ICMP errors meet the
// ICMP_ERROR layers instead of ALE; forwarded packets meet IPFORWARD; non-IP frames the MAC layers only. The first BLOCK
// ends the walk.
public sealed partial class PacketShim
{
    // knownFlow: the flow's slot when direction finding already looked it up, else -1 (then the ALE step looks).
    private bool Outbound(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, int knownFlow)
    {
        f.Direction = FwpDirection.Outbound;
        if (p.Has(PacketFlags.IcmpError))
        {
            return Classify(layers.OutboundIcmpError, ref f, ref walk, false)
                && Classify(layers.OutboundTransport, ref f, ref walk, false)
                && OutboundFrame(layers, ref f, ref p, ref walk);
        }

        var flow = knownFlow;
        return Ale(layers, ref f, ref p, now, ref walk, ref flow)
            && Payload(layers, ref f, ref p, ref walk)
            && Classify(layers.OutboundTransport, ref f, ref walk, false)
            && OutboundFrame(layers, ref f, ref p, ref walk);
    }

    /// <summary>OUTBOUND_IPPACKET and OUTBOUND_MAC_FRAME, which a rebuilt datagram's fragments already met one by one.</summary>
    private bool OutboundFrame(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, ref Walk walk) =>
        walk.Reassembled || (IpPacket(layers.OutboundIpPacket, ref f, ref p, ref walk) && MacFrame(ShimLayers.OutboundMacFrame, ref f, ref walk));

    private void Inbound(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, long now, ref Walk walk, int knownFlow)
    {
        f.Direction = FwpDirection.Inbound;
        if (walk.Reassembled)
        {
            f.Flags |= ConditionFlags.IsReassembled;
        }

        var icmpError = p.Has(PacketFlags.IcmpError);
        var flow = -1;
        if (!icmpError)
        {
            // A packet of a flow blocked earlier is dropped before any layer: the flow table is consulted first.
            flow = knownFlow >= 0 ? knownFlow : FindFlow(ref f, ref p, now, ref walk);
            if (flow >= 0 && _flows.At(flow).Blocked && !Stale(ref _flows.At(flow), walk.Snapshot))
            {
                DropBlockedFlow(flow, ref f, ref walk);
                return;
            }
        }

        // A rebuilt datagram's fragments met the MAC and IP packet layers one by one already.
        if (!walk.Reassembled && (!MacFrame(ShimLayers.InboundMacFrame, ref f, ref walk) || !IpPacket(layers.InboundIpPacket, ref f, ref p, ref walk)))
        {
            return;
        }

        if (icmpError)
        {
            SetEmbedded(ref f, ref p);
            _ = Classify(layers.InboundTransport, ref f, ref walk, false)
                && Classify(layers.InboundIcmpError, ref f, ref walk, false);
            return;
        }

        _ = Classify(layers.InboundTransport, ref f, ref walk, false)
            && Ale(layers, ref f, ref p, now, ref walk, ref flow)
            && Payload(layers, ref f, ref p, ref walk);
    }

    /// <summary>DATAGRAM_DATA for UDP and other datagram protocols; STREAM for TCP segments that carry data.</summary>
    private bool Payload(ShimLayers layers, ref PacketFacts f, ref ParsedPacket p, ref Walk walk)
    {
        if (p.Protocol == Tcp)
        {
            if (Streamed(layers.Stream, ref walk))
            {
                return Stream(layers.Stream, ref f, ref p, ref walk);
            }

            return p.PayloadLength == 0 || Classify(layers.Stream, ref f, ref walk, false, walk.FlowId);
        }

        if (p.Protocol is Icmp or IcmpV6)
        {
            return true;
        }

        return Classify(layers.DatagramData, ref f, ref walk, false, walk.FlowId);
    }

    private bool IpPacket(LayerFieldMap map, ref PacketFacts f, ref ParsedPacket p, ref Walk walk)
    {
        if (!p.Has(PacketFlags.Fragment))
        {
            return Classify(map, ref f, ref walk, false);
        }

        var fragment = f;
        fragment.Flags |= ConditionFlags.IsFragment;
        return Classify(map, ref fragment, ref walk, false);
    }

    private bool MacFrame(LayerFieldMap map, ref PacketFacts f, ref Walk walk) => !f.HasMac || Classify(map, ref f, ref walk, false);

    /// <summary>
    /// Classifies one layer, unless it has no filters (then it costs nothing, and only a trace records it).
    /// Returns false when the layer blocked.
    /// </summary>
    private bool Classify(LayerFieldMap map, ref PacketFacts f, ref Walk walk, bool reauthorization, ulong flowId = 0)
    {
        var hasFilters = walk.Snapshot.HasFilters(map.LayerId);
        var trace = walk.Trace;
        if (!hasFilters && trace is null)
        {
            return true;
        }

        var values = _values.AsSpan(0, map.FieldCount);
        var metadata = Metadata(in f, flowId);
        var result = ClassifyResult.NoMatch;
        if (trace is { RecordValues: true })
        {
            f.Fill(map, values);
        }
        else if (hasFilters)
        {
            f.Fill(map, values, walk.Snapshot.FieldsRead(map.LayerId));
        }

        if (hasFilters)
        {
            _counters.Classifications++;
            if (HasCallouts(walk.Snapshot, map.LayerId))
            {
                result = ClassifyWithData(map.LayerId, in f, ref walk, values, ref metadata);
            }
            else
            {
                result = _engine.Classify(walk.Snapshot, map.LayerId, values, in metadata);
            }

            _counters.CalloutFaults += result.CalloutFaults;
        }

        trace?.Add(map.LayerId, in result, hasFilters, reauthorization, values, in metadata);
        walk.StepFilterId = result.FilterId;
        if (result.Action == ActionType.Block)
        {
            if (walk.Pended)
            {
                // Held, not dropped: no discard indication (PacketShim.Pend.cs).
                walk.Block(map.LayerId, result.FilterId, absorbed: true, ShimReason.Held);
                return false;
            }

            walk.Block(map.LayerId, result.FilterId, result.IsAbsorbed, ShimReason.Classified);
            IndicateDiscard(map.LayerId, ref f, ref walk, StackValues.DiscardModuleGeneral, StackValues.DiscardFirewallPolicy, result.FilterId);
            return false;
        }

        if (result.Action == ActionType.Permit)
        {
            walk.Permit(map.LayerId, result.FilterId);
        }

        return true;
    }

    private ShimVerdict ProcessNotIp(ref ParsedPacket p, ReadOnlySpan<byte> frame, uint interfaceIndex, ShimTrace? trace)
    {
        var outbound = (p.SourceMac != 0 && IsLocalMac(p.SourceMac)) || ArpSenderIsLocal(ref p, frame);
        if (outbound)
        {
            LearnLocalMac(p.SourceMac);
        }

        var walk = new Walk(_engine.Current, trace) { Direction = outbound ? TrafficDirection.Outbound : TrafficDirection.Inbound };
        var facts = new PacketFacts
        {
            InterfaceIndex = interfaceIndex != 0 ? interfaceIndex : _options.DefaultInterfaceIndex,
            InterfaceType = StackValues.InterfaceTypeEthernet,
            Direction = outbound ? FwpDirection.Outbound : FwpDirection.Inbound,
            HasMac = true,
            EtherType = p.EtherType,
            VlanId = p.VlanCount > 0 ? p.OuterVlanId : (ushort)0,
            LocalMac = outbound ? p.SourceMac : p.DestinationMac,
            RemoteMac = outbound ? p.DestinationMac : p.SourceMac,
        };
        MacFrame(outbound ? ShimLayers.OutboundMacFrame : ShimLayers.InboundMacFrame, ref facts, ref walk);
        return walk.Verdict(default, default);
    }

    /// <summary>One packet's walk through the layers: where it is, and what has decided so far.</summary>
    private ref struct Walk(PolicySnapshot snapshot, ShimTrace? trace)
    {
        public readonly PolicySnapshot Snapshot = snapshot;
        public readonly ShimTrace? Trace = trace;
        public TrafficDirection Direction;

        /// <summary>The IP datagram, from its IP header, for the callouts' layer data (empty when not an IP packet).</summary>
        public ReadOnlySpan<byte> Ip;
        public int IpHeaderSize;
        public int TransportHeaderSize;

        /// <summary>Where an ICMP error's quoted IP header starts in <see cref="Ip"/> (0 when none).</summary>
        public int InnerIpOffset;
        public uint InterfaceIndex;

        /// <summary>The flow table slot of the packet's ALE flow, -1 when it has none.</summary>
        public int FlowSlot = -1;

        /// <summary>An ALE callout pended the classification: the packet is held, its flow not decided.</summary>
        public bool Pended;

        /// <summary>STREAM reset the connection (a callout's DROP_CONNECTION, or out of buffer).</summary>
        public bool ResetConnection;

        /// <summary>The segment overlapped kept stream bytes with different bytes.</summary>
        public bool StreamOverlapConflict;

        /// <summary>The packet goes on as PacketShim.ModifiedPacket.</summary>
        public bool Modified;
        public ulong FlowId;
        public FlowOwner Owner;
        public bool OwnerLookedUp;
        public ushort LayerId = ShimVerdict.NoLayer;
        public ulong FilterId;
        public ulong StepFilterId;
        public bool FlowEstablished;
        public bool FlowBlocked;
        public bool Reassembled;
        private bool _blocked;
        private bool _absorbed;
        private ShimReason _reason;

        public void Block(ushort layerId, ulong filterId, bool absorbed, ShimReason reason)
        {
            _blocked = true;
            _absorbed = absorbed;
            _reason = reason;
            LayerId = layerId;
            FilterId = filterId;
        }

        public void Permit(ushort layerId, ulong filterId)
        {
            LayerId = layerId;
            FilterId = filterId;
        }

        public readonly bool IsBlocked => _blocked;

        /// <summary>Records why a permitted packet was permitted without reaching every layer (a held fragment).</summary>
        public void Note(ShimReason reason) => _reason = reason;

        /// <summary>The packet belongs to <paramref name="e"/>: its id and, as far as the table knows it, its owner.</summary>
        public void UseFlow(in FlowEntry e)
        {
            FlowId = e.FlowId;
            Owner = new FlowOwner(e.AppId, e.UserId.Token, e.ProcessId);
            OwnerLookedUp = e.OwnerLookedUp;
        }

        public readonly ShimVerdict Verdict(in FlowTuple tuple, TcpFlags tcpFlags) => new()
        {
            Tuple = tuple,
            TcpFlags = tcpFlags,
            Owner = Owner,
            OwnerLookedUp = OwnerLookedUp,
            Action = _blocked ? ActionType.Block : ActionType.Permit,
            Reason = _reason,
            LayerId = LayerId,
            FilterId = FilterId,
            Absorbed = _absorbed,
            Direction = Direction,
            FlowId = FlowId,
            FlowEstablished = FlowEstablished && !FlowBlocked,
            FlowBlocked = FlowBlocked,
            ResetConnection = ResetConnection,
            StreamOverlapConflict = StreamOverlapConflict,
            Modified = Modified && !_blocked,
        };
    }
}
