using System.Runtime.CompilerServices;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>
/// The per-layer index that keeps classify cost far below the filter count (issue: "cost grows far slower than
/// the number of filters"). One field is chosen; every filter whose conditions on that field are intervals
/// (equal, range, address mask, less/greater) or exact equality of a blob/string/SID is "indexed": the field's
/// ordered domain is cut into elementary segments, and each segment lists, in evaluation order, the indexed
/// filters that can match a value inside it. All other filters are "wildcards", checked on every classify.
/// A classify does one binary search and merges two short sorted rank lists.
/// </summary>
/// <remarks>
/// Why not a general decision tree: WFP filters combine many fields with OR groups, and a one-field interval
/// index already removes most candidates for the rule sets seen in practice (addresses, ports, app ids), while
/// staying small (about 16 bytes per filter) and cheap to build. Candidates still run their full condition
/// program, so the index only has to never exclude a filter that could match (a hash collision only adds one).
/// </remarks>
internal sealed class FieldIndex
{
    private readonly ulong[]? _starts64;
    private readonly UInt128[]? _starts128;
    private readonly int[] _segmentOffsets;
    private readonly int[] _segmentRanks;

    public FieldIndex(ushort field, FwpDataType keyType, IndexKeyMode mode, ulong[]? starts64, UInt128[]? starts128, int[] segmentOffsets, int[] segmentRanks)
    {
        Field = field;
        KeyType = keyType;
        Mode = mode;
        _starts64 = starts64;
        _starts128 = starts128;
        _segmentOffsets = segmentOffsets;
        _segmentRanks = segmentRanks;
    }

    public ushort Field { get; }

    /// <summary>The incoming value type indexed filters test; a value of another type matches no indexed filter.</summary>
    public FwpDataType KeyType { get; }

    public IndexKeyMode Mode { get; }

    public int SegmentCount => _segmentOffsets.Length - 1;

    public long MemoryBytes =>
        ((_starts64?.Length ?? 0) * 8L) + ((_starts128?.Length ?? 0) * 16L) + (_segmentOffsets.Length * 4L) + (_segmentRanks.Length * 4L);

    /// <summary>The ranks of indexed filters that may match <paramref name="value"/>, ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<int> Candidates(in FwpValue value)
    {
        if (value.Type != KeyType)
        {
            return default;
        }

        int segment;
        if (_starts128 is not null)
        {
            segment = UpperBound(_starts128, value.RawUInt128) - 1;
        }
        else
        {
            segment = UpperBound(_starts64!, KeyOf(Mode, value)) - 1;
        }

        if (segment < 0)
        {
            return default;
        }

        var start = _segmentOffsets[segment];
        return _segmentRanks.AsSpan(start, _segmentOffsets[segment + 1] - start);
    }

    /// <summary>The 64-bit key of a value for the given mode (64-bit ordered scalars or hashes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong KeyOf(IndexKeyMode mode, in FwpValue value) => mode switch
    {
        IndexKeyMode.Ordered => (ulong)value.OrderKey(),
        IndexKeyMode.BlobHash => HashBlob(value.Blob),
        IndexKeyMode.StringHash => (uint)(value.String ?? "").GetHashCode(StringComparison.Ordinal),
        IndexKeyMode.SidHash => (uint)(value.Sid?.GetHashCode() ?? 0),
        _ => 0,
    };

    public static ulong HashBlob(ReadOnlySpan<byte> bytes)
    {
        var h = default(HashCode);
        h.AddBytes(bytes);
        return (uint)h.ToHashCode();
    }

    /// <summary>The first index whose start is greater than <paramref name="key"/> (so the segment is that minus one).</summary>
    /// <remarks>Generic over the key so ulong and UInt128 share one search; the JIT specialises it per value type.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int UpperBound<T>(T[] starts, T key)
        where T : struct, System.Numerics.IComparisonOperators<T, T, bool>
    {
        int lo = 0, hi = starts.Length;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (starts[mid] <= key)
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

/// <summary>How an indexed field's values become keys.</summary>
internal enum IndexKeyMode : byte
{
    Ordered,
    Ordered128,
    BlobHash,
    StringHash,
    SidHash,
}
