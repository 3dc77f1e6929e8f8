using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>What a live data plane tells the shim (the hook's direction) and what it reads back (flow state for marks).</summary>
public sealed class LiveHintTests
{
    [Fact]
    public void DirectionHint_OverridesTheAddresses()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block));

        // By --local this packet is outbound; the hook says it arrived, so it meets RECV_ACCEPT and is blocked.
        var v = h.Shim.Process(Frames.TcpOut(TcpFlags.Syn), LinkType.Ethernet, h.Now += 1000, 0, h.Trace, TrafficDirection.Inbound);
        Assert.Equal(TrafficDirection.Inbound, v.Direction);
        Assert.Equal(ActionType.Block, v.Action);
        Assert.Contains("ALE_AUTH_RECV_ACCEPT_V4", h.Layers());
    }

    [Fact]
    public void LoopbackHint_MeetsBothAleLayers()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Permit));
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Permit));
        var v = h.Shim.Process(Frames.UdpOut(), LinkType.Ethernet, h.Now += 1000, 0, h.Trace, TrafficDirection.Loopback);
        Assert.Equal(TrafficDirection.Loopback, v.Direction);
        var layers = h.Layers();
        Assert.Contains("ALE_AUTH_CONNECT_V4", layers);
        Assert.Contains("ALE_AUTH_RECV_ACCEPT_V4", layers);
    }

    [Fact]
    public void TcpFlow_IsEstablishedOnlyAfterTheHandshake()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Permit));
        var syn = h.Send(Frames.TcpOut(TcpFlags.Syn));
        Assert.True(syn.IsPermitted);
        Assert.False(syn.FlowEstablished);
        Assert.False(syn.FlowBlocked);
        var synAck = h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        Assert.True(synAck.FlowEstablished);
        Assert.Equal(syn.FlowId, synAck.FlowId);
    }

    [Fact]
    public void UdpFlow_IsEstablishedAtOnce_AndAnAleBlockBlocksTheFlow()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(53))));
        var allowed = h.Send(Frames.UdpOut(dport: 5353));
        Assert.True(allowed.FlowEstablished);
        var blocked = h.Send(Frames.UdpOut(dport: 53));
        Assert.True(blocked.FlowBlocked);
        Assert.False(blocked.FlowEstablished);
        var again = h.Send(Frames.UdpOut(dport: 53));
        Assert.True(again.FlowBlocked);
        Assert.Equal(ShimReason.FlowBlocked, again.Reason);
    }

    [Fact]
    public void PerPacketBlock_DoesNotBlockTheFlow()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(53))));
        var v = h.Send(Frames.UdpOut(dport: 53));
        Assert.Equal(ActionType.Block, v.Action);
        Assert.False(v.FlowBlocked);
    }

    [Fact]
    public void Identity_IsLookedUpOnlyWhenAFilterReadsIt()
    {
        var source = new CountingIdentity();
        var h = new ShimHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), FlowOwners = source });
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(1))));
        Assert.True(h.Send(Frames.UdpOut(sport: 1000)).IsPermitted);
        Assert.Equal(0, source.Calls);

        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("ALE_APP_ID", FwpMatchType.Equal, AppId.ValueFromPath("/usr/bin/blocked"))));
        var v = h.Send(Frames.UdpOut(sport: 1001));
        Assert.Equal(1, source.Calls);
        Assert.Equal(ActionType.Block, v.Action);
    }

    [Fact]
    public void ShortTransportHeader_IsMalformedOnlyWhenTheDatagramItselfIsShort()
    {
        // A capture that stopped inside the UDP header (the IP length still covers the whole datagram): classified.
        var cut = Frames.UdpOut()[..(14 + 20 + 4)]; // Ethernet, IPv4, half a UDP header
        var capture = new ShimHarness();
        var asCaptured = capture.Send(cut);
        Assert.Equal(ShimReason.Classified, asCaptured.Reason);

        // The same bytes as a whole datagram (IP total length 24: no room for the 8-byte UDP header), as the kernel
        // would queue a crafted packet: malformed, the configured decision, counted.
        var whole = (byte[])cut.Clone();
        whole[14 + 2] = 0;
        whole[14 + 3] = 24;
        var live = new ShimHarness(new ShimOptions { UnparsedDecision = ActionType.Block });
        var verdict = live.Send(whole);
        Assert.Equal(ShimReason.Unparsed, verdict.Reason);
        Assert.Equal(ActionType.Block, verdict.Action);
        Assert.Equal(ParseStatus.Malformed, verdict.ParseStatus);
        Assert.Equal(1, live.Shim.Counters.Unparsed);
    }

    private sealed class CountingIdentity : IFlowOwnerSource
    {
        public int Calls { get; private set; }

        public bool TryResolve(in FlowTuple flow, out FlowOwner owner)
        {
            Calls++;
            owner = new FlowOwner(AppId.ValueFromPath("/usr/bin/blocked"), FwpToken.ForUnixIdentity(1000, [1000]), 42);
            return true;
        }
    }
}
