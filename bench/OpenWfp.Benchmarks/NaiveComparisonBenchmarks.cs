using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Benchmarks;

/// <summary>The engine against <see cref="NaiveClassifier"/> on the same 100,000-filter policy and inputs.</summary>
[Config(typeof(ShortInProcessConfig))]
public class NaiveComparisonBenchmarks
{
    private const int InputCount = ClassifyBenchmarks.InputCount;

    private FilterEngine _engine = null!;
    private NaiveClassifier _naive = null!;
    private FwpValue[][] _inputs = null!;
    private LayerInfo _layer = null!;

    /// <summary>Filters in the policy.</summary>
    [Params(100000)]
    public int Filters { get; set; }

    /// <summary>Builds both classifiers and checks they agree on every input.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var factory = new PolicyFactory(Filters);
        _engine = factory.BuildEngine();
        _inputs = factory.Inputs(InputCount);
        _layer = PolicyFactory.Layer;
        _naive = new NaiveClassifier(_layer, factory.Sublayers, _engine.Current.FiltersOf(_layer));
        var hits = AgreementCheck.Run(_engine, _naive, _inputs);
        Console.WriteLine($"// naive and engine agree on all {InputCount} inputs ({hits} decided by a filter)");
    }

    /// <summary>The naive classifier (baseline).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = InputCount)]
    public ulong Naive()
    {
        ulong sum = 0;
        var inputs = _inputs;
        for (var i = 0; i < inputs.Length; i++)
        {
            var (action, id) = _naive.Classify(inputs[i]);
            sum += id + (ulong)action;
        }

        return sum;
    }

    /// <summary>The engine.</summary>
    [Benchmark(OperationsPerInvoke = InputCount)]
    public ulong Engine()
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

/// <summary>Compares engine and naive decisions (action and deciding filter id).</summary>
public static class AgreementCheck
{
    /// <summary>Throws on the first disagreement; returns how many inputs some filter decided.</summary>
    public static int Run(FilterEngine engine, NaiveClassifier naive, FwpValue[][] inputs)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(naive);
        ArgumentNullException.ThrowIfNull(inputs);
        var decided = 0;
        for (var i = 0; i < inputs.Length; i++)
        {
            var e = engine.Classify(PolicyFactory.Layer, inputs[i]);
            var (action, id) = naive.Classify(inputs[i]);
            if (e.Action != action || e.FilterId != id)
            {
                throw new InvalidOperationException($"input {i}: engine {e.Action} by filter {e.FilterId}, naive {action} by filter {id}");
            }

            if (id != 0)
            {
                decided++;
            }
        }

        return decided;
    }
}
