using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>Chooses the index field of a layer and builds its <see cref="FieldIndex"/> (see there for the idea).</summary>
internal static class IndexBuilder
{
    public static (FieldIndex? Index, int[] Wildcards) Build(CompiledFilter[] filters, ConditionOp[] ops, List<ulong> bounds64, List<UInt128> bounds128, List<object> refs, LayerInfo layer)
    {
        var all = new int[filters.Length];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }

        if (filters.Length < FilterCompiler.IndexThreshold)
        {
            return (null, all);
        }

        // Count, per (field, key mode, key type), the filters whose whole OR group on that field is indexable.
        var counts = new Dictionary<(ushort Field, IndexKeyMode Mode, FwpDataType Type), int>();
        for (var r = 0; r < filters.Length; r++)
        {
            foreach (var (start, end) in Groups(filters[r], ops))
            {
                if (GroupKey(ops, start, end) is { } key)
                {
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }
            }
        }

        if (counts.Count == 0)
        {
            return (null, all);
        }

        var best = counts.MaxBy(kv => (kv.Value, -kv.Key.Field)).Key;
        if (counts[best] < FilterCompiler.IndexThreshold / 2)
        {
            return (null, all);
        }

        // Intervals of every indexable filter on the chosen field.
        var intervals = new List<(UInt128 Lo, UInt128 Hi)>?[filters.Length];
        var boundaries = new List<UInt128> { UInt128.Zero };
        var max = best.Mode == IndexKeyMode.Ordered128 ? UInt128.MaxValue : ulong.MaxValue;
        for (var r = 0; r < filters.Length; r++)
        {
            foreach (var (start, end) in Groups(filters[r], ops))
            {
                if (ops[start].Field != best.Field || GroupKey(ops, start, end) != best)
                {
                    continue;
                }

                var list = new List<(UInt128, UInt128)>(end - start);
                for (var i = start; i < end; i++)
                {
                    var (lo, hi) = IntervalOf(ops[i], best.Mode, bounds64, bounds128, refs);
                    if (lo > hi)
                    {
                        continue; // an empty interval (e.g. GREATER than the maximum) matches nothing
                    }

                    list.Add((lo, hi));
                    boundaries.Add(lo);
                    if (hi < max)
                    {
                        boundaries.Add(hi + 1);
                    }
                }

                intervals[r] = list;
            }
        }

        boundaries.Sort();
        var starts = new List<UInt128>(boundaries.Count);
        foreach (var b in boundaries)
        {
            if (starts.Count == 0 || starts[^1] != b)
            {
                starts.Add(b);
            }
        }

        var startArray = starts.ToArray();
        var segmentCount = startArray.Length;
        var perSegment = new int[segmentCount + 1];
        var wild = new List<int>();
        var indexedSpans = new List<(int Rank, int A, int B)>();
        for (var r = 0; r < filters.Length; r++)
        {
            var list = intervals[r];
            if (list is null)
            {
                wild.Add(r);
                continue;
            }

            var spans = new List<(int, int)>(list.Count);
            var covered = 0;
            foreach (var (lo, hi) in list)
            {
                var a = SegmentOf(startArray, lo);
                var b = SegmentOf(startArray, hi);
                spans.Add((a, b));
                covered += b - a + 1;
            }

            if (covered > FilterCompiler.MaxSegmentsPerFilter)
            {
                wild.Add(r);
                continue;
            }

            spans.Sort();
            var lastSegment = -1;
            foreach (var (a, b) in spans)
            {
                for (var s = Math.Max(a, lastSegment + 1); s <= b; s++)
                {
                    perSegment[s + 1]++;
                }

                lastSegment = Math.Max(lastSegment, b);
                indexedSpans.Add((r, a, b));
            }
        }

        for (var s = 0; s < segmentCount; s++)
        {
            perSegment[s + 1] += perSegment[s];
        }

        var ranks = new int[perSegment[segmentCount]];
        var fill = (int[])perSegment.Clone();
        var lastRankInSegment = new int[segmentCount];
        Array.Fill(lastRankInSegment, -1);

        // indexedSpans is in rank order, so each segment's list comes out ascending.
        foreach (var (rank, a, b) in indexedSpans)
        {
            for (var s = a; s <= b; s++)
            {
                if (lastRankInSegment[s] == rank)
                {
                    continue;
                }

                lastRankInSegment[s] = rank;
                ranks[fill[s]++] = rank;
            }
        }

        ulong[]? starts64 = null;
        UInt128[]? starts128 = null;
        if (best.Mode == IndexKeyMode.Ordered128)
        {
            starts128 = startArray;
        }
        else
        {
            starts64 = new ulong[startArray.Length];
            for (var i = 0; i < startArray.Length; i++)
            {
                starts64[i] = (ulong)startArray[i];
            }
        }

        var index = new FieldIndex(best.Field, best.Type, best.Mode, starts64, starts128, perSegment, ranks);
        _ = layer;
        return (index, [.. wild]);
    }

    private static int SegmentOf(UInt128[] starts, UInt128 key) => FieldIndex.UpperBound(starts, key) - 1;

    private static IEnumerable<(int Start, int End)> Groups(CompiledFilter f, ConditionOp[] ops)
    {
        var i = f.OpStart;
        var end = f.OpStart + f.OpCount;
        while (i < end)
        {
            var start = i;
            while (!ops[i].GroupEnd)
            {
                i++;
            }

            i++;
            yield return (start, i);
        }
    }

    private static (ushort, IndexKeyMode, FwpDataType)? GroupKey(ConditionOp[] ops, int start, int end)
    {
        IndexKeyMode? mode = null;
        var type = (FwpDataType)ops[start].ExpectedType;
        for (var i = start; i < end; i++)
        {
            var m = ops[i].Kind switch
            {
                OpKind.InRange64 => IndexKeyMode.Ordered,
                OpKind.InRange128 => IndexKeyMode.Ordered128,
                OpKind.BlobEqual => IndexKeyMode.BlobHash,
                OpKind.StringEqual => IndexKeyMode.StringHash,
                OpKind.SidEqual => IndexKeyMode.SidHash,
                _ => (IndexKeyMode?)null,
            };
            if (m is null || (mode is not null && mode != m) || (FwpDataType)ops[i].ExpectedType != type)
            {
                return null;
            }

            mode = m;
        }

        return (ops[start].Field, mode!.Value, type);
    }

    private static (UInt128 Lo, UInt128 Hi) IntervalOf(ConditionOp op, IndexKeyMode mode, List<ulong> bounds64, List<UInt128> bounds128, List<object> refs)
    {
        switch (mode)
        {
            case IndexKeyMode.Ordered:
                return (bounds64[op.Operand], bounds64[op.Operand + 1]);
            case IndexKeyMode.Ordered128:
                return (bounds128[op.Operand], bounds128[op.Operand + 1]);
            case IndexKeyMode.BlobHash:
            {
                var h = FieldIndex.HashBlob((byte[])refs[op.Operand]);
                return (h, h);
            }

            case IndexKeyMode.StringHash:
            {
                UInt128 h = (uint)((string)refs[op.Operand]).GetHashCode(StringComparison.Ordinal);
                return (h, h);
            }

            default:
            {
                UInt128 h = (uint)((Sid)refs[op.Operand]).GetHashCode();
                return (h, h);
            }
        }
    }
}
