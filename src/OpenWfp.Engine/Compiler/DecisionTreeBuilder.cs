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

    // Fields tried per node (the most constrained ones).
    private const int FieldsTried = 4;

    private readonly CompiledFilter[] _filters;
    private readonly ConditionOp[] _ops;
    private readonly ulong[] _bounds64;
    private readonly UInt128[] _bounds128;

    // Stop cutting once this many leaf entries exist (memory and build-time budget: replication of wide filters).
    private readonly long _entryBudget;
    private long _entries;

    private DecisionTreeBuilder(CompiledFilter[] filters, ConditionOp[] ops, ulong[] bounds64, UInt128[] bounds128)
    {
        _filters = filters;
        _ops = ops;
        _bounds64 = bounds64;
        _bounds128 = bounds128;
        _entryBudget = (24L * filters.Length) + 4096;
    }

    public static DecisionTree Build(CompiledFilter[] filters, ConditionOp[] ops, ulong[] bounds64, UInt128[] bounds128) =>
        new DecisionTreeBuilder(filters, ops, bounds64, bounds128).Build();

    private DecisionTree Build()
    {
        var all = new List<int>(_filters.Length);
        for (var r = 0; r < _filters.Length; r++)
        {
            all.Add(r);
        }

        var root = new Node(Prune(all, Region.Empty), Region.Empty, 0);
        var queue = new Queue<Node>();
        queue.Enqueue(root);
        var order = new List<Node>();
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            order.Add(node);
            if (node.Ranks.Count > LeafSize && node.Depth < MaxDepth && _entries < _entryBudget && TryCut(node))
            {
                foreach (var child in node.Children!)
                {
                    queue.Enqueue(child);
                }

                queue.Enqueue(node.Mismatch!);
            }
            else
            {
                _entries += node.Ranks.Count;
            }
        }

        return Flatten(order);
    }

    private bool TryCut(Node node)
    {
        var best = default(Cut);
        foreach (var (field, keyType) in CandidateFields(node))
        {
            var cut = Evaluate(node, field, keyType);
            if (cut is not null && cut.MaxChild < node.Ranks.Count && (best is null || cut.Cost < best.Cost))
            {
                best = cut;
            }
        }

        if (best is null)
        {
            return false;
        }

        node.Field = best.Field;
        node.KeyType = best.KeyType;
        node.Bounds = best.Bounds;
        var children = new List<Node>(best.Bounds.Count);
        var merged = new List<UInt128>(best.Bounds.Count);
        for (var s = 0; s < best.Bounds.Count; s++)
        {
            var hi = s + 1 < best.Bounds.Count ? best.Bounds[s + 1] - 1 : node.Region.HighOf(best.Field, best.KeyType);
            var region = node.Region.With(best.Field, new RegionEntry(true, best.KeyType, best.Bounds[s], hi));
            var ranks = Prune(best.Children[s], region);

            // Adjacent segments that keep the same filters are one segment.
            if (children.Count > 0 && SameRanks(children[^1].Ranks, ranks))
            {
                var last = children[^1];
                last.Region = last.Region.With(best.Field, new RegionEntry(true, best.KeyType, merged[^1], hi));
                continue;
            }

            merged.Add(best.Bounds[s]);
            children.Add(new Node(ranks, region, node.Depth + 1));
        }

        node.Bounds = merged;
        node.Children = children;
        var mismatchRegion = node.Region.With(best.Field, new RegionEntry(false, best.KeyType, 0, 0));
        node.Mismatch = new Node(Prune(best.MismatchRanks, mismatchRegion), mismatchRegion, node.Depth + 1);
        return true;
    }

    // Fields with interval conditions among the node's filters, most constrained first.
    private List<(ushort Field, FwpDataType KeyType)> CandidateFields(Node node)
    {
        var counts = new Dictionary<(ushort, FwpDataType), int>();
        foreach (var r in node.Ranks)
        {
            foreach (var (start, end) in Groups(r))
            {
                for (var i = start; i < end; i++)
                {
                    if (_ops[i].Kind is OpKind.InRange64 or OpKind.InRange128 or OpKind.OutOfRange64 or OpKind.OutOfRange128)
                    {
                        var key = (_ops[i].Field, (FwpDataType)_ops[i].ExpectedType);
                        if (!node.Region.IsUntyped(key.Item1))
                        {
                            counts[key] = counts.GetValueOrDefault(key) + 1;
                        }

                        break;
                    }
                }
            }
        }

        return [.. counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).Take(FieldsTried).Select(kv => kv.Key)];
    }

    private Cut? Evaluate(Node node, ushort field, FwpDataType keyType)
    {
        var low = node.Region.LowOf(field, keyType);
        var high = node.Region.HighOf(field, keyType);

        var points = new List<UInt128> { low };
        foreach (var r in node.Ranks)
        {
            if (GroupOn(r, field) is not var (start, end) || end == 0)
            {
                continue;
            }

            for (var i = start; i < end; i++)
            {
                if ((FwpDataType)_ops[i].ExpectedType != keyType || !IsInterval(_ops[i].Kind))
                {
                    continue;
                }

                var (lo, hi) = Interval(_ops[i]);
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

        points.Sort();
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

        var children = new List<int>[bounds.Count];
        for (var s = 0; s < children.Length; s++)
        {
            children[s] = [];
        }

        var mismatch = new List<int>();
        var boundArray = bounds.ToArray();
        foreach (var r in node.Ranks)
        {
            if (GroupOn(r, field) is not var (start, end) || end == 0)
            {
                foreach (var c in children)
                {
                    c.Add(r);
                }

                mismatch.Add(r);
                continue;
            }

            // Segments the group can match a typed value in; a value of another type can only match ops of another type.
            var untyped = false;
            for (var i = start; i < end; i++)
            {
                var op = _ops[i];
                if ((FwpDataType)op.ExpectedType != keyType)
                {
                    untyped = true;
                    continue;
                }

                if (op.Kind is OpKind.InRange64 or OpKind.InRange128)
                {
                    var (lo, hi) = Interval(op);
                    if (lo > hi || hi < low || lo > high)
                    {
                        continue;
                    }

                    var a = DecisionTree.UpperBound<UInt128>(boundArray, UInt128.Max(lo, low)) - 1;
                    var b = DecisionTree.UpperBound<UInt128>(boundArray, UInt128.Min(hi, high)) - 1;
                    for (var s = a; s <= b; s++)
                    {
                        AddOnce(children[s], r);
                    }
                }
                else
                {
                    // NOT_EQUAL, flags and other typed tests can match anywhere in the node's range.
                    for (var s = 0; s < children.Length; s++)
                    {
                        AddOnce(children[s], r);
                    }
                }
            }

            if (untyped)
            {
                mismatch.Add(r);
            }
        }

        long cost = mismatch.Count;
        var max = mismatch.Count;
        foreach (var c in children)
        {
            cost += c.Count;
            max = Math.Max(max, c.Count);
        }

        return new Cut(field, keyType, bounds, children, mismatch, cost, max);
    }

    // Ranks are visited in ascending order, so a segment's list stays sorted; several ops of one group add a rank once.
    private static void AddOnce(List<int> list, int rank)
    {
        if (list.Count == 0 || list[^1] != rank)
        {
            list.Add(rank);
        }
    }

    /// <summary>Drops filters that a covering static filter of the same sublayer always decides before.</summary>
    private List<int> Prune(List<int> ranks, Region region)
    {
        var kept = new List<int>(ranks.Count);
        var covered = -1;
        foreach (var r in ranks)
        {
            ref readonly var f = ref _filters[r];
            if (f.SublayerOrdinal == covered)
            {
                continue;
            }

            kept.Add(r);
            if (f.Kind is FilterKind.Permit or FilterKind.HardPermit or FilterKind.Block && Covers(r, region))
            {
                covered = f.SublayerOrdinal;
            }
        }

        return kept;
    }

    /// <summary>True when every condition group of the filter holds for every input in the region.</summary>
    private bool Covers(int rank, Region region)
    {
        foreach (var (start, end) in Groups(rank))
        {
            var field = _ops[start].Field;
            if (!region.TryGet(field, out var entry) || !entry.Typed)
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

                var (lo, hi) = Interval(op);
                holds = op.Kind is OpKind.InRange64 or OpKind.InRange128
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

    private static bool IsInterval(OpKind kind) => kind is OpKind.InRange64 or OpKind.InRange128 or OpKind.OutOfRange64 or OpKind.OutOfRange128;

    private (UInt128 Lo, UInt128 Hi) Interval(ConditionOp op) =>
        op.Kind is OpKind.InRange128 or OpKind.OutOfRange128
            ? (_bounds128[op.Operand], _bounds128[op.Operand + 1])
            : (_bounds64[op.Operand], _bounds64[op.Operand + 1]);

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

    private IEnumerable<(int Start, int End)> Groups(int rank)
    {
        var f = _filters[rank];
        var i = f.OpStart;
        var end = f.OpStart + f.OpCount;
        while (i < end)
        {
            var start = i;
            while (!_ops[i].GroupEnd)
            {
                i++;
            }

            i++;
            yield return (start, i);
        }
    }

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

    private static DecisionTree Flatten(List<Node> order)
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

        return new DecisionTree(field, keyType, wide, start, count, mismatch, [.. bounds64], [.. bounds128], [.. children], [.. leaves]);
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

    private sealed record Cut(ushort Field, FwpDataType KeyType, List<UInt128> Bounds, List<int>[] Children, List<int> MismatchRanks, long Cost, int MaxChild);

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
    }
}
