using System.Buffers.Binary;
using System.Diagnostics;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

public sealed class StreamStressTests
{
    private const int TcpOffset = 14 + 20;

    [Fact]
    public void MillionMutatedSegments_StayInsideTheBounds_WithoutException()
    {
        var options = new ShimOptions
        {
            LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]),
            StreamMaxBytesPerDirection = 16 * 1024,
            StreamMaxBytesTotal = 256 * 1024,
        };
        var h = new StreamHarness(options);
        h.Callout.Record = false;
        var rng = new Random(20261203);
        var templates = new List<(byte[] Frame, int Key, int Length)>();
        for (var i = 0; i < 512; i++)
        {
            var payload = new byte[rng.Next(0, 1461)];
            rng.NextBytes(payload);
            var port = rng.Next(40);
            var outbound = rng.Next(2) == 0;
            templates.Add((outbound
                ? Frames.Out4(PacketBuilder.Tcp((ushort)(40000 + port), 80, 0, 0, TcpFlags.Ack, payload), IpProtocol.Tcp)
                : Frames.In4(PacketBuilder.Tcp(80, (ushort)(40000 + port), 0, 0, TcpFlags.Ack, payload), IpProtocol.Tcp), outbound ? port : 40 + port, payload.Length));
        }

        var bases = new uint[80];
        var kept = 0L;
        var clock = Stopwatch.StartNew();
        const int Segments = 1_000_000;
        long maxReserved = 0;
        for (var i = 0; i < Segments; i++)
        {
            var (frame, key, length) = templates[rng.Next(templates.Count)];

            // A reset connection stays blocked while its packets keep coming: every 10,000 segments the ports move on.
            if (i % 10_000 == 0)
            {
                Array.Clear(bases);
            }

            var port = (ushort)(40000 + ((i / 10_000) * 40) + (key % 40));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(TcpOffset + (key < 40 ? 0 : 2)), port);
            var roll = rng.Next(1000);
            var flags = roll switch
            {
                < 3 => TcpFlags.Syn,
                < 6 => TcpFlags.Fin | TcpFlags.Ack,
                < 8 => TcpFlags.Rst,
                < 300 => TcpFlags.Ack | TcpFlags.Psh,
                _ => TcpFlags.Ack,
            };

            // Mostly near the expected byte (in order, overlaps, small gaps), sometimes anywhere (huge gaps, wrap).
            var seq = roll < 700 ? bases[key] : roll < 950 ? bases[key] + (uint)rng.Next(-2000, 4000) : (uint)rng.NextInt64(uint.MaxValue);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(TcpOffset + 4), seq);
            frame[TcpOffset + 13] = (byte)flags;
            h.Now += 1000;
            h.Shim.Process(frame, LinkType.Ethernet, h.Now, 0, null, TrafficDirection.Unknown, (ulong)i);
            if (roll < 950 && (int)(seq + (uint)length - bases[key]) > 0)
            {
                bases[key] = seq + (uint)length;
            }

            if ((i & 1023) == 0)
            {
                maxReserved = Math.Max(maxReserved, h.Shim.StreamBytesReserved);
                Assert.InRange(h.Shim.StreamBytesReserved, 0, options.StreamMaxBytesTotal);
                Assert.InRange(h.Shim.StreamBytesKept, 0, h.Shim.StreamBytesReserved);
                kept = Math.Max(kept, h.Shim.StreamBytesKept);
            }
        }

        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"took {clock.Elapsed}");
        var counters = h.Shim.Counters;
        Assert.Equal(Segments, counters.Packets);
        Assert.True(counters.StreamIndications > 10_000, $"indications {counters.StreamIndications}, ooo {counters.StreamOutOfOrder}, retrans {counters.StreamRetransmittedBytes}, resets {counters.StreamBufferResets}, blockeddrops {counters.FlowBlockedDrops}, flows {counters.Flows}, held {counters.Held}, blocked {counters.Blocked}, classif {counters.Classifications}");
        Assert.True(counters.StreamOutOfOrder > 1_000, $"out of order {counters.StreamOutOfOrder}");
        Assert.True(counters.StreamOverlapConflicts > 100, $"conflicts {counters.StreamOverlapConflicts}");
        Assert.True(counters.StreamBufferResets > 0, $"resets {counters.StreamBufferResets}");
        Assert.True(maxReserved > 0 && kept > 0, $"reserved {maxReserved}, kept {kept}");
    }

    [Fact]
    public void WarmReassemblyAndStreamCallout_AllocateNothingPerPacket()
    {
        var h = new StreamHarness();
        h.Callout.Record = false;
        h.Handshake(1000, 5000);
        var frames = new List<byte[]>();
        var payload = new byte[100];
        uint seq = 1001;
        for (var i = 0; i < 4000; i += 2)
        {
            var a = StreamHarness.Out(seq, 5001, TcpFlags.Ack, payload);
            var b = StreamHarness.Out(seq + 100, 5001, TcpFlags.Ack, payload);
            // Every fifth pair arrives reordered: the second one is kept in a ring until the first fills the gap.
            if (i % 10 == 0)
            {
                frames.Add(b);
                frames.Add(a);
            }
            else
            {
                frames.Add(a);
                frames.Add(b);
            }

            seq += 200;
        }

        for (var i = 0; i < 1000; i++)
        {
            h.Send(frames[i]);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1000; i < frames.Count; i++)
        {
            h.Now += 1000;
            h.Shim.Process(frames[i], LinkType.Ethernet, h.Now);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(h.Shim.Counters.StreamOutOfOrder >= 300, $"out of order {h.Shim.Counters.StreamOutOfOrder}");
        Assert.True(h.Shim.Counters.StreamIndications >= 3000, $"indications {h.Shim.Counters.StreamIndications}");
    }
}
