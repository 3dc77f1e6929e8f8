using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// A dropped packet is indicated at its layer's *_DISCARD twin with the discard metadata; what filters there return
/// does not change the verdict (docs/SHIM.md, "Discard layers").
/// </summary>
public sealed class DiscardLayerTests
{
    [Fact]
    public void BlockAtInboundTransport_IsIndicatedAtItsDiscardLayer_AndAPermitThereChangesNothing()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("INBOUND_TRANSPORT_V4", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(22))));
        var audit = h.Engine.AddFilter(FilterBuilder.At("INBOUND_TRANSPORT_V4_DISCARD", FilterAction.Permit, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(22))));
        var v = h.Send(Frames.TcpIn(TcpFlags.Syn, sport: 51000, dport: 22));
        Assert.False(v.IsPermitted);
        Assert.Equal(block.FilterId, v.FilterId);
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "INBOUND_TRANSPORT_V4_DISCARD"], h.Layers());

        var step = h.Step("INBOUND_TRANSPORT_V4_DISCARD");
        Assert.Equal(audit.FilterId, step.FilterId);
        Assert.Equal(ActionType.Permit, step.Action);
        Assert.NotEqual(0u, step.Metadata.CurrentMetadataValues & ClassifyMetadata.FieldDiscardReason);
        Assert.Equal(StackValues.DiscardModuleGeneral, step.Metadata.DiscardModule);
        Assert.Equal(StackValues.DiscardFirewallPolicy, step.Metadata.DiscardReason);
        Assert.Equal(block.FilterId, step.Metadata.DiscardFilterId);
        Assert.Equal(22UL, h.Value("INBOUND_TRANSPORT_V4_DISCARD", "IP_LOCAL_PORT").RawUInt64);
        Assert.Equal(1, h.Shim.Counters.DiscardClassifications);
    }

    [Fact]
    public void PermittedPacket_NeverMeetsADiscardLayer()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4_DISCARD", FilterAction.Block));
        Assert.True(h.Send(Frames.TcpOut(TcpFlags.Syn)).IsPermitted);
        Assert.DoesNotContain("ALE_AUTH_CONNECT_V4_DISCARD", h.Layers());
        Assert.Equal(0, h.Shim.Counters.DiscardClassifications);
    }

    [Fact]
    public void BlockedFlowsLaterPackets_AreIndicatedAtTheAleDiscardLayer()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(53))));
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4_DISCARD", FilterAction.Permit));
        Assert.False(h.Send(Frames.UdpOut()).IsPermitted);
        Assert.Contains("ALE_AUTH_CONNECT_V4_DISCARD", h.Layers());

        var again = h.Send(Frames.UdpOut());
        Assert.Equal(ShimReason.FlowBlocked, again.Reason);
        Assert.False(again.IsPermitted);
        Assert.Equal(["ALE_AUTH_CONNECT_V4_DISCARD"], h.Layers());
        Assert.Equal(block.FilterId, h.Step("ALE_AUTH_CONNECT_V4_DISCARD").Metadata.DiscardFilterId);
        Assert.Equal(53UL, h.Value("ALE_AUTH_CONNECT_V4_DISCARD", "IP_REMOTE_PORT").RawUInt64);
    }

    [Fact]
    public void OverlappingFragment_IsIndicatedAtTheIpPacketDiscardLayer_AsTheNetworkModulesDrop()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("INBOUND_IPPACKET_V4_DISCARD", FilterAction.Block));
        var a = PacketBuilder.Tcp(50000, 80, 1, 0, TcpFlags.Syn);
        var b = PacketBuilder.Tcp(50000, 22, 1, 0, TcpFlags.Syn);
        h.Send(Fragment(a[..16], 0));
        var v = h.Send(Fragment(b[..8], 0));
        Assert.Equal(ShimReason.FragmentOverlap, v.Reason);
        var step = h.Step("INBOUND_IPPACKET_V4_DISCARD");
        Assert.Equal(StackValues.DiscardModuleNetwork, step.Metadata.DiscardModule);
        Assert.Equal((uint)ShimReason.FragmentOverlap, step.Metadata.DiscardReason);
        Assert.Equal(0UL, step.Metadata.DiscardFilterId);
        Assert.Equal((ulong)ConditionFlags.IsFragment, h.Value("INBOUND_IPPACKET_V4_DISCARD", "FLAGS").RawUInt64 & (ulong)ConditionFlags.IsFragment);
    }

    [Fact]
    public void MalformedPacketDroppedByTheShim_IsIndicatedAtTheIpPacketDiscardLayer()
    {
        var h = new ShimHarness(new ShimOptions { UnparsedDecision = ActionType.Block, LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]) });
        h.Engine.AddFilter(FilterBuilder.At("INBOUND_IPPACKET_V4_DISCARD", FilterAction.Permit));
        var tcp = PacketBuilder.Tcp(50000, 22, 1, 0, TcpFlags.Syn);
        tcp[12] = 0x20; // data offset 2: below the minimum of 5
        var v = h.Send(Frames.In4(tcp, IpProtocol.Tcp));
        Assert.Equal(ShimReason.Unparsed, v.Reason);
        Assert.False(v.IsPermitted);
        var step = h.Step("INBOUND_IPPACKET_V4_DISCARD");
        Assert.Equal((uint)ShimReason.Unparsed, step.Metadata.DiscardReason);
        Assert.Equal((ulong)Frames.Peer4, h.Value("INBOUND_IPPACKET_V4_DISCARD", "IP_REMOTE_ADDRESS").RawUInt64);
    }

    private static byte[] Fragment(byte[] data, int offset) =>
        PacketBuilder.Ethernet(Frames.LocalMac, Frames.PeerMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Peer4, Frames.Local4, IpProtocol.Tcp, data, id: 4, moreFragments: true, fragmentOffset: offset));
}
