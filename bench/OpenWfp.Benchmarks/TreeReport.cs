using System.Globalization;

namespace OpenWfp.Benchmarks;

/// <summary>
/// `--candidates [N]`: why classify costs what it costs. Reads the compiled program of ALE_AUTH_CONNECT_V4
/// (internals) and reports the decision tree's shape and, over the benchmark inputs, how many candidate filters
/// a classify is handed and how many it walks before every sublayer has terminated.
/// </summary>
public static class TreeReport
{
    /// <summary>Prints the report.</summary>
    public static void Run(int n)
    {
        var factory = new PolicyFactory(n);
        var engine = factory.BuildEngine();
        var inputs = factory.Inputs(ClassifyBenchmarks.InputCount);
        var program = engine.Current.Programs[PolicyFactory.Layer.LayerId]!;
        var tree = program.Tree;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filters {program.FilterCount}, sublayers {program.Sublayers.Length}, trees {tree.RootCount}, nodes {tree.NodeCount}, leaf entries {tree.LeafEntryCount} ({(double)tree.LeafEntryCount / program.FilterCount:F2} per filter)"));

        long candidates = 0, walked = 0, matched = 0;
        var max = 0;
        Span<int> starts = stackalloc int[8];
        Span<int> ends = stackalloc int[8];
        foreach (var input in inputs)
        {
            var trees = tree.Collect(input, starts, ends);
            var ranks = new List<int>();
            for (var t = 0; t < trees; t++)
            {
                for (var p = starts[t]; p < ends[t]; p++)
                {
                    ranks.Add(tree.LeafRanks[p]);
                }
            }

            ranks.Sort();
            candidates += ranks.Count;
            max = Math.Max(max, ranks.Count);

            // Walk as classify does (static filters only decide here): first match ends a sublayer.
            var skipUntil = 0;
            foreach (var rank in ranks)
            {
                if (rank < skipUntil)
                {
                    continue;
                }

                walked++;
                if (program.Matches(in program.Filters[rank], input))
                {
                    matched++;
                    skipUntil = program.SublayerEnd[program.Filters[rank].SublayerOrdinal];
                }
            }
        }

        // Rough split of the time (Stopwatch, not BenchmarkDotNet: a diagnostic, not a figure for docs).
        var sw = System.Diagnostics.Stopwatch.StartNew();
        const int Rounds = 200;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var input in inputs)
            {
                tree.Collect(input, starts, ends);
            }
        }

        var collectNs = sw.Elapsed.TotalNanoseconds / (Rounds * inputs.Length);
        sw.Restart();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var input in inputs)
            {
                engine.Classify(PolicyFactory.Layer, input);
            }
        }

        var classifyNs = sw.Elapsed.TotalNanoseconds / (Rounds * inputs.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tree walk (all trees) {collectNs:F0} ns, whole classify {classifyNs:F0} ns"));

        if (Environment.GetEnvironmentVariable("OPENWFP_TREE_DUMP") == "1")
        {
            var c0 = tree.Candidates(inputs[0]);
            foreach (var rank in c0)
            {
                var f = program.Specs[rank];
                Console.WriteLine($"  rank {rank} sl {program.Filters[rank].SublayerOrdinal} {f.Action.Type} " + string.Join(" & ", f.Conditions.Select(c => $"{Engine.Catalog.LayerCatalog.ConditionNameOf(c.FieldKey)?.Replace("FWPM_CONDITION_", "", StringComparison.Ordinal)} {c.MatchType} {c.Value}")));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"per classify: {(double)candidates / inputs.Length:F1} candidates (max {max}), {(double)walked / inputs.Length:F1} condition programs run, {(double)matched / inputs.Length:F2} terminating matches"));
    }
}
