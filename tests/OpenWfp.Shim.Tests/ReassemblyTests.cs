using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// Fragments are reassembled before the transport and ALE layers (docs/SHIM.md, "Fragments"), so the classic evasions
/// — a transport header cut into tiny fragments, fragments out of order, an overlapping fragment rewriting ports —
/// meet the filters on the whole header, or not at all.
/// </summary>
public sealed class ReassemblyTests
{
    private static readonly FwpValue Ssh = FwpValue.FromUInt16(22);

    /// <summary>A harness that blocks inbound connections to port 22 at ALE_AUTH_RECV_ACCEPT_V4 and V6.</summary>
    private static (ShimHarness H, ulong FilterId) BlockSsh(ShimOptions? options = null)
    {
        var h = new ShimHarness(options ?? new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24", "fd00::/64"]) });
        var f = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, Ssh)));
        h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V6", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, Ssh)));
        return (h, f.FilterId);
    }

    private static byte[] Syn(ushort dport) => PacketBuilder.Tcp(50000, dport, 1000, 0, TcpFlags.Syn);

    /// <summary>An inbound IPv4 fragment from the peer: <paramref name="data"/> at <paramref name="offset"/>.</summary>
    private static byte[] In4(byte[] data, int offset, bool more, ushort id = 9, byte protocol = IpProtocol.Tcp) =>
        PacketBuilder.Ethernet(Frames.LocalMac, Frames.PeerMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Peer4, Frames.Local4, protocol, data, id: id, moreFragments: more, fragmentOffset: offset));

    /// <summary>Cuts <paramref name="transport"/> into inbound IPv4 fragments of <paramref name="size"/> bytes.</summary>
    private static List<byte[]> Cut4(byte[] transport, int size, ushort id = 9)
    {
        var list = new List<byte[]>();
        for (var o = 0; o < transport.Length; o += size)
        {
            var end = Math.Min(o + size, transport.Length);
            list.Add(In4(transport[o..end], o, end < transport.Length, id));
        }

        return list;
    }

    [Fact]
    public void TinyFragments_SplittingTheTcpHeader_AreClassifiedOnTheWholeHeader()
    {
        var (h, filterId) = BlockSsh();
        var fragments = Cut4(Syn(22), 8);
        Assert.Equal(3, fragments.Count);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(fragments[0]).Reason);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(fragments[1]).Reason);
        Assert.DoesNotContain("ALE_AUTH_RECV_ACCEPT_V4", h.Layers());
        var v = h.Send(fragments[2]);
        Assert.False(v.IsPermitted);
        Assert.True(v.FlowBlocked);
        Assert.Equal(filterId, v.FilterId);
        Assert.Equal(TcpFlags.Syn, v.TcpFlags);
        Assert.Equal(22, v.Tuple.LocalPort);
        Assert.Equal(22UL, h.Value("ALE_AUTH_RECV_ACCEPT_V4", "IP_LOCAL_PORT").RawUInt64);
        Assert.Equal((ulong)ConditionFlags.IsReassembled, h.Value("INBOUND_TRANSPORT_V4", "FLAGS").RawUInt64);
        Assert.Equal((ulong)ConditionFlags.IsFragment, h.Value("INBOUND_IPPACKET_V4", "FLAGS").RawUInt64);
        Assert.Equal(1, h.Shim.Counters.DatagramsReassembled);
        Assert.Equal(2, h.Shim.Counters.FragmentsHeld);
        Assert.Equal(0, h.Shim.PendingDatagrams);

        // The same datagram sent again meets its recorded fate; a SYN to another port in tiny fragments passes.
        Assert.Equal(ShimReason.FragmentOfBlocked, h.Send(fragments[0]).Reason);
        var web = Cut4(Syn(80), 8, id: 10);
        h.Send(web[0]);
        h.Send(web[1]);
        var permitted = h.Send(web[2]);
        Assert.True(permitted.IsPermitted);
        Assert.Equal(80, permitted.Tuple.LocalPort);
        Assert.NotEqual(0UL, permitted.FlowId);
    }

    [Fact]
    public void OutOfOrderFragments_CompleteOnWhicheverArrivesLast()
    {
        var (h, filterId) = BlockSsh();
        var fragments = Cut4(Syn(22), 8);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(fragments[2]).Reason);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(fragments[0]).Reason);
        var v = h.Send(fragments[1]);
        Assert.False(v.IsPermitted);
        Assert.Equal(filterId, v.FilterId);
        Assert.Equal(ShimReason.Classified, v.Reason);
    }

    [Fact]
    public void OverlappingFragmentRewritingThePort_DropsTheWholeDatagram()
    {
        var (h, _) = BlockSsh();
        var allowed = Syn(80);
        var evil = Syn(22);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(In4(allowed[..16], 0, more: true)).Reason);

        // Same offset, different destination port: the classic rewrite. The whole datagram is abandoned.
        var rewrite = h.Send(In4(evil[..8], 0, more: true));
        Assert.False(rewrite.IsPermitted);
        Assert.Equal(ShimReason.FragmentOverlap, rewrite.Reason);

        var last = h.Send(In4(allowed[16..], 16, more: false));
        Assert.False(last.IsPermitted);
        Assert.Equal(ShimReason.FragmentOverlap, last.Reason);
        Assert.DoesNotContain("INBOUND_TRANSPORT_V4", h.Layers());
        Assert.Equal(0, h.Shim.Counters.Flows);
        Assert.Equal(2, h.Shim.Counters.FragmentsDropped);
    }

    [Fact]
    public void IdenticalDuplicateFragment_IsAcceptedAndChangesNothing()
    {
        var (h, _) = BlockSsh();
        var syn = Syn(80);
        h.Send(In4(syn[..16], 0, more: true));
        Assert.Equal(ShimReason.FragmentHeld, h.Send(In4(syn[8..16], 8, more: true)).Reason);
        var v = h.Send(In4(syn[16..], 16, more: false));
        Assert.True(v.IsPermitted);
        Assert.Equal(80, v.Tuple.LocalPort);
        Assert.Equal(0, h.Shim.Counters.FragmentsDropped);
    }

    [Fact]
    public void AfterAPermittedDatagram_ARewrittenFirstFragmentStartsANewDatagramClassifiedOnItsOwn()
    {
        var (h, filterId) = BlockSsh();
        var allowed = Cut4(Syn(80), 8);
        h.Send(allowed[0]);
        h.Send(allowed[1]);
        Assert.True(h.Send(allowed[2]).IsPermitted);

        var evil = Syn(22);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(In4(evil[..8], 0, more: true)).Reason);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(allowed[1]).Reason);
        var v = h.Send(allowed[2]);
        Assert.False(v.IsPermitted);
        Assert.Equal(filterId, v.FilterId);
    }

    [Fact]
    public void MissingLastFragment_NeverReachesTheTransportLayer_AndIsForgottenAfterTheTimeout()
    {
        var (h, _) = BlockSsh(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), ReassemblyTimeout = TimeSpan.FromSeconds(30) });
        var fragments = Cut4(Syn(22), 8);
        Assert.True(h.Send(fragments[0]).IsPermitted);
        Assert.True(h.Send(fragments[1]).IsPermitted);
        Assert.Equal(0, h.Shim.Counters.Flows);
        Assert.Equal(1, h.Shim.PendingDatagrams);

        h.Now += (long)TimeSpan.FromSeconds(31).TotalNanoseconds;
        Assert.Equal(ShimReason.FragmentHeld, h.Send(Cut4(Syn(80), 8, id: 11)[0]).Reason);
        Assert.Equal(1, h.Shim.PendingDatagrams);

        // The expired datagram's last fragment now starts a datagram of its own, which cannot complete.
        Assert.Equal(ShimReason.FragmentHeld, h.Send(fragments[2]).Reason);
        Assert.Equal(0, h.Shim.Counters.DatagramsReassembled);
    }

    [Fact]
    public void TableFull_AbandonsTheOldestDatagramAndDropsItsLaterFragments()
    {
        var (h, _) = BlockSsh(new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]), ReassemblyMaxDatagrams = 2 });
        var first = Cut4(Syn(80), 8, id: 1);
        h.Send(first[0]);
        h.Send(Cut4(Syn(80), 8, id: 2)[0]);
        h.Send(Cut4(Syn(80), 8, id: 3)[0]);
        Assert.Equal(2, h.Shim.PendingDatagrams);
        var late = h.Send(first[1]);
        Assert.False(late.IsPermitted);
        Assert.Equal(ShimReason.FragmentInvalid, late.Reason);
    }

    [Theory]
    [InlineData(5, true)] // a non-last fragment whose length is not a multiple of 8
    [InlineData(0, true)] // an empty non-last fragment
    public void MalformedFragment_DropsItsDatagram(int length, bool more)
    {
        var (h, _) = BlockSsh();
        var syn = Syn(80);
        h.Send(In4(syn[..8], 0, more: true));
        var bad = h.Send(In4(syn[8..(8 + length)], 8, more));
        Assert.Equal(ShimReason.FragmentInvalid, bad.Reason);
        Assert.False(bad.IsPermitted);
        Assert.Equal(ShimReason.FragmentInvalid, h.Send(In4(syn[16..], 16, more: false)).Reason);
    }

    [Fact]
    public void LastFragmentsDisagreeingOnTheEnd_DropTheDatagram()
    {
        var (h, _) = BlockSsh();
        var syn = Syn(80);
        h.Send(In4(syn[16..], 16, more: false));
        var v = h.Send(In4(syn[8..16], 8, more: false));
        Assert.Equal(ShimReason.FragmentInvalid, v.Reason);
    }

    [Fact]
    public void FragmentBeyondTheLargestDatagram_IsInvalid()
    {
        var (h, _) = BlockSsh();
        var v = h.Send(In4(new byte[16], 65_528, more: false));
        Assert.Equal(ShimReason.FragmentInvalid, v.Reason);
    }

    [Fact]
    public void Ipv6TinyFragments_BehindAHopByHopHeader_AreReassembledAndClassified()
    {
        var (h, _) = BlockSsh();
        var syn = PacketBuilder.Tcp(50000, 22, 7, 0, TcpFlags.Syn);
        var frames = new List<byte[]>();
        for (var o = 0; o < syn.Length; o += 8)
        {
            var end = Math.Min(o + 8, syn.Length);
            frames.Add(PacketBuilder.Ethernet(Frames.LocalMac, Frames.PeerMac, EtherType.Ipv6,
                PacketBuilder.Ipv6(Frames.Peer6, Frames.Local6, IpProtocol.Tcp, syn[o..end], 64,
                    ExtensionHeader.HopByHop(), ExtensionHeader.Fragment(0xABCD, o, end < syn.Length))));
        }

        Assert.Equal(ShimReason.FragmentHeld, h.Send(frames[1]).Reason);
        Assert.Equal(ShimReason.FragmentHeld, h.Send(frames[2]).Reason);
        var v = h.Send(frames[0]);
        Assert.False(v.IsPermitted);
        Assert.True(v.FlowBlocked);
        Assert.Equal(6, v.Tuple.IpVersion);
        Assert.Equal(22, v.Tuple.LocalPort);
        Assert.Equal((ulong)IpProtocol.Tcp, h.Value("INBOUND_TRANSPORT_V6", "IP_PROTOCOL").RawUInt64);
    }

    [Fact]
    public void OutboundFragments_MeetTheIpLayersEach_AndTheConnectLayerOnce()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, Ssh)));
        var syn = PacketBuilder.Tcp(40000, 22, 1, 0, TcpFlags.Syn);
        byte[] Out(int o, int end) => PacketBuilder.Ethernet(Frames.PeerMac, Frames.LocalMac, EtherType.Ipv4,
            PacketBuilder.Ipv4(Frames.Local4, Frames.Peer4, IpProtocol.Tcp, syn[o..end], id: 3, moreFragments: end < syn.Length, fragmentOffset: o));
        Assert.True(h.Send(Out(0, 8)).IsPermitted);
        Assert.Equal(["OUTBOUND_IPPACKET_V4", "OUTBOUND_MAC_FRAME_ETHERNET"], h.Layers());
        var v = h.Send(Out(8, 20));
        Assert.False(v.IsPermitted);
        Assert.Equal(block.FilterId, v.FilterId);
        Assert.Equal(TrafficDirection.Outbound, v.Direction);
        Assert.Equal(0UL, h.Value("ALE_AUTH_CONNECT_V4", "FLAGS").RawUInt64);
    }

    [Fact]
    public void FragmentBlockedAtTheIpLayer_DropsTheRestOfItsDatagram()
    {
        var h = new ShimHarness();
        var block = h.Engine.AddFilter(FilterBuilder.At("INBOUND_IPPACKET_V4", FilterAction.Block, ("FLAGS", FwpMatchType.FlagsAllSet, FwpValue.FromUInt32((uint)ConditionFlags.IsFragment))));
        var fragments = Cut4(Syn(80), 8);
        var first = h.Send(fragments[0]);
        Assert.False(first.IsPermitted);
        Assert.Equal(ShimReason.Classified, first.Reason);
        var v = h.Send(fragments[2]);
        Assert.Equal(block.FilterId, v.FilterId);
        Assert.False(v.IsPermitted);
        Assert.Equal(0, h.Shim.PendingDatagrams);
    }
}
