using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// The verdict carries the packet's tuple as the shim oriented it and the flow's owner, so that a live data plane
/// needs neither a second parse nor a second owner lookup for its net events and socket aborts.
/// </summary>
public sealed class VerdictTupleTests
{
    [Fact]
    public void OutboundTcp_TupleIsLocalToRemote_WithTheTcpFlags()
    {
        var h = new ShimHarness();

        var v = h.Send(Frames.TcpOut(TcpFlags.Syn, sport: 40001, dport: 443));

        Assert.Equal(new FlowTuple(4, 6, Frames.Local4, 40001, Frames.Peer4, 443, Outbound: true), v.Tuple);
        Assert.Equal(TcpFlags.Syn, v.TcpFlags);
    }

    [Fact]
    public void InboundUdp_TupleIsOrientedToThisHost()
    {
        var h = new ShimHarness();

        var v = h.Send(Frames.UdpIn(sport: 53, dport: 50001));

        Assert.Equal(TrafficDirection.Inbound, v.Direction);
        Assert.Equal(new FlowTuple(4, 17, Frames.Local4, 50001, Frames.Peer4, 53, Outbound: false), v.Tuple);
        Assert.Equal(TcpFlags.None, v.TcpFlags);
    }

    [Fact]
    public void Ipv6_TupleHoldsTheWholeAddresses()
    {
        var h = new ShimHarness();

        var v = h.Send(Frames.Out6(PacketBuilder.Udp(50002, 53, [1, 2, 3]), IpProtocol.Udp));

        Assert.Equal(new FlowTuple(6, 17, Frames.Local6, 50002, Frames.Peer6, 53, Outbound: true), v.Tuple);
    }

    [Fact]
    public void Loopback_BlockedOnTheSendingSide_IsOrientedAsSent_PermittedIsOrientedAsReceived()
    {
        var h = new ShimHarness();
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(9))));

        var blocked = h.Shim.Process(Frames.UdpOut(sport: 50003, dport: 9), LinkType.Ethernet, h.Now += 1000, 0, null, TrafficDirection.Loopback);
        var passed = h.Shim.Process(Frames.UdpOut(sport: 50004, dport: 10), LinkType.Ethernet, h.Now += 1000, 0, null, TrafficDirection.Loopback);

        Assert.Equal(ActionType.Block, blocked.Action);
        Assert.Equal(new FlowTuple(4, 17, Frames.Local4, 50003, Frames.Peer4, 9, Outbound: true), blocked.Tuple);
        Assert.True(passed.IsPermitted);
        Assert.Equal(new FlowTuple(4, 17, Frames.Peer4, 10, Frames.Local4, 50004, Outbound: false), passed.Tuple);
    }

    [Fact]
    public void UnparsedFrame_HasNoTuple()
    {
        var h = new ShimHarness();

        var v = h.Send([0x45, 0, 0]);

        Assert.Equal(ShimReason.Unparsed, v.Reason);
        Assert.Equal(default, v.Tuple);
        Assert.Equal(0, v.Tuple.IpVersion);
    }

    [Fact]
    public void Owner_FoundForANewFlow_TravelsWithEveryLaterPacketOfIt_WithoutAnotherLookup()
    {
        var source = new CountingOwners();
        var h = new ShimHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), FlowOwners = source });
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("ALE_APP_ID", FwpMatchType.Equal, AppId.ValueFromPath("/usr/bin/other"))));

        var first = h.Send(Frames.UdpOut(sport: 50005));
        var second = h.Send(Frames.UdpOut(sport: 50005));
        var reply = h.Send(Frames.UdpIn(dport: 50005));

        Assert.Equal(1, source.Calls);
        Assert.Equal(new FlowTuple(4, 17, Frames.Local4, 50005, Frames.Peer4, 53, Outbound: true), source.Asked);
        foreach (var v in new[] { first, second, reply })
        {
            Assert.True(v.OwnerLookedUp);
            Assert.Equal(42UL, v.Owner.ProcessId);
            Assert.Equal(CountingOwners.App, v.Owner.AppId);
            Assert.Equal(Sid.Parse("S-1-22-1-1000"), v.Owner.Token?.User);
        }
    }

    [Fact]
    public void Owner_NotNeededByAnyFilter_IsNotLookedUp_AndTheVerdictSaysSo()
    {
        var source = new CountingOwners();
        var h = new ShimHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), FlowOwners = source });
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(9))));

        var v = h.Send(Frames.UdpOut(sport: 50006, dport: 9));

        Assert.Equal(0, source.Calls);
        Assert.False(v.OwnerLookedUp);
        Assert.Equal(default, v.Owner);
    }

    [Fact]
    public void Owner_OfABlockedFlow_ComesWithItsLaterDrops()
    {
        var source = new CountingOwners();
        var h = new ShimHarness(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), FlowOwners = source });
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("ALE_APP_ID", FwpMatchType.Equal, CountingOwners.App)));

        var blocked = h.Send(Frames.UdpOut(sport: 50007));
        var again = h.Send(Frames.UdpOut(sport: 50007));

        Assert.Equal(ActionType.Block, blocked.Action);
        Assert.Equal(ShimReason.FlowBlocked, again.Reason);
        Assert.Equal(1, source.Calls);
        Assert.True(again.OwnerLookedUp);
        Assert.Equal(42UL, again.Owner.ProcessId);
    }

    private sealed class CountingOwners : IFlowOwnerSource
    {
        public static readonly FwpValue App = AppId.ValueFromPath("/usr/bin/curl");

        public int Calls { get; private set; }

        public FlowTuple Asked { get; private set; }

        public bool TryResolve(in FlowTuple flow, out FlowOwner owner)
        {
            Calls++;
            Asked = flow;
            owner = new FlowOwner(App, FwpToken.ForUnixIdentity(1000, [1000]), 42);
            return true;
        }
    }
}
