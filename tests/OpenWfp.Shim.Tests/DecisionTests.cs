using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>Verdicts: blocks end the walk, ALE decides once per flow, commits reauthorize, fragments follow their first.</summary>
public sealed class DecisionTests
{
    [Fact]
    public void BlockAtAuthConnect_DropsTheSyn_AndLaterPacketsOfTheFlowWithoutClassifying()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(80))));

        var syn = h.Send(Frames.TcpOut(TcpFlags.Syn));
        Assert.Equal(ActionType.Block, syn.Action);
        Assert.Equal(ShimReason.Classified, syn.Reason);
        Assert.Equal(block.FilterId, syn.FilterId);
        Assert.Equal(1, h.Shim.Counters.Classifications); // only the layer with a filter was classified
        Assert.Equal(["ALE_AUTH_CONNECT_V4"], h.Layers()); // the walk ends at the block

        var retransmit = h.Send(Frames.TcpOut(TcpFlags.Syn));
        Assert.Equal(ActionType.Block, retransmit.Action);
        Assert.Equal(ShimReason.FlowBlocked, retransmit.Reason);
        Assert.Equal(block.FilterId, retransmit.FilterId);
        Assert.Empty(h.Layers());
        Assert.Equal(1, h.Shim.Counters.Classifications);

        var inbound = h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        Assert.Equal(ShimReason.FlowBlocked, inbound.Reason);
        Assert.Empty(h.Layers());
        Assert.Equal(2, h.Shim.Counters.FlowBlockedDrops);
    }

    [Fact]
    public void OtherPortsStillPass()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(80))));
        var v = h.Send(Frames.TcpOut(TcpFlags.Syn, dport: 443));
        Assert.Equal(ActionType.Permit, v.Action);
        Assert.Equal(ShimVerdict.NoLayer, v.LayerId);
        Assert.Equal(0UL, v.FilterId);
    }

    [Fact]
    public void PermittedFlow_ClassifiesAleOnce()
    {
        var h = new ShimHarness();
        var permit = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Permit, ("IP_PROTOCOL", FwpMatchType.Equal, FwpValue.FromUInt8(IpProtocol.Udp))));
        var first = h.Send(Frames.UdpOut());
        Assert.Equal(permit.FilterId, first.FilterId);
        Assert.Equal(1, h.Shim.Counters.Classifications);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(h.Send(Frames.UdpOut()).IsPermitted);
        }

        Assert.Equal(1, h.Shim.Counters.Classifications);
    }

    [Fact]
    public void Commit_ReauthorizesTheNextPacket_WithReauthorizeFlagAndReason_AndANewBlockCutsTheFlow()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpOut(TcpFlags.Syn));
        h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        Assert.True(h.Send(Frames.TcpOut(TcpFlags.Ack)).IsPermitted);

        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(80))));

        // The next packet — inbound here — is classified at the layer that created the flow (docs/SHIM.md, "ALE: once per flow").
        var v = h.Send(Frames.TcpIn(TcpFlags.Ack | TcpFlags.Psh, payload: [1, 2, 3]));
        Assert.Equal(ActionType.Block, v.Action);
        Assert.Equal(block.FilterId, v.FilterId);
        var step = h.Step("ALE_AUTH_CONNECT_V4");
        Assert.True(step.Reauthorization);
        Assert.Equal((ulong)ConditionFlags.IsReauthorize, h.Value("ALE_AUTH_CONNECT_V4", "FLAGS").RawUInt64 & (ulong)ConditionFlags.IsReauthorize);
        Assert.Equal((ulong)StackValues.ReauthorizeReasonPolicyChange, h.Value("ALE_AUTH_CONNECT_V4", "REAUTHORIZE_REASON").RawUInt64);
        Assert.Equal(1, h.Shim.Counters.Reauthorizations);

        var after = h.Send(Frames.TcpOut(TcpFlags.Ack));
        Assert.Equal(ShimReason.FlowBlocked, after.Reason);
    }

    [Fact]
    public void Commit_ThatPermits_LetsABlockedFlowThroughAgain()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(53))));
        Assert.False(h.Send(Frames.UdpOut()).IsPermitted);
        h.Engine.DeleteFilter(block.FilterId);
        var v = h.Send(Frames.UdpOut());
        Assert.True(v.IsPermitted);
        Assert.Equal(1, h.Shim.Counters.Reauthorizations);
    }

    [Fact]
    public void BlockAtInboundTransport_EndsTheWalkBeforeAle_AndCreatesNoFlow()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("INBOUND_TRANSPORT_V4", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(22))));
        var v = h.Send(Frames.TcpIn(TcpFlags.Syn, sport: 51000, dport: 22));
        Assert.Equal(ActionType.Block, v.Action);
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4"], h.Layers());
        Assert.Equal(0, h.Shim.Counters.Flows);
    }

    [Fact]
    public void PermitAtOneLayer_BlockAtALaterOne_Blocks()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Permit));
        var block = h.Engine.AddFilter(FilterBuilder.At("OUTBOUND_IPPACKET_V4", FilterAction.Block, ("IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpValue.FromUInt32(Frames.Peer4))));
        var v = h.Send(Frames.TcpOut(TcpFlags.Syn));
        Assert.Equal(ActionType.Block, v.Action);
        Assert.Equal(block.FilterId, v.FilterId);
        Assert.Equal(block.LayerKey, Engine.Catalog.LayerCatalog.ById(v.LayerId)!.Key);
    }

    [Fact]
    public void BlockedDatagram_IsBlockedOnItsLastFragment_AndItsRetransmittedFragmentsAreDropped()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(53))));
        var udp = PacketBuilder.Udp(50000, 53, new byte[32]);
        var first = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, udp[..16], id: 5, moreFragments: true));
        var second = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, udp[16..], id: 5, fragmentOffset: 16));
        var other = PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Udp, udp[16..], id: 6, fragmentOffset: 16));
        Assert.Equal(ShimReason.FragmentHeld, h.Send(first).Reason);
        var whole = h.Send(second);
        Assert.False(whole.IsPermitted);
        Assert.Equal(ShimReason.Classified, whole.Reason);
        Assert.Equal(block.FilterId, whole.FilterId);
        var again = h.Send(first);
        Assert.Equal(ShimReason.FragmentOfBlocked, again.Reason);
        Assert.Equal(block.FilterId, again.FilterId);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(other).Reason);
        Assert.Equal(1, h.Shim.Counters.DatagramsReassembled);
    }

    [Fact]
    public void MacLayerBlock_AppliesToIpAndNonIpFrames()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("INBOUND_MAC_FRAME_ETHERNET", FilterAction.Block, ("ETHER_TYPE", FwpMatchType.Equal, FwpValue.FromUInt16(EtherType.Arp))));
        Assert.False(h.Send(PacketBuilder.Ethernet(0xFFFF_FFFF_FFFF, Frames.PeerMac, EtherType.Arp, new byte[28])).IsPermitted);
        Assert.True(h.Send(Frames.TcpIn(TcpFlags.Syn)).IsPermitted);
    }

    [Theory]
    [InlineData(ActionType.Permit)]
    [InlineData(ActionType.Block)]
    public void UnparsableFrame_GetsTheConfiguredDecision(ActionType configured)
    {
        var h = new ShimHarness(new ShimOptions { UnparsedDecision = configured });
        var v = h.Send([0x02, 0x00, 0x00]);
        Assert.Equal(configured, v.Action);
        Assert.Equal(ShimReason.Unparsed, v.Reason);
        Assert.Equal(ParseStatus.Truncated, v.ParseStatus);
        Assert.Equal(1, h.Shim.Counters.Unparsed);
    }

    [Fact]
    public void LayersWithoutFilters_AreNotClassified()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpOut(TcpFlags.Syn));
        h.Send(Frames.UdpIn());
        Assert.Equal(0, h.Shim.Counters.Classifications);
        Assert.All(h.Trace.Steps.ToArray(), s => Assert.False(s.Classified));
    }

    [Fact]
    public void IdleUdpFlow_IsForgotten_AfterSixtySeconds()
    {
        var h = new ShimHarness();
        h.Send(Frames.UdpOut());
        h.Now += (long)TimeSpan.FromSeconds(30).TotalNanoseconds;
        h.Send(Frames.UdpOut());
        Assert.Equal(1, h.Shim.Counters.Flows);
        h.Now += (long)TimeSpan.FromSeconds(61).TotalNanoseconds;
        h.Send(Frames.UdpOut());
        Assert.Equal(2, h.Shim.Counters.Flows);
        Assert.Contains("ALE_AUTH_CONNECT_V4", h.Layers());
    }

    [Fact]
    public void NewSynOnAClosedFlow_StartsANewFlow()
    {
        var h = new ShimHarness();
        var a = h.Send(Frames.TcpOut(TcpFlags.Syn));
        h.Send(Frames.TcpIn(TcpFlags.Rst | TcpFlags.Ack));
        var b = h.Send(Frames.TcpOut(TcpFlags.Syn));
        Assert.NotEqual(a.FlowId, b.FlowId);
        Assert.Contains("ALE_AUTH_CONNECT_V4", h.Layers());
    }

    [Fact]
    public void FullFlowTable_EvictsTheLeastRecentlySeen_AndKeepsDeciding()
    {
        var h = new ShimHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), FlowCapacity = 16 });
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(9))));
        for (ushort i = 0; i < 200; i++)
        {
            var v = h.Send(Frames.UdpOut(sport: (ushort)(20000 + i), dport: (ushort)(i % 10)));
            Assert.Equal(i % 10 == 9, !v.IsPermitted);
        }

        Assert.Equal(200, h.Shim.Counters.Flows);
        Assert.True(h.Shim.FlowEvictions >= 200 - 16, $"evictions {h.Shim.FlowEvictions}");
        Assert.True(h.Shim.ActiveFlows <= 16);
    }
}
