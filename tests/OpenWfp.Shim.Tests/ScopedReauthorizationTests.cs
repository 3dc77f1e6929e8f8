using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>A commit reauthorizes only the flows whose authorizing ALE layer it changed (docs/SHIM.md, "Reauthorization").</summary>
public sealed class ScopedReauthorizationTests
{
    private static ShimHarness Connected()
    {
        var h = new ShimHarness();
        h.Send(Frames.TcpOut(TcpFlags.Syn));
        h.Send(Frames.TcpIn(TcpFlags.Syn | TcpFlags.Ack));
        Assert.True(h.Send(Frames.TcpOut(TcpFlags.Ack)).IsPermitted);
        return h;
    }

    [Fact]
    public void CommitAtOutboundTransportOnly_ReauthorizesNoFlow()
    {
        var h = Connected();
        h.Engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Permit, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(9999))));
        var v = h.Send(Frames.TcpOut(TcpFlags.Ack | TcpFlags.Psh, payload: [1]));
        Assert.True(v.IsPermitted);
        Assert.Equal(0, h.Shim.Counters.Reauthorizations);
        Assert.DoesNotContain("ALE_AUTH_CONNECT_V4", h.Layers());
        Assert.Contains("OUTBOUND_TRANSPORT_V4", h.Layers());
    }

    [Fact]
    public void CommitAtTheOtherDirectionsAuthLayer_LeavesTheFlowAlone()
    {
        var h = Connected();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block));
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V6", FilterAction.Block));
        Assert.True(h.Send(Frames.TcpIn(TcpFlags.Ack, payload: [1])).IsPermitted);
        Assert.Equal(0, h.Shim.Counters.Reauthorizations);
    }

    [Fact]
    public void UnrelatedCommitThenARelatedOneBetweenTwoPackets_Reauthorizes()
    {
        var h = Connected();
        h.Engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Permit));
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(80))));
        h.Engine.AddFilter(FilterBuilder.At("INBOUND_IPPACKET_V4", FilterAction.Permit));
        var v = h.Send(Frames.TcpOut(TcpFlags.Ack));
        Assert.False(v.IsPermitted);
        Assert.Equal(block.FilterId, v.FilterId);
        Assert.Equal(1, h.Shim.Counters.Reauthorizations);
        Assert.True(h.Step("ALE_AUTH_CONNECT_V4").Reauthorization);
    }

    [Fact]
    public void UnrelatedCommit_KeepsABlockedFlowBlockedWithoutReauthorizing()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(53))));
        Assert.False(h.Send(Frames.UdpOut()).IsPermitted);
        h.Engine.AddFilter(FilterBuilder.At("DATAGRAM_DATA_V4", FilterAction.Permit));
        var v = h.Send(Frames.UdpOut());
        Assert.Equal(ShimReason.FlowBlocked, v.Reason);
        Assert.Equal(block.FilterId, v.FilterId);
        Assert.Equal(0, h.Shim.Counters.Reauthorizations);
        Assert.Empty(h.Layers());
    }

    [Fact]
    public void InboundFlow_IsReauthorizedByACommitAtRecvAcceptOnly()
    {
        var h = new ShimHarness();
        Assert.True(h.Send(Frames.UdpIn(sport: 5353, dport: 7000)).IsPermitted);
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block));
        Assert.True(h.Send(Frames.UdpIn(sport: 5353, dport: 7000)).IsPermitted);
        Assert.Equal(0, h.Shim.Counters.Reauthorizations);

        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(7000))));
        var v = h.Send(Frames.UdpIn(sport: 5353, dport: 7000));
        Assert.False(v.IsPermitted);
        Assert.Equal(1, h.Shim.Counters.Reauthorizations);
    }
}
