using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Benchmarks;

/// <summary>Engine classify at ALE_AUTH_CONNECT_V4 over 1024 pre-built inputs (hits and misses); time is per classify.</summary>
[Config(typeof(ShortInProcessConfig))]
public class ClassifyBenchmarks
{
    /// <summary>Inputs per invocation.</summary>
    public const int InputCount = 1024;

    private FilterEngine _engine = null!;
    private FwpValue[][] _inputs = null!;
    private LayerInfo _layer = null!;

    /// <summary>Filters in the policy.</summary>
    [Params(10, 1000, 100000)]
    public int Filters { get; set; }

    /// <summary>Builds the policy and the inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var factory = new PolicyFactory(Filters);
        _engine = factory.BuildEngine();
        _inputs = factory.Inputs(InputCount);
        _layer = PolicyFactory.Layer;
    }

    /// <summary>One classify per input; returns a checksum so nothing is dead code.</summary>
    [Benchmark(OperationsPerInvoke = InputCount)]
    public ulong Classify()
    {
        ulong sum = 0;
        var inputs = _inputs;
        for (var i = 0; i < inputs.Length; i++)
        {
            var r = _engine.Classify(_layer, inputs[i]);
            sum += r.FilterId + (ulong)r.Action;
        }

        return sum;
    }
}
