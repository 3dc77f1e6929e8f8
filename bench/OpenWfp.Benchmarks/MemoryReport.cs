using OpenWfp.Engine;

namespace OpenWfp.Benchmarks;

/// <summary>`--memory`: bytes per compiled filter, from the engine's own count and from GC heap growth.</summary>
public static class MemoryReport
{
    /// <summary>Builds <paramref name="n"/> filters and prints the numbers.</summary>
    public static void Run(int n)
    {
        var factory = new PolicyFactory(n);
        var baseline = Heap();

        // The same policy added but not committed: what the management objects (FilterSpec, snapshot maps) take.
        var engine = new FilterEngine();
        var afterEngine = Heap();
        var txn = engine.BeginTransaction();
        factory.AddAll(txn);
        var afterAdd = Heap();
        txn.Commit();
        var afterCommit = Heap();
        txn.Dispose();
        var afterDispose = Heap();

        var compiled = engine.Current.CompiledBytes;
        Console.WriteLine($"filters                                  {n}");
        Console.WriteLine($"engine.Current.CompiledBytes             {compiled} ({(double)compiled / n:F1} bytes/filter)");
        Console.WriteLine($"GC heap: empty engine                    {afterEngine - baseline}");
        Console.WriteLine($"GC heap: + {n} filters added (no commit) {afterAdd - afterEngine} ({(double)(afterAdd - afterEngine) / n:F1} bytes/filter)");
        Console.WriteLine($"GC heap: + commit (compiled programs)    {afterCommit - afterAdd} ({(double)(afterCommit - afterAdd) / n:F1} bytes/filter)");
        Console.WriteLine($"GC heap: after txn dispose, vs. added    {afterDispose - afterAdd} ({(double)(afterDispose - afterAdd) / n:F1} bytes/filter)");
        Console.WriteLine($"GC heap: whole engine with policy        {afterDispose - baseline} ({(double)(afterDispose - baseline) / n:F1} bytes/filter)");
        GC.KeepAlive(engine);
        GC.KeepAlive(factory);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }
}
