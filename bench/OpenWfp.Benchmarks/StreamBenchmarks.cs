using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Shim;
using OpenWfp.Testing.Packets;
using OpenWfp.Testing.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Benchmarks;

/// <summary>
/// STREAM (docs/SHIM.md, "Stream"): one TCP connection's in-order 1,448-byte segments through <see cref="PacketShim.Process"/>,
/// with no filter at STREAM (each segment passes the layer untouched) and with a no-op callout there (each segment
/// is reassembled and indicated as stream data). Times are per segment; MB/s is 1,448 bytes over that time.
/// </summary>
/// <remarks>Each invocation starts with a SYN, which restarts the stream, then sends <see cref="Segments"/> segments.</remarks>
[Config(typeof(ShortInProcessConfig))]
public class StreamBenchmarks
{
    /// <summary>Segments per invocation.</summary>
    public const int Segments = 2_000;

    private const int SegmentBytes = 1448;

    private byte[][] _frames = [];
    private PacketShim _shim = null!;
    private long _now;

    /// <summary>A shim whose STREAM_V4 has no filter.</summary>
    [GlobalSetup(Target = nameof(Stream_NoFilters))]
    public void SetupNoFilters() => Setup(withCallout: false);

    /// <summary>A shim whose STREAM_V4 has a callout that permits everything.</summary>
    [GlobalSetup(Target = nameof(Stream_NoOpCallout))]
    public void SetupCallout() => Setup(withCallout: true);

    /// <summary>Segments through a STREAM layer without filters.</summary>
    [Benchmark(OperationsPerInvoke = Segments + 1)]
    public int Stream_NoFilters() => Run();

    /// <summary>Segments reassembled and indicated to a no-op STREAM callout.</summary>
    [Benchmark(OperationsPerInvoke = Segments + 1)]
    public int Stream_NoOpCallout() => Run();

    private int Run()
    {
        var permitted = 0;
        foreach (var frame in _frames)
        {
            permitted += _shim.Process(frame, LinkType.Ethernet, _now += 1000).IsPermitted ? 1 : 0;
        }

        return permitted;
    }

    private void Setup(bool withCallout)
    {
        var engine = new FilterEngine();
        if (withCallout)
        {
            var layer = LayerCatalog.Layer("STREAM_V4");
            var key = engine.AddCallout(new CalloutSpec { DisplayData = new("no-op"), ApplicableLayer = layer.Key }).Key;
            engine.Callouts.Register(key, new PermitCallout());
            engine.AddFilter(FilterBuilder.At("STREAM_V4", FilterAction.Callout(ActionType.CalloutTerminating, key)));
        }

        _shim = new PacketShim(engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24"]) });
        const uint isn = 1000;
        var payload = new byte[SegmentBytes];
        new Random(1448).NextBytes(payload);
        var frames = new List<byte[]> { Frame(isn, TcpFlags.Syn, []) };
        for (var i = 0; i < Segments; i++)
        {
            frames.Add(Frame(isn + 1 + (uint)(i * SegmentBytes), TcpFlags.Ack, payload));
        }

        _frames = [.. frames];
        _now = 1;
        Run();
    }

    private static byte[] Frame(uint seq, TcpFlags flags, byte[] payload) =>
        PacketBuilder.Ethernet(0x0200_0000_0009, 0x0200_0000_0001, EtherType.Ipv4,
            PacketBuilder.Ipv4(0x0A00_0001, 0xC000_0209, IpProtocol.Tcp, PacketBuilder.Tcp(40000, 80, seq, 1, flags, payload)));

    private sealed class PermitCallout : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut) => classifyOut.ActionType = ActionType.Permit;
    }
}
