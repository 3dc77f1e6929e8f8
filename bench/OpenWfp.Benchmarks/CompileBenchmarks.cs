using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Policy;

namespace OpenWfp.Benchmarks;

/// <summary>Building and compiling a 100,000-filter policy.</summary>
[Config(typeof(CompileConfig))]
public class CompileBenchmarks
{
    private PolicyFactory _factory = null!;
    private FilterEngine _engine = null!;
    private EngineTransaction? _txn;

    /// <summary>Filters in the policy.</summary>
    [Params(100000)]
    public int Filters { get; set; }

    /// <summary>Generates the filter specs once.</summary>
    [GlobalSetup]
    public void Setup() => _factory = new PolicyFactory(Filters);

    /// <summary>A fresh engine for the whole-transaction benchmark.</summary>
    [IterationSetup(Target = nameof(TransactionAddAndCommit))]
    public void FreshEngine()
    {
        _engine = new FilterEngine();
    }

    /// <summary>A fresh engine with an open transaction already holding every filter, for the commit-only benchmark.</summary>
    [IterationSetup(Target = nameof(CommitOnly))]
    public void OpenTransaction()
    {
        _engine = new FilterEngine();
        _txn = _engine.BeginTransaction();
        _factory.AddAll(_txn);
    }

    /// <summary>Drops the iteration's engine.</summary>
    [IterationCleanup]
    public void Cleanup()
    {
        _txn?.Dispose();
        _txn = null;
        _engine = null!;
    }

    /// <summary>BeginTransaction + 4 AddSublayer + N AddFilter + Commit.</summary>
    [Benchmark]
    public long TransactionAddAndCommit()
    {
        using var txn = _engine.BeginTransaction();
        _factory.AddAll(txn);
        txn.Commit();
        return _engine.Current.Generation;
    }

    /// <summary>Commit alone (compiles the layer program) of a transaction holding N filters.</summary>
    [Benchmark]
    public long CommitOnly()
    {
        _txn!.Commit();
        return _engine.Current.Generation;
    }
}
