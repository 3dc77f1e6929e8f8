using System.Numerics;
using System.Runtime.CompilerServices;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>
/// The index that keeps classify cost far below the filter count: a decision tree over the layer's fields.
/// Each inner node cuts one field's ordered domain into segments; a value of another type than the node's key
/// type (FWP_EMPTY included) takes the node's "mismatch" branch. Each leaf lists, in evaluation order, every
/// filter that can match an input reaching it — minus filters that can never be reached there because an
/// earlier static PERMIT/BLOCK of the same sublayer matches every input of that leaf's region.
/// </summary>
/// <remarks>
/// Why a tree: WFP policies mix many fields with OR groups and default rules ("any TCP", "everything"). A
/// one-field index leaves every filter not constrained on that field to be scanned on each classify. Cutting on
/// several fields, and pruning what sits behind a covering rule, keeps a leaf to a handful of filters for the
/// rule sets benchmarked (bench/, docs/BENCHMARKS.md). Leaves are evaluated with the full condition program,
/// so the tree only has to never drop a filter that could decide; the differential tests hold it to the naive
/// reference. Flat arrays, built once per commit, read without locks.
/// </remarks>
internal sealed class DecisionTree
{
    /// <summary>The most trees a layer's forest has (see DecisionTreeBuilder.Build for why two).</summary>
    internal const int MaxRoots = 2;

    private static readonly FwpValue EmptyValue;

    private readonly int[] _roots;

    // One struct per node so that a level of the walk reads one cache line, not six arrays.
    private readonly TreeNode[] _nodes;
    private readonly ulong[] _bounds64;
    private readonly UInt128[] _bounds128;
    private readonly int[] _children;
    private readonly int[] _leafRanks;

    public DecisionTree(int[] roots, int[] field, ushort[] keyType, bool[] wide, int[] start, int[] count, int[] mismatch, ulong[] bounds64, UInt128[] bounds128, int[] children, int[] leafRanks)
    {
        _roots = roots;
        _nodes = new TreeNode[field.Length];
        for (var i = 0; i < _nodes.Length; i++)
        {
            _nodes[i] = new TreeNode(field[i], keyType[i], wide[i], start[i], count[i], mismatch[i]);
        }

        _bounds64 = bounds64;
        _bounds128 = bounds128;
        _children = children;
        _leafRanks = leafRanks;
    }

    public int NodeCount => _nodes.Length;

    /// <summary>How many trees: each gives one candidate list per classify.</summary>
    public int RootCount => _roots.Length;

    /// <summary>All leaves' rank lists, back to back; <see cref="Collect"/> gives offsets into it.</summary>
    public ReadOnlySpan<int> LeafRanks => _leafRanks;

    public int LeafEntryCount => _leafRanks.Length;

    public long MemoryBytes =>
        (_roots.Length * 4L) + (_nodes.Length * 20L) + (_bounds64.Length * 8L) + (_bounds128.Length * 16L) + (_children.Length * 4L) + (_leafRanks.Length * 4L);

    /// <summary>
    /// For each tree, the leaf these values reach: <paramref name="starts"/>[i] and <paramref name="ends"/>[i] delimit
    /// its ranks in <see cref="LeafRanks"/> (ascending). A rank is in at most one tree. Returns the tree count.
    /// </summary>
    public int Collect(ReadOnlySpan<FwpValue> values, Span<int> starts, Span<int> ends)
    {
        var cache = new KeyCache { Field = -1 };
        for (var i = 0; i < _roots.Length; i++)
        {
            ref readonly var leaf = ref _nodes[Leaf(_roots[i], values, ref cache)];
            starts[i] = leaf.Start;
            ends[i] = leaf.Start + leaf.Count;
        }

        return _roots.Length;
    }

    /// <summary>The ranks of one tree's leaf for these values (the only list when <see cref="RootCount"/> is 1).</summary>
    public ReadOnlySpan<int> Candidates(ReadOnlySpan<FwpValue> values, int tree = 0)
    {
        var cache = new KeyCache { Field = -1 };
        ref readonly var leaf = ref _nodes[Leaf(_roots[tree], values, ref cache)];
        return new ReadOnlySpan<int>(_leafRanks, leaf.Start, leaf.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Leaf(int node, ReadOnlySpan<FwpValue> values, ref KeyCache cache)
    {
        while (true)
        {
            ref readonly var n = ref _nodes[node];
            var field = n.Field;
            if (field < 0)
            {
                return node;
            }

            ref readonly var v = ref (uint)field < (uint)values.Length ? ref values[field] : ref EmptyValue;
            if ((ushort)v.Type != n.KeyType)
            {
                node = n.Mismatch;
                continue;
            }

            var segment = n.Wide
                ? UpperBound(new ReadOnlySpan<UInt128>(_bounds128, n.Start, n.Count), v.RawUInt128) - 1
                : UpperBound(new ReadOnlySpan<ulong>(_bounds64, n.Start, n.Count), CachedKeyOf(field, in v, ref cache)) - 1;

            // The first bound is the node's region start, which every value reaching it is at or above.
            node = _children[n.Start + segment];
        }
    }

    private readonly struct TreeNode(int field, ushort keyType, bool wide, int start, int count, int mismatch)
    {
        /// <summary>The field cut on; -1 for a leaf.</summary>
        public readonly int Field = field;
        public readonly ushort KeyType = keyType;
        public readonly bool Wide = wide;

        /// <summary>Offset of the bounds and children (cut) or of the ranks (leaf).</summary>
        public readonly int Start = start;
        public readonly int Count = count;
        public readonly int Mismatch = mismatch;
    }

    /// <summary>
    /// The 64-bit key a node cuts on: the order key for numbers; for blobs, strings and SIDs (which are only
    /// indexed on EQUAL) a hash, so equal values land in one segment and the leaf's full test sorts out collisions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong KeyOf(in FwpValue v) => v.Type switch
    {
        FwpDataType.ByteBlob => HashBlob(v.Blob),
        FwpDataType.UnicodeString => (uint)(v.String ?? "").GetHashCode(StringComparison.Ordinal),
        FwpDataType.Sid => (uint)(v.Sid?.GetHashCode() ?? 0),
        _ => (ulong)v.OrderKey(),
    };

    // Hashing a blob costs more than the rest of a lookup: hash each hashed field once per classify, however
    // many nodes (in however many trees) cut on it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong CachedKeyOf(int field, in FwpValue v, ref KeyCache cache)
    {
        if (!IsHashed(v.Type))
        {
            return (ulong)v.OrderKey();
        }

        if (cache.Field != field)
        {
            cache.Field = field;
            cache.Key = KeyOf(in v);
        }

        return cache.Key;
    }

    private struct KeyCache
    {
        public int Field;
        public ulong Key;
    }

    /// <summary>True for the types a node cuts by hash.</summary>
    internal static bool IsHashed(FwpDataType type) => type is FwpDataType.ByteBlob or FwpDataType.UnicodeString or FwpDataType.Sid;

    internal static ulong HashBlob(ReadOnlySpan<byte> bytes) => System.IO.Hashing.XxHash3.HashToUInt64(bytes);

    /// <summary>The first index whose element is greater than <paramref name="key"/>.</summary>
    /// <remarks>
    /// Generic so ulong and UInt128 share one search (the JIT specialises it per value type). Branch-free: the
    /// loop only narrows a base index with a conditional move, so unpredictable comparisons cost no mispredicted
    /// branch — each tree level of every classify runs one of these.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int UpperBound<T>(ReadOnlySpan<T> sorted, T key)
        where T : struct, IComparisonOperators<T, T, bool>
    {
        var length = sorted.Length;
        if (length == 0)
        {
            return 0;
        }

        var b = 0;
        while (length > 1)
        {
            var half = length >> 1;
            b = sorted[b + half] <= key ? b + half : b;
            length -= half;
        }

        return sorted[b] <= key ? b + 1 : b;
    }

    /// <summary>The first index whose element is at least <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int LowerBound(ReadOnlySpan<int> sorted, int key)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (sorted[mid] < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
