using System.Diagnostics;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Benchmarks;

/// <summary>
/// `--replay`: what <see cref="ReplayBenchmarks"/> replays — flows, verdicts, classifications per packet and per layer —
/// and rough Stopwatch timings of a pass from an empty flow table and of a pass with every flow already known.
/// Diagnostic; the benchmark numbers come from BenchmarkDotNet.
/// </summary>
public static class ReplayReport
{
    /// <summary>Prints the report; <paramref name="passes"/> timed passes of each kind (the median is printed).</summary>
    public static void Run(int passes)
    {
        var frames = ReplayData.Frames;
        long bytes = 0;
        foreach (var frame in frames)
        {
            bytes += frame.Length;
        }

        Console.WriteLine($"generated frames        {frames.Length:N0} ({bytes:N0} bytes, {ReplayData.Conversations:N0} conversations generated, {ReplayData.NanosecondsPerPacket / 1000} µs apart)");
        var (parseWall, parseCpu) = Median(passes, () => { }, ParseAll);
        Console.WriteLine($"parse only              {parseWall / frames.Length:F1} ns/packet wall, {parseCpu / frames.Length:F1} ns/packet process CPU time (medians of {passes})");
        Console.WriteLine();
        Report("1,000 filters (TrafficPolicy.Build(1, 1000))", ReplayData.Policy(), passes);
        Report("1,000 filters, every block made a permit", ReplayData.PermitPolicy(), passes);
        Report("no filters", new FilterEngine(), passes);

        var sampleEngine = ReplayData.SamplePolicy();
        var sample = ReplayData.SampleShim(sampleEngine);
        ReplayData.ReplaySample(sample);
        var c = sample.Counters;
        Console.WriteLine($"sample capture, replay-policy.json ({sampleEngine.Current.FilterCount} filters): {c.Packets} packets, {c.Flows} flows, " +
            $"{c.Permitted} permitted, {c.Blocked} blocked ({c.FlowBlockedDrops} as packets of blocked flows), {c.NotIp} not IP, " +
            $"{(double)c.Classifications / c.Packets:F2} classifications/packet");
    }

    private static void Report(string name, FilterEngine engine, int passes)
    {
        var frames = ReplayData.Frames;
        var shim = ReplayData.GeneratedShim(engine);
        var timestamps = ReplayData.Timestamps;
        var permitted = 0;
        var blockedAt = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < frames.Length; i++)
        {
            var verdict = shim.Process(frames[i], LinkType.Ethernet, timestamps[i]);
            if (verdict.IsPermitted)
            {
                permitted++;
            }
            else
            {
                var where = $"{verdict.Reason} at {LayerCatalog.ById(verdict.LayerId)?.ShortName ?? "-"}";
                blockedAt[where] = blockedAt.GetValueOrDefault(where) + 1;
            }
        }

        var c = shim.Counters;
        Console.WriteLine($"{name}: {engine.Current.FilterCount:N0} filters");
        Console.WriteLine($"  one pass from an empty flow table: {c.Packets:N0} packets, {c.Flows:N0} flows ({shim.ActiveFlows:N0} in the table after, {shim.FlowEvictions} evicted), " +
            $"{permitted:N0} permitted, {c.Blocked:N0} blocked ({c.FlowBlockedDrops:N0} as packets of blocked flows)");
        foreach (var (where, count) in blockedAt.OrderByDescending(p => p.Value))
        {
            Console.WriteLine($"    blocked: {where,-48} {count,9:N0}");
        }

        Console.WriteLine($"  classifications: {c.Classifications:N0} = {(double)c.Classifications / c.Packets:F3} per packet");

        // The same pass again with a trace, from an empty table, to count classifications per layer.
        shim.Reset();
        var trace = new ShimTrace();
        var perLayer = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < frames.Length; i++)
        {
            shim.Process(frames[i], LinkType.Ethernet, timestamps[i], 0, trace);
            foreach (var step in trace.Steps)
            {
                if (step.Classified)
                {
                    var layer = LayerCatalog.ById(step.LayerId)?.ShortName ?? step.LayerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    perLayer[layer] = perLayer.GetValueOrDefault(layer) + 1;
                }
            }
        }

        foreach (var (layer, count) in perLayer.OrderByDescending(p => p.Value))
        {
            Console.WriteLine($"    {layer,-32} {count,9:N0}  {(double)count / frames.Length:F3}/packet");
        }

        var (fresh, freshCpu) = Median(passes, shim.Reset, () => ReplayData.ReplayGenerated(shim));
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        shim.Reset();
        var resetAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        ReplayData.ReplayGenerated(shim);
        var passAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var (known, knownCpu) = Median(passes, () => { }, () => ReplayData.ReplayGenerated(shim));
        Console.WriteLine($"  medians of {passes} passes, wall (process CPU time): {fresh / frames.Length:F1} ({freshCpu / frames.Length:F1}) ns/packet from an empty flow table; " +
            $"{known / frames.Length:F1} ({knownCpu / frames.Length:F1}) ns/packet when every flow is already known (no new-flow ALE classifies)");
        Console.WriteLine($"  allocated during one pass: {passAllocated} bytes (Reset itself: {resetAllocated})");
        Console.WriteLine();
    }

    private static long ParseAll()
    {
        long sum = 0;
        foreach (var frame in ReplayData.Frames)
        {
            sum += (int)PacketParser.Parse(LinkType.Ethernet, frame, out var packet) + packet.Protocol;
        }

        return sum;
    }

    /// <summary>
    /// Median wall time and median process CPU time, in nanoseconds, of <paramref name="passes"/> runs of
    /// <paramref name="run"/>, each after an untimed <paramref name="setup"/>. On a shared machine the CPU time is
    /// the steadier of the two: it leaves out the time the thread waited for a CPU (not the cache misses neighbours cause).
    /// </summary>
    private static (double Wall, double Cpu) Median<T>(int passes, Action setup, Func<T> run)
    {
        setup();
        run();
        var wall = new double[passes];
        var cpu = new double[passes];
        for (var i = 0; i < passes; i++)
        {
            setup();
            var cpuStart = Environment.CpuUsage.TotalTime;
            var start = Stopwatch.GetTimestamp();
            run();
            wall[i] = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            cpu[i] = (Environment.CpuUsage.TotalTime - cpuStart).TotalNanoseconds;
        }

        Array.Sort(wall);
        Array.Sort(cpu);
        return (wall[passes / 2], cpu[passes / 2]);
    }
}
