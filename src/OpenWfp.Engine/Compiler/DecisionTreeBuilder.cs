using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>Builds a <see cref="DecisionTree"/> (see there for the idea and the invariant it keeps).</summary>
internal sealed class DecisionTreeBuilder
{
    // A node this small is a leaf: scanning a few filters beats another cut.
    internal const int LeafSize = 4;

    // Cuts per node; more endpoints than this are thinned out evenly.
    private const int MaxCuts = 32;

    private const int MaxDepth = 24;

    // From this many filters on, a layer is split into a forest (see Build).
    internal const int ForestThreshold = 256;

    // Leaf entries allowed per filter before the tree stops cutting.
    private const long EntriesPerFilter = 8;

    // Fields tried per node (the most constrained ones).
    private const int FieldsTried = 2;

    private readonly CompiledFilter[] _filters;
    private readonly ConditionOp[] _ops;
    private readonly ulong[] _bounds64;
    private readonly UInt128[] _bounds128;
    private readonly object[] _refs;

    // Each filter's condition groups (op ranges, one per field), computed once: the builder asks for them a lot.
    private readonly (int Start, int End)[][] _groups;
    private readonly Dictionary<int, ulong> _opHash = [];
    private readonly int[] _fieldCounts;
    private readonly FwpDataType[] _fieldKeyType;

    // Cuts replicate wide filters into several children; the entries held by all leaves and queued nodes may not
    // exceed this (memory: 4 bytes an entry; the target is under 200 bytes per compiled filter in all).
    private readonly long _entryBudget;
    private long _frontier;

    private DecisionTreeBuilder(CompiledFilter[] filters, ConditionOp[] ops, ulong[] bounds64, UInt128[] bounds128, object[] refs)
    {
        _refs = refs;
        var maxField = 0;
        foreach (var op in ops)
        {
            maxField = Math.Max(maxField, op.Field);
        }

        _fieldCounts = new int[maxField + 1];
        _fieldKeyType = new FwpDataType[maxField + 1];
        _groups = new (int, int)[filters.Length][];
        for (var r = 0; r < filters.Length; r++)
        {
            var list = new List<(int, int)>(4);
            var i = filters[r].OpStart;
            var end = i + filters[r].OpCount;
            while (i < end)
            {
                var start = i;
                while (!ops[i].GroupEnd)
                {
                    i++;
                }

                i++;
                list.Add((start, i));
            }

            _groups[r] = [.. list];
        }

        _filters = filters;
        _ops = ops;
        _bounds64 = bounds64;
        _bounds128 = bounds128;
        _entryBudget = (EntriesPerFilter * filters.Length) + 4096;
    }

    public static DecisionTree Build(CompiledFilter[] filters, ConditionOp[] ops, ulong[] bounds64, UInt128[] bounds128, object[] refs) =>
        new DecisionTreeBuilder(filters, ops, bounds64, bounds128, refs).Build();

    private DecisionTree Build()
    {
        var all = new List<int>(_filters.Length);
        for (var r = 0; r < _filters.Length; r++)
        {
            all.Add(r);
        }

        // Big layers become a forest of two trees: the filters that test the most commonly tested field, and the
        // rest. In the first tree every filter constrains that field, so cutting on it copies no filter into every
        // child. More trees cut the conditions run further but cost more in walks than they save (measured with
        // bench/ ClassifyBenchmarks: 2 trees 0.76-0.97 us at 100,000 filters, 1 tree 1.17 us, 3 trees 1.5 us).
        var groups = all.Count >= ForestThreshold ? Partition(all) : [all];
        var queue = new Queue<Node>();
        var roots = new List<Node>(groups.Count);
        foreach (var group in groups)
        {
            var root = new Node(Prune(group, Region.Empty), Region.Empty, 0);
            _frontier += root.Ranks.Count;
            roots.Add(root);
            queue.Enqueue(root);
        }

        var order = new List<Node>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            order.Add(node);
            if (node.Ranks.Count > LeafSize && node.Depth < MaxDepth && TryCut(node))
            {
                foreach (var child in node.Children!)
                {
                    if (seen.Add(child))
                    {
                        queue.Enqueue(child);
                    }
                }

                queue.Enqueue(node.Mismatch!);
            }
        }

        return Flatten(order, roots);
    }

    // Groups filters by the most commonly tested indexable field they test (at most MaxRoots groups; the last
    // one takes every filter left over). Each group keeps rank order.
    private List<List<int>> Partition(List<int> all)
    {
        var counts = new Dictionary<(ushort, FwpDataType), int>();
        foreach (var r in all)
        {
            foreach (var key in IndexableFields(r))
            {
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        var priority = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).Select(kv => kv.Key).Take(DecisionTree.MaxRoots - 1).ToList();
        var groups = new List<int>[priority.Count + 1];
        for (var g = 0; g < groups.Length; g++)
        {
            groups[g] = [];
        }

        foreach (var r in all)
        {
            var fields = IndexableFields(r);
            var g = priority.FindIndex(fields.Contains);
            groups[g < 0 ? priority.Count : g].Add(r);
        }

        return [.. groups.Where(g => g.Count > 0)];
    }

    private List<(ushort, FwpDataType)> IndexableFields(int rank)
    {
        var list = new List<(ushort, FwpDataType)>(4);
        foreach (var (start, end) in Groups(rank))
        {
            var type = (FwpDataType)_ops[start].ExpectedType;
            var ok = true;
            for (var i = start; i < end && ok; i++)
            {
                ok = (FwpDataType)_ops[i].ExpectedType == type && (_ops[i].Kind is OpKind.InRange64 or OpKind.InRange128 or OpKind.InRangeRaw || IsHashEqual(_ops[i].Kind));
            }

            if (ok)
            {
                list.Add((_ops[start].Field, type));
            }
        }

        return list;
    }

    private bool TryCut(Node node)
    {
        var best = default(Cut);
        foreach (var (field, keyType) in CandidateFields(node))
        {
            var cut = Evaluate(node, field, keyType);
            if (cut is not null && cut.MaxChild < node.Ranks.Count && (best is null || cut.Entries < best.Entries))
            {
                best = cut;
            }
        }

        if (best is null || _frontier + best.Entries - node.Ranks.Count > _entryBudget)
        {
            return false;
        }

        var (bestChildren, bestMismatch) = Materialize(node, best);
        node.Field = best.Field;
        node.KeyType = best.KeyType;
        node.Bounds = best.Bounds;
        var segmentChildren = new List<Node>(best.Bounds.Count);
        var merged = new List<UInt128>(best.Bounds.Count);
        var distinct = new Dictionary<RankList, Node>();
        for (var s = 0; s < best.Bounds.Count; s++)
        {
            var hi = s + 1 < best.Bounds.Count ? best.Bounds[s + 1] - 1 : node.Region.HighOf(best.Field, best.KeyType);
            var ranks = bestChildren[s];

            // Adjacent segments that keep the same filters are one segment.
            if (segmentChildren.Count > 0 && SameRanks(segmentChildren[^1].Ranks, ranks))
            {
                var last = segmentChildren[^1];
                if (last.Region.TryGet(best.Field, out var entry) && entry.Typed)
                {
                    last.Region = last.Region.With(best.Field, entry with { Hi = hi });
                }

                continue;
            }

            // Segments apart that keep the same filters share one child (the tree is a DAG): both reach the same
            // filters, and the child's region then spans both, which only makes its pruning more cautious.
            merged.Add(best.Bounds[s]);
            var key = new RankList(ranks);
            if (distinct.TryGetValue(key, out var shared))
            {
                shared.Region = shared.Region.Widen(best.Field);
                segmentChildren.Add(shared);
                continue;
            }

            var child = new Node(ranks, node.Region.With(best.Field, new RegionEntry(true, best.KeyType, best.Bounds[s], hi)), node.Depth + 1);
            distinct[key] = child;
            segmentChildren.Add(child);
        }

        var children = segmentChildren;
        node.Bounds = merged;
        node.Children = children;
        var mismatchRegion = node.Region.With(best.Field, new RegionEntry(false, best.KeyType, 0, 0));
        node.Mismatch = new Node(Prune(bestMismatch, mismatchRegion), mismatchRegion, node.Depth + 1);
        _frontier -= node.Ranks.Count;
        _frontier += node.Mismatch.Ranks.Count;
        foreach (var child in distinct.Values)
        {
            _frontier += child.Ranks.Count;
        }

        return true;
    }

    // Fields with interval conditions among the node's filters, most constrained first. Counted in arrays by field
    // index (a layer has at most a few dozen fields): this runs for every node of the tree.
    private List<(ushort Field, FwpDataType KeyType)> CandidateFields(Node node)
    {
        var counts = _fieldCounts;
        Array.Clear(counts);
        foreach (var r in node.Ranks)
        {
            foreach (var (start, end) in Groups(r))
            {
                for (var i = start; i < end; i++)
                {
                    if (IsInterval(_ops[i].Kind) || IsHashEqual(_ops[i].Kind))
                    {
                        counts[_ops[i].Field]++;
                        _fieldKeyType[_ops[i].Field] = (FwpDataType)_ops[i].ExpectedType;
                        break;
                    }
                }
            }
        }

        var result = new List<(ushort, FwpDataType)>(FieldsTried);
        var taken = new bool[counts.Length];
        for (var k = 0; k < FieldsTried; k++)
        {
            var best = -1;
            for (var f = 0; f < counts.Length; f++)
            {
                if (counts[f] == 0 || taken[f] || node.Region.IsUntyped((ushort)f)
                    || (DecisionTree.IsHashed(_fieldKeyType[f]) && counts[f] * 2 < node.Ranks.Count))
                {
                    // A hash cut copies every filter without an EQUAL on that field into each child, so it only
                    // pays where most of the node's filters test the field.
                    continue;
                }

                if (best < 0 || counts[f] > counts[best])
                {
                    best = f;
                }
            }

            if (best < 0)
            {
                break;
            }

            taken[best] = true;
            result.Add(((ushort)best, _fieldKeyType[best]));
        }

        return result;
    }

    // Scores a cut on one field from counts alone (no lists): the entries its pruned children would hold and the largest.
    private Cut? Evaluate(Node node, ushort field, FwpDataType keyType)
    {
        var low = node.Region.LowOf(field, keyType);
        var high = node.Region.HighOf(field, keyType);

        var points = new List<UInt128> { low };
        foreach (var r in node.Ranks)
        {
            if (GroupOn(r, field) is not var (start, end))
            {
                continue;
            }

            for (var i = start; i < end; i++)
            {
                if ((FwpDataType)_ops[i].ExpectedType != keyType || !(IsInterval(_ops[i].Kind) || IsHashEqual(_ops[i].Kind)))
                {
                    continue;
                }

                var (lo, hi) = Interval(i);
                if (lo > low && lo <= high)
                {
                    points.Add(lo);
                }

                if (hi < high && hi >= low)
                {
                    points.Add(hi + 1);
                }
            }
        }

        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(points).Sort();
        var bounds = new List<UInt128>();
        foreach (var p in points)
        {
            if (bounds.Count == 0 || bounds[^1] != p)
            {
                bounds.Add(p);
            }
        }

        if (bounds.Count < 2)
        {
            return null;
        }

        if (bounds.Count > MaxCuts)
        {
            var thinned = new List<UInt128>(MaxCuts);
            for (var i = 0; i < MaxCuts; i++)
            {
                thinned.Add(bounds[(int)((long)i * bounds.Count / MaxCuts)]);
            }

            bounds = thinned;
        }

        // Count each child's filters as pruning will leave them: walking ranks in order, a segment stops counting
        // a sublayer's filters once a static filter covers that segment (what makes default rules cheap).
        var boundArray = bounds.ToArray();
        var counts = new int[boundArray.Length];
        var covered = new int[boundArray.Length];
        Array.Fill(covered, -1);
        var mismatch = 0;
        var spans = new List<(int A, int B)>(4);
        foreach (var r in node.Ranks)
        {
            var ordinal = _filters[r].SublayerOrdinal;
            var isStatic = _filters[r].Kind is FilterKind.Permit or FilterKind.HardPermit or FilterKind.Block;
            if (!Spans(r, field, keyType, boundArray, low, high, spans, out var untyped))
            {
                // Not testing the field: in every segment, and whether it covers does not depend on the segment.
                var coversAll = isStatic && Covers(r, node.Region, ushort.MaxValue, default);
                for (var seg = 0; seg < counts.Length; seg++)
                {
                    if (covered[seg] != ordinal)
                    {
                        counts[seg]++;
                        if (coversAll)
                        {
                            covered[seg] = ordinal;
                        }
                    }
                }

                mismatch++;
                continue;
            }

            foreach (var (a, b) in spans)
            {
                for (var seg = a; seg <= b; seg++)
                {
                    if (covered[seg] == ordinal)
                    {
                        continue;
                    }

                    counts[seg]++;
                    if (isStatic)
                    {
                        var hiKey = seg + 1 < boundArray.Length ? boundArray[seg + 1] - 1 : high;
                        if (Covers(r, node.Region, field, new RegionEntry(true, keyType, boundArray[seg], hiKey)))
                        {
                            covered[seg] = ordinal;
                        }
                    }
                }
            }

            mismatch += untyped ? 1 : 0;
        }

        long entries = mismatch;
        var max = mismatch;
        foreach (var c in counts)
        {
            entries += c;
            max = Math.Max(max, c);
        }

        return new Cut(field, keyType, bounds, entries, max);
    }

    // The children of the chosen cut, each pruned for its segment, and the mismatch child's filters.
    private (List<int>[] Children, List<int> Mismatch) Materialize(Node node, Cut cut)
    {
        var boundArray = cut.Bounds.ToArray();
        var low = node.Region.LowOf(cut.Field, cut.KeyType);
        var high = node.Region.HighOf(cut.Field, cut.KeyType);
        var children = new List<int>[boundArray.Length];
        for (var seg = 0; seg < children.Length; seg++)
        {
            children[seg] = [];
        }

        var mismatch = new List<int>();
        var spans = new List<(int A, int B)>(4);
        foreach (var r in node.Ranks)
        {
            if (!Spans(r, cut.Field, cut.KeyType, boundArray, low, high, spans, out var untyped))
            {
                foreach (var c in children)
                {
                    c.Add(r);
                }

                mismatch.Add(r);
                continue;
            }

            foreach (var (a, b) in spans)
            {
                for (var seg = a; seg <= b; seg++)
                {
                    children[seg].Add(r);
                }
            }

            if (untyped)
            {
                mismatch.Add(r);
            }
        }

        for (var seg = 0; seg < children.Length; seg++)
        {
            var hiKey = seg + 1 < boundArray.Length ? boundArray[seg + 1] - 1 : high;
            PruneInPlace(children[seg], node.Region, cut.Field, new RegionEntry(true, cut.KeyType, boundArray[seg], hiKey));
        }

        return (children, mismatch);
    }

    /// <summary>
    /// The segments a filter's group on <paramref name="field"/> can match a typed value in (sorted, merged), and
    /// whether it can match a value of another type. False when the filter does not test the field at all.
    /// </summary>
    private bool Spans(int rank, ushort field, FwpDataType keyType, UInt128[] bounds, UInt128 low, UInt128 high, List<(int A, int B)> spans, out bool untyped)
    {
        spans.Clear();
        untyped = false;
        if (GroupOn(rank, field) is not var (start, end))
        {
            return false;
        }

        for (var i = start; i < end; i++)
        {
            var op = _ops[i];
            if ((FwpDataType)op.ExpectedType != keyType)
            {
                untyped = true;
                continue;
            }

            if (op.Kind is OpKind.InRange64 or OpKind.InRange128 or OpKind.InRangeRaw || IsHashEqual(op.Kind))
            {
                var (lo, hi) = Interval(i);
                if (lo > hi || hi < low || lo > high)
                {
                    continue;
                }

                spans.Add((DecisionTree.UpperBound<UInt128>(bounds, UInt128.Max(lo, low)) - 1, DecisionTree.UpperBound<UInt128>(bounds, UInt128.Min(hi, high)) - 1));
            }
            else
            {
                // NOT_EQUAL, flags and other typed tests can match anywhere in the node's range.
                spans.Add((0, bounds.Length - 1));
            }
        }

        if (spans.Count > 1)
        {
            spans.Sort();
            var merged = 0;
            for (var k = 1; k < spans.Count; k++)
            {
                if (spans[k].A <= spans[merged].B + 1)
                {
                    spans[merged] = (spans[merged].A, Math.Max(spans[merged].B, spans[k].B));
                }
                else
                {
                    spans[++merged] = spans[k];
                }
            }

            spans.RemoveRange(merged + 1, spans.Count - merged - 1);
        }

        return true;
    }

    /// <summary>Drops filters that a covering static filter of the same sublayer always decides before.</summary>
    private List<int> Prune(List<int> ranks, Region region)
    {
        PruneInPlace(ranks, region, ushort.MaxValue, default);
        return ranks;
    }

    /// <summary>As <see cref="Prune"/>, in place, with <paramref name="field"/> narrowed to <paramref name="entry"/> (no region copy).</summary>
    private void PruneInPlace(List<int> ranks, Region region, ushort field, RegionEntry entry)
    {
        var kept = 0;
        var covered = -1;
        for (var k = 0; k < ranks.Count; k++)
        {
            var r = ranks[k];
            ref readonly var f = ref _filters[r];
            if (f.SublayerOrdinal == covered)
            {
                continue;
            }

            ranks[kept++] = r;
            if (f.Kind is FilterKind.Permit or FilterKind.HardPermit or FilterKind.Block && Covers(r, region, field, entry))
            {
                covered = f.SublayerOrdinal;
            }
        }

        ranks.RemoveRange(kept, ranks.Count - kept);
    }

    /// <summary>True when every condition group of the filter holds for every input in the region.</summary>
    private bool Covers(int rank, Region region, ushort overrideField, RegionEntry overrideEntry)
    {
        foreach (var (start, end) in Groups(rank))
        {
            var field = _ops[start].Field;
            RegionEntry entry;
            if (field == overrideField)
            {
                entry = overrideEntry;
            }
            else if (!region.TryGet(field, out entry))
            {
                return false;
            }

            if (!entry.Typed || DecisionTree.IsHashed(entry.KeyType))
            {
                return false;
            }

            var holds = false;
            for (var i = start; i < end && !holds; i++)
            {
                var op = _ops[i];
                if ((FwpDataType)op.ExpectedType != entry.KeyType || !IsInterval(op.Kind))
                {
                    continue;
                }

                var (lo, hi) = IntervalOf(op);
                holds = op.Kind is OpKind.InRange64 or OpKind.InRange128 or OpKind.InRangeRaw
                    ? lo <= entry.Lo && entry.Hi <= hi
                    : lo > hi || entry.Hi < lo || entry.Lo > hi;
            }

            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsInterval(OpKind kind) => kind is OpKind.InRange64 or OpKind.InRange128 or OpKind.OutOfRange64 or OpKind.OutOfRange128 or OpKind.InRangeRaw or OpKind.OutOfRangeRaw;

    private static bool IsHashEqual(OpKind kind) => kind is OpKind.BlobEqual or OpKind.StringEqual or OpKind.SidEqual;

    // An op's interval in the node key space: order keys for numbers, one hash point for EQUAL on blobs/strings/SIDs
    // (hashed once per op: hashing dominated the build otherwise).
    private (UInt128 Lo, UInt128 Hi) Interval(int opIndex)
    {
        var op = _ops[opIndex];
        if (IsHashEqual(op.Kind))
        {
            if (!_opHash.TryGetValue(opIndex, out var cached))
            {
                cached = HashOf(op);
                _opHash[opIndex] = cached;
            }

            return (cached, cached);
        }

        return IntervalOf(op);
    }

    private ulong HashOf(ConditionOp op)
    {
        var probe = op.Kind switch
        {
            OpKind.BlobEqual => FwpValue.FromByteBlob((byte[])_refs[op.Operand]),
            OpKind.StringEqual => FwpValue.FromUnicodeString((string)_refs[op.Operand]),
            _ => FwpValue.FromSid((Security.Sid)_refs[op.Operand]),
        };
        return DecisionTree.KeyOf(in probe);
    }

    private (UInt128 Lo, UInt128 Hi) IntervalOf(ConditionOp op)
    {
        switch (op.Kind)
        {
            case OpKind.InRange128:
            case OpKind.OutOfRange128:
                return (_bounds128[op.Operand], _bounds128[op.Operand + 1]);
            default:
                return (_bounds64[op.Operand], _bounds64[op.Operand + 1]);
        }
    }

    private (int Start, int End)? GroupOn(int rank, ushort field)
    {
        foreach (var g in Groups(rank))
        {
            if (_ops[g.Start].Field == field)
            {
                return g;
            }
        }

        return null;
    }

    private (int Start, int End)[] Groups(int rank) => _groups[rank];

    private static bool SameRanks(List<int> a, List<int> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    private static DecisionTree Flatten(List<Node> order, List<Node> roots)
    {
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < order.Count; i++)
        {
            index[order[i]] = i;
        }

        var n = order.Count;
        var field = new int[n];
        var keyType = new ushort[n];
        var wide = new bool[n];
        var start = new int[n];
        var count = new int[n];
        var mismatch = new int[n];
        var bounds64 = new List<ulong>();
        var bounds128 = new List<UInt128>();
        var children = new List<int>();
        var leaves = new List<int>();
        for (var i = 0; i < n; i++)
        {
            var node = order[i];
            if (node.Children is null)
            {
                field[i] = -1;
                start[i] = leaves.Count;
                count[i] = node.Ranks.Count;
                leaves.AddRange(node.Ranks);
                continue;
            }

            field[i] = node.Field;
            keyType[i] = (ushort)node.KeyType;
            wide[i] = node.KeyType == FwpDataType.ByteArray16;
            mismatch[i] = index[node.Mismatch!];
            count[i] = node.Bounds!.Count;
            start[i] = children.Count;

            // Bounds and children share one start: pad the array of the other width so the offsets line up.
            while (bounds64.Count < children.Count)
            {
                bounds64.Add(0);
            }

            while (bounds128.Count < children.Count && wide[i])
            {
                bounds128.Add(0);
            }

            foreach (var b in node.Bounds)
            {
                if (wide[i])
                {
                    bounds128.Add(b);
                }
                else
                {
                    bounds64.Add((ulong)b);
                }
            }

            foreach (var c in node.Children)
            {
                children.Add(index[c]);
            }
        }

        return new DecisionTree([.. roots.Select(r => index[r])], field, keyType, wide, start, count, mismatch, [.. bounds64], [.. bounds128], [.. children], [.. leaves]);
    }

    private sealed class Node(List<int> ranks, Region region, int depth)
    {
        public List<int> Ranks { get; } = ranks;

        public Region Region { get; set; } = region;

        public int Depth { get; } = depth;

        public ushort Field { get; set; }

        public FwpDataType KeyType { get; set; }

        public List<UInt128>? Bounds { get; set; }

        public List<Node>? Children { get; set; }

        public Node? Mismatch { get; set; }
    }

    /// <summary>A rank list compared by content, to find children that keep the same filters.</summary>
    private readonly struct RankList(List<int> ranks) : IEquatable<RankList>
    {
        private readonly List<int> _ranks = ranks;

        public bool Equals(RankList other) => SameRanks(_ranks, other._ranks);

        public override bool Equals(object? obj) => obj is RankList other && Equals(other);

        public override int GetHashCode()
        {
            var h = default(HashCode);
            foreach (var r in _ranks)
            {
                h.Add(r);
            }

            return h.ToHashCode();
        }
    }

    private sealed record Cut(ushort Field, FwpDataType KeyType, List<UInt128> Bounds, long Entries, int MaxChild);

    /// <summary>What the path to a node says of one field: a typed interval, or "of another type than KeyType".</summary>
    private readonly record struct RegionEntry(bool Typed, FwpDataType KeyType, UInt128 Lo, UInt128 Hi);

    /// <summary>The set of inputs that reach a node, field by field (fields not listed are unconstrained).</summary>
    private sealed class Region
    {
        public static readonly Region Empty = new([]);

        private readonly Dictionary<ushort, RegionEntry> _entries;

        private Region(Dictionary<ushort, RegionEntry> entries) => _entries = entries;

        public bool TryGet(ushort field, out RegionEntry entry) => _entries.TryGetValue(field, out entry);

        public bool IsUntyped(ushort field) => _entries.TryGetValue(field, out var e) && !e.Typed;

        public UInt128 LowOf(ushort field, FwpDataType keyType) =>
            _entries.TryGetValue(field, out var e) && e.Typed && e.KeyType == keyType ? e.Lo : UInt128.Zero;

        public UInt128 HighOf(ushort field, FwpDataType keyType) =>
            _entries.TryGetValue(field, out var e) && e.Typed && e.KeyType == keyType ? e.Hi
            : keyType == FwpDataType.ByteArray16 ? UInt128.MaxValue : ulong.MaxValue;

        public Region With(ushort field, RegionEntry entry) => new(new Dictionary<ushort, RegionEntry>(_entries) { [field] = entry });

        /// <summary>The region with nothing known of <paramref name="field"/> any more.</summary>
        public Region Widen(ushort field)
        {
            var copy = new Dictionary<ushort, RegionEntry>(_entries);
            copy.Remove(field);
            return new Region(copy);
        }
    }
}
