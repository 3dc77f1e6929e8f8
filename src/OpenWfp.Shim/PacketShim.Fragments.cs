using OpenWfp.Engine.Model;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// Fragments (docs/SHIM.md, "Fragments"): each fragment meets the IP packet (and MAC) layers on its own, as in WFP;
// then it is held until its datagram is whole, and the rebuilt datagram alone meets the transport, ALE and data layers,
// so filters see its whole transport header however it was cut. The fragment that completes the datagram carries the
// datagram's verdict; the ones before it are permitted as held (a receiver holds them too, and cannot deliver anything
// until the last one arrives). A datagram that is dropped — by a layer, or because its fragments conflict — is
// remembered, and its other fragments are dropped with it.
public sealed partial class PacketShim
{
    private ShimVerdict Fragment(ReadOnlySpan<byte> frame, ref ParsedPacket p, ShimLayers layers, ref PacketFacts facts, ref Walk walk, long now, uint interfaceIndex)
    {
        var direction = walk.Direction;
        var outbound = direction is TrafficDirection.Outbound or TrafficDirection.Loopback;
        var ipLayer = outbound ? layers.OutboundIpPacket : layers.InboundIpPacket;
        Orient(ref facts, ref p, outbound);
        var tuple = TupleOf(in facts, outbound);
        facts.Direction = outbound ? FwpDirection.Outbound : FwpDirection.Inbound;
        if (_fragments.TryGetDropped(in p, now, out var droppedLayer, out var droppedFilter, out var droppedReason))
        {
            _counters.FragmentsDropped++;
            walk.Block(droppedLayer, droppedFilter, absorbed: false, droppedReason);
            IndicateFragmentDiscard(ipLayer.LayerId, ref facts, ref walk, droppedReason, droppedFilter);
            return walk.Verdict(in tuple, default);
        }

        if (walk.Reassembled)
        {
            // A fragment inside a rebuilt datagram: nothing legitimate nests fragmentation.
            return DropDatagram(ref p, ref facts, ref walk, now, ipLayer.LayerId, ShimReason.FragmentInvalid, in tuple);
        }

        bool passed;
        if (outbound)
        {
            LearnLocalMac(p.SourceMac);
            facts.Direction = FwpDirection.Outbound;
            passed = IpPacket(ipLayer, ref facts, ref p, ref walk) && MacFrame(ShimLayers.OutboundMacFrame, ref facts, ref walk);
            if (passed && direction == TrafficDirection.Loopback)
            {
                facts.Flags = ConditionFlags.IsLoopback;
                Orient(ref facts, ref p, outbound: false);
                facts.Direction = FwpDirection.Inbound;
                passed = IpPacket(layers.InboundIpPacket, ref facts, ref p, ref walk);
            }
        }
        else
        {
            LearnLocalMac(PacketFacts.MacAddressType(p.DestinationMac) == StackValues.MacUnicast ? p.DestinationMac : 0);
            facts.Direction = FwpDirection.Inbound;
            passed = MacFrame(ShimLayers.InboundMacFrame, ref facts, ref walk) && IpPacket(ipLayer, ref facts, ref p, ref walk);
        }

        if (!passed)
        {
            _fragments.RememberDropped(in p, now, walk.LayerId, walk.FilterId, ShimReason.FragmentOfBlocked);
            return walk.Verdict(in tuple, default);
        }

        var outcome = _fragments.Add(frame, in p, now, ipLayer.LayerId);
        switch (outcome)
        {
            case FragmentOutcome.Held:
            case FragmentOutcome.Truncated:
                _counters.FragmentsHeld++;
                walk.Note(ShimReason.FragmentHeld);
                return walk.Verdict(in tuple, default);

            case FragmentOutcome.Overlap:
            case FragmentOutcome.Invalid:
                var reason = outcome == FragmentOutcome.Overlap ? ShimReason.FragmentOverlap : ShimReason.FragmentInvalid;
                _counters.FragmentsDropped++;
                walk.Block(ipLayer.LayerId, 0, absorbed: false, reason);
                IndicateFragmentDiscard(ipLayer.LayerId, ref facts, ref walk, reason, 0);
                return walk.Verdict(in tuple, default);
        }

        _counters.DatagramsReassembled++;
        var datagram = _fragments.Datagram;
        if (PacketParser.Parse(p.IpVersion == 4 ? LinkType.Ipv4 : LinkType.Ipv6, datagram, out var whole) != ParseStatus.Ok)
        {
            return DropDatagram(ref p, ref facts, ref walk, now, ipLayer.LayerId, ShimReason.FragmentInvalid, in tuple);
        }

        // The link-layer facts are the fragments'; the rest comes from the rebuilt datagram.
        whole.LinkType = p.LinkType;
        whole.SourceMac = p.SourceMac;
        whole.DestinationMac = p.DestinationMac;
        whole.EtherType = p.EtherType;
        whole.VlanCount = p.VlanCount;
        whole.OuterVlanId = p.OuterVlanId;
        whole.InnerVlanId = p.InnerVlanId;
        whole.InterfaceIndex = p.InterfaceIndex;
        whole.LinkPacketType = p.LinkPacketType;
        whole.LinkDeviceType = p.LinkDeviceType;
        var verdict = ProcessIp(datagram, ref whole, now, interfaceIndex, walk.Trace, direction, reassembled: true);
        if (!verdict.IsPermitted)
        {
            _fragments.RememberDropped(in p, now, verdict.LayerId, verdict.FilterId, ShimReason.FragmentOfBlocked);
        }

        return verdict;
    }

    private ShimVerdict DropDatagram(ref ParsedPacket p, ref PacketFacts f, ref Walk walk, long now, ushort layerId, ShimReason reason, in FlowTuple tuple)
    {
        _counters.FragmentsDropped++;
        _fragments.RememberDropped(in p, now, layerId, 0, reason);
        walk.Block(layerId, 0, absorbed: false, reason);
        IndicateFragmentDiscard(layerId, ref f, ref walk, reason, 0);
        return walk.Verdict(in tuple, default);
    }

    /// <summary>
    /// A fragment the shim dropped: at the IP packet discard layer, as a filter's drop when its datagram was blocked by
    /// one, else as the IP module's own drop (Windows does not publish its IP_DISCARD_REASON numbers, so the reason is
    /// the <see cref="ShimReason"/>).
    /// </summary>
    private void IndicateFragmentDiscard(ushort layerId, ref PacketFacts f, ref Walk walk, ShimReason reason, ulong filterId)
    {
        var dropped = f;
        dropped.Flags |= ConditionFlags.IsFragment;
        if (filterId != 0)
        {
            IndicateDiscard(layerId, ref dropped, ref walk, StackValues.DiscardModuleGeneral, StackValues.DiscardFirewallPolicy, filterId);
        }
        else
        {
            IndicateDiscard(layerId, ref dropped, ref walk, StackValues.DiscardModuleNetwork, (uint)reason, 0);
        }
    }
}
