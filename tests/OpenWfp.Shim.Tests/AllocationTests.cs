using OpenWfp.Testing;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// The hot path — parse, shim, classify, verdict — allocates nothing per packet. Run alone: a GC started by another
/// test's allocations can move this thread's allocation counter, so a measurement is repeated (up to 5 times) and
/// passes when one pass is exactly 0; a real per-packet allocation shows in every pass.
/// </summary>
[Collection(nameof(AllocationTests))]
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationTests
{
    [Fact]
    public void ParseShimClassify_ThousandFilterPolicy_AllocatesNothingPerPacket()
    {
        var engine = TrafficPolicy.Build(seed: 7, filterCount: 1_000);
        Assert.Equal(1_000, engine.Current.FilterCount);
        var frames = TrafficGenerator.Generate(seed: 7, conversations: 400);
        var shim = new PacketShim(engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(TrafficGenerator.LocalNetworks) });

        long now = 1;
        foreach (var frame in frames)
        {
            shim.Process(frame, LinkType.Ethernet, now += 1000);
        }

        var blocked = 0;
        var measured = new List<long>();
        for (var attempt = 0; attempt < 5 && (measured.Count == 0 || measured[^1] != 0); attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var pass = 0; pass < 5; pass++)
            {
                foreach (var frame in frames)
                {
                    blocked += shim.Process(frame, LinkType.Ethernet, now += 1000).IsPermitted ? 0 : 1;
                }
            }

            measured.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(measured[^1] == 0, $"bytes allocated per 5 passes, by attempt: {string.Join(", ", measured)}");

        // The run did real work: flows, classifications at several layers, and both verdicts.
        Assert.True(shim.Counters.Flows >= 400, $"flows {shim.Counters.Flows}");
        Assert.True(shim.Counters.Classifications > frames.Count, $"classifications {shim.Counters.Classifications}");
        Assert.InRange(blocked, 1, measured.Count * 5 * frames.Count - 1);
    }

    [Fact]
    public void Reassembly_AfterWarmUp_AllocatesNothingPerFragment()
    {
        var engine = new OpenWfp.Engine.FilterEngine();
        engine.AddFilter(OpenWfp.Testing.Policy.FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", OpenWfp.Engine.Model.FilterAction.Block,
            ("IP_LOCAL_PORT", OpenWfp.Engine.Values.FwpMatchType.Equal, OpenWfp.Engine.Values.FwpValue.FromUInt16(22))));
        var shim = new PacketShim(engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]) });
        var frames = new List<byte[]>();
        for (ushort id = 1; id <= 40; id++)
        {
            var tcp = OpenWfp.Testing.Packets.PacketBuilder.Tcp((ushort)(30000 + id), id % 2 == 0 ? (ushort)22 : (ushort)80, 1, 0, TcpFlags.Syn);
            for (var o = 0; o < tcp.Length; o += 8)
            {
                var end = Math.Min(o + 8, tcp.Length);
                frames.Add(OpenWfp.Testing.Packets.PacketBuilder.Ethernet(0x020000000001, 0x020000000009, EtherType.Ipv4,
                    OpenWfp.Testing.Packets.PacketBuilder.Ipv4(0xC0000209, 0x0A000001, IpProtocol.Tcp, tcp[o..end], id: id, moreFragments: end < tcp.Length, fragmentOffset: o)));
            }
        }

        long now = 1;
        foreach (var frame in frames)
        {
            shim.Process(frame, LinkType.Ethernet, now += 1000);
        }

        var measured = new List<long>();
        for (var attempt = 0; attempt < 5 && (measured.Count == 0 || measured[^1] != 0); attempt++)
        {
            // Past the reassembly timeout, so each pass reassembles every datagram afresh.
            now += (long)TimeSpan.FromMinutes(2).TotalNanoseconds;
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var frame in frames)
            {
                shim.Process(frame, LinkType.Ethernet, now += 1000);
            }

            measured.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(measured[^1] == 0, $"bytes allocated per pass, by attempt: {string.Join(", ", measured)}");
        Assert.True(shim.Counters.DatagramsReassembled >= 80, $"reassembled {shim.Counters.DatagramsReassembled}");
        Assert.True(shim.Counters.Blocked >= 40, $"blocked {shim.Counters.Blocked}");
    }

    [Fact]
    public void Tracing_AfterWarmUp_AllocatesNothingPerPacket()
    {
        var engine = TrafficPolicy.Build(seed: 8, filterCount: 200);
        var frames = TrafficGenerator.Generate(seed: 8, conversations: 100);
        var shim = new PacketShim(engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(TrafficGenerator.LocalNetworks) });
        var trace = new ShimTrace(recordValues: true);
        long now = 1;
        foreach (var frame in frames)
        {
            shim.Process(frame, LinkType.Ethernet, now += 1000, 0, trace);
        }

        var steps = 0;
        var measured = new List<long>();
        for (var attempt = 0; attempt < 5 && (measured.Count == 0 || measured[^1] != 0); attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var frame in frames)
            {
                shim.Process(frame, LinkType.Ethernet, now += 1000, 0, trace);
                steps += trace.Count;
            }

            measured.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(measured[^1] == 0, $"bytes allocated per pass, by attempt: {string.Join(", ", measured)}");
        Assert.True(steps > frames.Count);
    }
}
