using OpenWfp.Engine;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Pcap;
using OpenWfp.Shim;
using OpenWfp.Testing;
using OpenWfp.Wire;

namespace OpenWfp.Benchmarks;

/// <summary>
/// The traffic, policies and shims <see cref="ReplayBenchmarks"/> and <c>--replay</c> use: generated frames held in
/// memory with timestamps 10 µs apart, and the bundled sample capture with its replay policy. Built once per process.
/// </summary>
public static class ReplayData
{
    /// <summary>Frames replayed per invocation (the first this many of the generated traffic).</summary>
    public const int FrameCount = 200_000;

    /// <summary>Conversations generated; enough for <see cref="FrameCount"/> frames (about 8.3 frames each).</summary>
    public const int Conversations = 25_000;

    /// <summary>Time between consecutive frames: 100,000 packets per second of capture time, 2 s for the whole list.</summary>
    public const long NanosecondsPerPacket = 10_000;

    /// <summary>Flow table size: the run creates about 25,000 flows; at under a fifth full, no flow is evicted.</summary>
    public const int FlowCapacity = 1 << 17;

    /// <summary>Filters in the generated policy.</summary>
    public const int PolicyFilters = 1_000;

    /// <summary>Frames in the bundled capture (samples/README.md).</summary>
    public const int SampleFrames = 60;

    /// <summary>Independent shims the sample capture is replayed through per invocation, each from an empty flow table.</summary>
    public const int SampleCopies = 500;

    /// <summary>The bundled capture's local end (samples/README.md; the same as <c>wfp replay</c>'s default).</summary>
    public static readonly IReadOnlyList<string> SampleLocal = ["10.77.0.1/32", "fd77::1/128"];

    private const long StartNanoseconds = 1_000_000_000;

    private static readonly Lazy<(byte[][] Frames, long[] Timestamps)> Generated = new(Generate);
    private static readonly Lazy<SampleCapture> Sample = new(LoadSample);

    /// <summary><see cref="FrameCount"/> Ethernet frames from <c>TrafficGenerator.Generate(seed: 1, Conversations)</c>.</summary>
    public static byte[][] Frames => Generated.Value.Frames;

    /// <summary>Each frame's timestamp: <see cref="NanosecondsPerPacket"/> apart.</summary>
    public static long[] Timestamps => Generated.Value.Timestamps;

    /// <summary>The bundled capture, its frames copied out.</summary>
    public static SampleCapture SampleCapture => Sample.Value;

    /// <summary>The 1,000-filter policy: <c>TrafficPolicy.Build(seed: 1, 1000)</c>.</summary>
    public static FilterEngine Policy() => TrafficPolicy.Build(seed: 1, PolicyFilters);

    /// <summary>
    /// The 1,000-filter policy with every BLOCK filter turned into a PERMIT (same layers, sublayers, weights and
    /// conditions): no flow is blocked, so every packet meets and is classified at every layer that has filters.
    /// </summary>
    public static FilterEngine PermitPolicy()
    {
        var engine = Policy();
        using var txn = engine.BeginTransaction();
        foreach (var filter in engine.Current.Filters.Where(f => f.Action == FilterAction.Block).ToList())
        {
            txn.DeleteFilter(filter.FilterId);
            txn.AddFilter(filter with { Action = FilterAction.Permit, Key = Guid.NewGuid(), FilterId = 0, EffectiveWeight = 0 });
        }

        txn.Commit();
        return engine;
    }

    /// <summary>samples/replay-policy.json, loaded as <c>wfp replay</c> loads a native policy.</summary>
    public static FilterEngine SamplePolicy()
    {
        string text;
        using (var reader = new StreamReader(OpenResource("replay-policy.json")))
        {
            text = reader.ReadToEnd();
        }

        var engine = new FilterEngine();
        PolicyJsonReader.Read(text, "samples/replay-policy.json").ApplyTo(engine);
        return engine;
    }

    /// <summary>A shim over <paramref name="engine"/> for the generated traffic: its local networks and a table of <see cref="FlowCapacity"/>.</summary>
    public static PacketShim GeneratedShim(FilterEngine engine) => new(engine, new ShimOptions
    {
        LocalNetworks = LocalNetworks.Parse(TrafficGenerator.LocalNetworks),
        FlowCapacity = FlowCapacity,
    });

    /// <summary>A shim over <paramref name="engine"/> for the sample capture (its 60 frames make 13 flows).</summary>
    public static PacketShim SampleShim(FilterEngine engine) => new(engine, new ShimOptions
    {
        LocalNetworks = LocalNetworks.Parse(SampleLocal),
        FlowCapacity = 64,
    });

    /// <summary>Every generated frame through <paramref name="shim"/>, in order; returns the number permitted.</summary>
    public static int ReplayGenerated(PacketShim shim)
    {
        var frames = Frames;
        var timestamps = Timestamps;
        var permitted = 0;
        for (var i = 0; i < frames.Length; i++)
        {
            permitted += shim.Process(frames[i], LinkType.Ethernet, timestamps[i]).IsPermitted ? 1 : 0;
        }

        return permitted;
    }

    /// <summary>The sample capture through <paramref name="shim"/>, in order; returns the number permitted.</summary>
    public static int ReplaySample(PacketShim shim)
    {
        var capture = SampleCapture;
        var frames = capture.Frames;
        var permitted = 0;
        for (var i = 0; i < frames.Length; i++)
        {
            permitted += shim.Process(frames[i], capture.LinkTypes[i], capture.Timestamps[i]).IsPermitted ? 1 : 0;
        }

        return permitted;
    }

    private static (byte[][], long[]) Generate()
    {
        var all = TrafficGenerator.Generate(seed: 1, Conversations);
        if (all.Count < FrameCount)
        {
            throw new InvalidOperationException($"{Conversations} conversations made {all.Count} frames, fewer than {FrameCount}");
        }

        // The cut may end a few (at most 8) conversations early; they are simply unfinished flows.
        var frames = all.GetRange(0, FrameCount).ToArray();
        var timestamps = new long[FrameCount];
        for (var i = 0; i < timestamps.Length; i++)
        {
            timestamps[i] = StartNanoseconds + (i * NanosecondsPerPacket);
        }

        return (frames, timestamps);
    }

    private static SampleCapture LoadSample()
    {
        var frames = new List<byte[]>();
        var timestamps = new List<long>();
        var linkTypes = new List<LinkType>();
        using (var reader = new CaptureReader(OpenResource("sample-capture.pcapng")))
        {
            while (reader.TryReadNext(out var packet))
            {
                frames.Add(packet.Data.ToArray());
                timestamps.Add(packet.TimestampUnixNanoseconds);
                linkTypes.Add((LinkType)packet.LinkType);
            }
        }

        if (frames.Count != SampleFrames)
        {
            throw new InvalidOperationException($"samples/sample-capture.pcapng has {frames.Count} frames; the benchmark expects {SampleFrames}");
        }

        return new SampleCapture([.. frames], [.. timestamps], [.. linkTypes]);
    }

    private static Stream OpenResource(string name)
    {
        var assembly = typeof(ReplayData).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        return assembly.GetManifestResourceStream(resource)!;
    }
}

/// <summary>A capture held in memory.</summary>
/// <param name="Frames">The frames' bytes.</param>
/// <param name="Timestamps">Their timestamps, Unix nanoseconds.</param>
/// <param name="LinkTypes">Their link types.</param>
public sealed record SampleCapture(byte[][] Frames, long[] Timestamps, LinkType[] LinkTypes);
