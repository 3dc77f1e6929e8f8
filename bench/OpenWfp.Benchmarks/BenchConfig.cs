using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace OpenWfp.Benchmarks;

/// <summary>
/// Short in-process jobs: the machine is small and shared, and BenchmarkDotNet's generated child project would
/// inherit the repository's Directory.Build.props (warnings as errors, central package management).
/// </summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    /// <summary>3 warm-up and 10 measured iterations, in process, with the memory diagnoser and median/op-per-second columns.</summary>
    public ShortInProcessConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithId("ShortInProc"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
    }
}

/// <summary>One invocation per iteration (for the 100,000-filter compile, which takes on the order of a second).</summary>
public sealed class CompileConfig : ManualConfig
{
    /// <summary>1 warm-up and 5 measured iterations of one invocation each, in process.</summary>
    public CompileConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Compile"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
    }
}

/// <summary>
/// One invocation per iteration, for the replay benchmarks: each invocation is a whole pass over 200,000 frames
/// (tens to hundreds of milliseconds), and the flow table is reset before each one (an [IterationSetup]).
/// </summary>
public sealed class ReplayConfig : ManualConfig
{
    /// <summary>3 warm-up and 20 measured iterations of one invocation each, in process, with the memory diagnoser.</summary>
    public ReplayConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3)
            .WithIterationCount(20)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Replay"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
    }
}
