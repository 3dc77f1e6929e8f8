using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Values;

namespace OpenWfp.Benchmarks;

/// <summary>
/// Where classify's time goes (engine internals): the decision-tree walk alone next to the whole classify, on the
/// same inputs, per classify.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class ClassifyPartsBenchmarks
{
    private FilterEngine _engine = null!;
    private LayerProgram _program = null!;
    private FwpValue[][] _inputs = null!;

    /// <summary>Filters in the policy.</summary>
    [Params(10, 1000, 100000)]
    public int Filters { get; set; }

    /// <summary>Builds the policy and the inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var factory = new PolicyFactory(Filters);
        _engine = factory.BuildEngine();
        _inputs = factory.Inputs(ClassifyBenchmarks.InputCount);
        _program = _engine.Current.Programs[PolicyFactory.Layer.LayerId]!;
    }

    /// <summary>The decision-tree walk of every tree.</summary>
    [Benchmark(OperationsPerInvoke = ClassifyBenchmarks.InputCount)]
    public int TreeWalk()
    {
        Span<int> starts = stackalloc int[8];
        Span<int> ends = stackalloc int[8];
        var sum = 0;
        foreach (var input in _inputs)
        {
            var trees = _program.Tree.Collect(input, starts, ends);
            sum += ends[trees - 1] - starts[0];
        }

        return sum;
    }

    /// <summary>The whole classify.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ClassifyBenchmarks.InputCount)]
    public ulong Classify()
    {
        ulong sum = 0;
        foreach (var input in _inputs)
        {
            sum += _engine.Classify(PolicyFactory.Layer, input).FilterId;
        }

        return sum;
    }
}
