using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Benchmarks;

/// <summary>
/// Replay (docs/BENCHMARKS.md): 200,000 generated frames held in memory, each invocation one pass over all of them, so every
/// time is <b>per packet</b>. <c>Parse</c> is <see cref="PacketParser.Parse"/> alone; the others are
/// <see cref="PacketShim.Process"/> — parse, layer mapping, ALE flow table and classify at each layer that has filters.
/// </summary>
/// <remarks>
/// <para>The shim is built once and <see cref="PacketShim.Reset"/> runs before every iteration (outside the timing),
/// so each measured pass starts from an empty flow table and sees the traffic's real mix: 24,270 new flows (one ALE
/// authorization each) among 200,000 packets, the rest packets of known flows. Without the reset, every pass after
/// the first would find all flows already authorized (or blocked) and skip ALE. The other way — generating enough
/// distinct traffic for every iteration — would need gigabytes of frames; the reset is exact, and costs a few
/// milliseconds outside the timing.</para>
/// <para>Timestamps advance 10 µs per packet (2 s per pass), well inside every idle timeout, so flows live and end as
/// in a real capture of that rate. The flow table holds 131,072 flows, so none is evicted.</para>
/// <para>Because of the per-iteration reset, an iteration is one invocation (<see cref="ReplayConfig"/>).</para>
/// </remarks>
[Config(typeof(ReplayConfig))]
public class ReplayBenchmarks
{
    private const int SamplePackets = ReplayData.SampleCopies * ReplayData.SampleFrames;

    /// <summary>Passes over the frames per <see cref="Parse"/> invocation, so that an iteration lasts about 50 ms rather than 10.</summary>
    private const int ParsePasses = 5;

    private byte[][] _frames = null!;
    private PacketShim? _shim;
    private PacketShim[] _sampleShims = [];

    /// <summary>The frames (the other generated-traffic setups call this too).</summary>
    [GlobalSetup(Target = nameof(Parse))]
    public void SetupParse() => _frames = ReplayData.Frames;

    /// <summary>The frames and a shim over the 1,000-filter policy.</summary>
    [GlobalSetup(Target = nameof(ParseShimClassify_1000Filters))]
    public void SetupPolicy()
    {
        SetupParse();
        var engine = ReplayData.Policy();
        if (engine.Current.FilterCount != ReplayData.PolicyFilters)
        {
            throw new InvalidOperationException($"the policy has {engine.Current.FilterCount} filters");
        }

        _shim = ReplayData.GeneratedShim(engine);
    }

    /// <summary>The frames and a shim over the 1,000-filter policy with its blocks turned into permits.</summary>
    [GlobalSetup(Target = nameof(ParseShimClassify_1000Filters_AllPermit))]
    public void SetupPermitPolicy()
    {
        SetupParse();
        var engine = ReplayData.PermitPolicy();
        if (engine.Current.FilterCount != ReplayData.PolicyFilters)
        {
            throw new InvalidOperationException($"the policy has {engine.Current.FilterCount} filters");
        }

        _shim = ReplayData.GeneratedShim(engine);
    }

    /// <summary>The frames and a shim over an engine with no filters.</summary>
    [GlobalSetup(Target = nameof(ParseShimClassify_NoFilters))]
    public void SetupNoFilters()
    {
        SetupParse();
        _shim = ReplayData.GeneratedShim(new FilterEngine());
    }

    /// <summary><see cref="ReplayData.SampleCopies"/> shims over samples/replay-policy.json.</summary>
    [GlobalSetup(Target = nameof(ParseShimClassify_SampleCapture_ReplayPolicy))]
    public void SetupSample()
    {
        var engine = ReplayData.SamplePolicy();
        _ = ReplayData.SampleCapture;
        _sampleShims = new PacketShim[ReplayData.SampleCopies];
        for (var i = 0; i < _sampleShims.Length; i++)
        {
            _sampleShims[i] = ReplayData.SampleShim(engine);
        }
    }

    /// <summary>Empties the flow tables before each iteration (not timed), so each pass starts every flow afresh.</summary>
    [IterationSetup(Targets = [nameof(ParseShimClassify_1000Filters), nameof(ParseShimClassify_1000Filters_AllPermit), nameof(ParseShimClassify_NoFilters), nameof(ParseShimClassify_SampleCapture_ReplayPolicy)])]
    public void ResetFlows()
    {
        _shim?.Reset();
        foreach (var shim in _sampleShims)
        {
            shim.Reset();
        }
    }

    /// <summary>Parse alone, <see cref="ParsePasses"/> passes over the frames; returns a checksum so nothing is dead code.</summary>
    [Benchmark(OperationsPerInvoke = ParsePasses * ReplayData.FrameCount)]
    public long Parse()
    {
        long sum = 0;
        var frames = _frames;
        for (var pass = 0; pass < ParsePasses; pass++)
        {
            for (var i = 0; i < frames.Length; i++)
            {
                var status = PacketParser.Parse(LinkType.Ethernet, frames[i], out var packet);
                sum += (int)status + packet.Protocol + packet.DestinationPort;
            }
        }

        return sum;
    }

    /// <summary>Parse, shim and classify against <c>TrafficPolicy.Build(1, 1000)</c>; returns the packets permitted.</summary>
    [Benchmark(OperationsPerInvoke = ReplayData.FrameCount)]
    public int ParseShimClassify_1000Filters() => ReplayData.ReplayGenerated(_shim!);

    /// <summary>
    /// The same 1,000 filters with every block made a permit: nothing is dropped early, so every packet is classified
    /// at each of its layers that has filters (about 3.5 per packet instead of 1). A heavier, less flattering mix.
    /// </summary>
    [Benchmark(OperationsPerInvoke = ReplayData.FrameCount)]
    public int ParseShimClassify_1000Filters_AllPermit() => ReplayData.ReplayGenerated(_shim!);

    /// <summary>The same with no filters: every layer is passed without classifying.</summary>
    [Benchmark(OperationsPerInvoke = ReplayData.FrameCount)]
    public int ParseShimClassify_NoFilters() => ReplayData.ReplayGenerated(_shim!);

    /// <summary>
    /// The bundled 60-frame capture against samples/replay-policy.json, through <see cref="ReplayData.SampleCopies"/>
    /// shims that each start with an empty flow table (one capture replayed 500 times from scratch).
    /// </summary>
    [Benchmark(OperationsPerInvoke = SamplePackets)]
    public int ParseShimClassify_SampleCapture_ReplayPolicy()
    {
        var permitted = 0;
        foreach (var shim in _sampleShims)
        {
            permitted += ReplayData.ReplaySample(shim);
        }

        return permitted;
    }
}
