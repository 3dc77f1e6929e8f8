using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Benchmarks;

/// <summary>
/// `--candidates [N]`: why classify costs what it costs, from the public API only (the committed FilterSpecs, in
/// the engine's documented evaluation order) — the engine is not instrumented.
/// </summary>
/// <remarks>
/// Part 1, per field the engine could index on: filters without a condition on it (they would be wildcards,
/// checked on every classify) and the mean number of filters whose condition on it holds (the interval bucket).
/// Part 2 replays the engine's classify walk for an IP_REMOTE_ADDRESS interval index as FieldIndex/IndexBuilder
/// describe it (a filter is indexed when its address intervals cover at most 16 elementary segments, otherwise it
/// is a wildcard; the walk merges bucket and wildcard ranks and skips the rest of a sublayer once it terminates),
/// and counts ranks visited and condition programs run per classify.
/// </remarks>
public static class CandidateReport
{
    private const int MaxSegmentsPerFilter = 16; // FilterCompiler.MaxSegmentsPerFilter (internal)

    /// <summary>Prints the report.</summary>
    public static void Run(int n)
    {
        var factory = new PolicyFactory(n);
        var engine = factory.BuildEngine();
        var inputs = factory.Inputs(ClassifyBenchmarks.InputCount);
        var layer = PolicyFactory.Layer;

        // Evaluation order: sublayer weight desc (key asc), effective weight desc, filter id asc.
        var sublayerRank = factory.Sublayers.OrderByDescending(s => s.Weight).ThenBy(s => s.Key)
            .Select((s, i) => (s.Key, i)).ToDictionary(x => x.Key, x => x.i);
        var filters = engine.Current.FiltersOf(layer)
            .OrderBy(f => sublayerRank[f.SublayerKey]).ThenByDescending(f => f.EffectiveWeight).ThenBy(f => f.FilterId).ToArray();
        var sublayerEnd = new int[sublayerRank.Count];
        for (var r = 0; r < filters.Length; r++)
        {
            sublayerEnd[sublayerRank[filters[r].SublayerKey]] = r + 1;
        }

        Console.WriteLine($"filters {filters.Length}, inputs {inputs.Length}");
        PerField(filters, inputs.Take(128).ToArray());

        // Part 2: replay with an IP_REMOTE_ADDRESS index.
        var addrKey = PolicyFactory.RemoteAddress.ConditionKey!.Value;
        var intervals = new List<(ulong Lo, ulong Hi)>?[filters.Length];
        var boundaries = new List<ulong> { 0 };
        for (var r = 0; r < filters.Length; r++)
        {
            var conds = filters[r].Conditions.Where(c => c.FieldKey == addrKey).ToArray();
            if (conds.Length == 0)
            {
                continue;
            }

            intervals[r] = [.. conds.Select(c => IntervalOf(c.Value))];
            foreach (var (lo, hi) in intervals[r]!)
            {
                boundaries.Add(lo);
                boundaries.Add(hi + 1);
            }
        }

        var starts = boundaries.Distinct().Order().ToArray();
        var noCondition = 0;
        var tooWide = 0;
        var wild = new List<int>();
        var indexed = new List<int>();
        for (var r = 0; r < filters.Length; r++)
        {
            if (intervals[r] is not { } list)
            {
                noCondition++;
                wild.Add(r);
                continue;
            }

            var covered = list.Sum(iv => Segment(starts, iv.Hi) - Segment(starts, iv.Lo) + 1);
            if (covered > MaxSegmentsPerFilter)
            {
                tooWide++;
                wild.Add(r);
            }
            else
            {
                indexed.Add(r);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"IP_REMOTE_ADDRESS index replay: {starts.Length} segments; wildcards {wild.Count} = {noCondition} without an address condition + {tooWide} spanning > {MaxSegmentsPerFilter} segments; indexed {indexed.Count}");
        var wildArr = wild.ToArray();
        long visited = 0, evaluated = 0, bucketTotal = 0, wildVisited = 0;
        foreach (var input in inputs)
        {
            var addr = input[PolicyFactory.RemoteAddress.Index].RawUInt64;
            var bucket = indexed.Where(r => intervals[r]!.Any(iv => iv.Lo <= addr && addr <= iv.Hi)).ToArray();
            bucketTotal += bucket.Length;
            int bi = 0, wi = 0, skipUntil = 0;
            while (true)
            {
                int rank;
                bool fromWild;
                if (bi < bucket.Length && (wi >= wildArr.Length || bucket[bi] < wildArr[wi]))
                {
                    rank = bucket[bi++];
                    fromWild = false;
                }
                else if (wi < wildArr.Length)
                {
                    rank = wildArr[wi++];
                    fromWild = true;
                }
                else
                {
                    break;
                }

                visited++;
                if (fromWild)
                {
                    wildVisited++;
                }

                if (rank < skipUntil)
                {
                    continue;
                }

                evaluated++;
                if (Matches(filters[rank], input))
                {
                    skipUntil = sublayerEnd[sublayerRank[filters[rank].SublayerKey]];
                }
            }
        }

        // What the naive classifier tests: every filter of each sublayer up to and including its first match.
        long naiveTested = 0;
        foreach (var input in inputs)
        {
            var r = 0;
            while (r < filters.Length)
            {
                naiveTested++;
                if (Matches(filters[r], input))
                {
                    r = sublayerEnd[sublayerRank[filters[r].SublayerKey]];
                }
                else
                {
                    r++;
                }
            }
        }

        double k = inputs.Length;
        Console.WriteLine($"naive classifier: filters tested per classify {naiveTested / k:F1}");
        Console.WriteLine($"per classify: bucket {bucketTotal / k:F1}, ranks visited {visited / k:F1} (of which wildcards {wildVisited / k:F1}), condition programs run {evaluated / k:F1}");
    }

    private static void PerField(FilterSpec[] filters, FwpValue[][] inputs)
    {
        LayerFieldInfo[] fields = [PolicyFactory.RemoteAddress, PolicyFactory.RemotePort, PolicyFactory.Protocol, PolicyFactory.AppIdField, PolicyFactory.LocalPort];
        Console.WriteLine($"{"field",-20} {"filters w/o cond",16} {"mean bucket",12} {"bucket+wild",12}   ({inputs.Length} inputs)");
        foreach (var field in fields)
        {
            var key = field.ConditionKey!.Value;
            var without = filters.Count(f => !f.Conditions.Any(c => c.FieldKey == key));
            long bucket = 0;
            foreach (var input in inputs)
            {
                foreach (var f in filters)
                {
                    var has = false;
                    var any = false;
                    foreach (var c in f.Conditions)
                    {
                        if (c.FieldKey == key)
                        {
                            has = true;
                            any |= NaiveClassifier.Holds(c, input[field.Index]);
                        }
                    }

                    if (has && any)
                    {
                        bucket++;
                    }
                }
            }

            var mean = (double)bucket / inputs.Length;
            Console.WriteLine($"{field.Name,-20} {without,16} {mean,12:F1} {without + mean,12:F1}");
        }
    }

    private static bool Matches(FilterSpec f, FwpValue[] values)
    {
        foreach (var g in f.Conditions.GroupBy(c => c.FieldKey))
        {
            var index = PolicyFactory.Layer.FieldIndexOf(g.Key);
            if (!g.Any(c => NaiveClassifier.Holds(c, values[index])))
            {
                return false;
            }
        }

        return true;
    }

    private static (ulong Lo, ulong Hi) IntervalOf(FwpConditionValue v) => v.Type switch
    {
        FwpDataType.V4AddrMask => ((uint)v.Value.RawUInt64 & v.V4Mask, ((uint)v.Value.RawUInt64 & v.V4Mask) | ~v.V4Mask),
        FwpDataType.Range => (v.RangeLow.RawUInt64, v.RangeHigh.RawUInt64),
        _ => (v.Value.RawUInt64, v.Value.RawUInt64),
    };

    private static int Segment(ulong[] starts, ulong key)
    {
        var i = Array.BinarySearch(starts, key);
        return i >= 0 ? i : ~i - 1;
    }
}
