using System.Numerics;
using System.Runtime.CompilerServices;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Kernel;

/// <summary>
/// A layer's policy in the bounded, flat form an eBPF program evaluates in the kernel (docs/KERNEL-FORM.md): rules in
/// rank order, a tuple index over them, and the app table. Immutable; built by the engine from the layer's compiled
/// program. <see cref="Evaluate"/> is the reference implementation of the kernel's algorithm.
/// </summary>
public sealed class KernelForm
{
    /// <summary>Kernel fields, in <see cref="KernelFields"/> bit order.</summary>
    public const int FieldCount = 6;

    /// <summary>At most this many rules per filter (the cross product of its intervals); more makes one ASK rule.</summary>
    public const int MaxRulesPerFilter = 16;

    /// <summary>At most this many tuples per layer.</summary>
    public const int MaxTuples = 64;

    /// <summary>At most this many rules per bucket.</summary>
    public const int MaxBucketRules = 64;

    /// <summary>At most this many sublayers holding filters of the layer.</summary>
    public const int MaxSublayers = 32;

    /// <summary>At most this many rules per layer.</summary>
    public const int MaxRules = 262_144;

    // Names of the catalog fields that are kernel fields, in KernelFields bit order.
    private static readonly string[] FieldNames = ["IP_LOCAL_ADDRESS", "IP_REMOTE_ADDRESS", "IP_LOCAL_PORT", "IP_REMOTE_PORT", "IP_PROTOCOL", "ALE_APP_ID"];

    private readonly KernelRule[] _rules;
    private readonly UInt128[] _addresses;
    private readonly KernelTuple[] _tuples;
    private readonly KernelBucket[] _buckets;
    private readonly KernelKey[] _bucketKeys;
    private readonly int[] _bucketRules;
    private readonly int[] _table;
    private readonly byte[][] _apps;
    private readonly Dictionary<byte[], uint> _appNumbers;
    private readonly int[] _fieldIndex;
    private readonly FwpDataType[] _fieldType;

    internal KernelForm(
        LayerInfo layer,
        KernelFormStatus status,
        int sublayerCount,
        KernelRule[] rules,
        UInt128[] addresses,
        KernelTuple[] tuples,
        KernelBucket[] buckets,
        KernelKey[] bucketKeys,
        int[] bucketRules,
        byte[][] apps,
        KernelFormCounters counters)
    {
        Layer = layer;
        IsV6 = layer.IpVersion == IpVersion.V6;
        Status = status;
        SublayerCount = sublayerCount;
        _rules = rules;
        _addresses = addresses;
        _tuples = tuples;
        _buckets = buckets;
        _bucketKeys = bucketKeys;
        _bucketRules = bucketRules;
        _apps = apps;
        Counters = counters;
        (_fieldIndex, _fieldType, Available) = FieldsOf(layer);
        _appNumbers = new Dictionary<byte[], uint>(apps.Length, BlobComparer.Instance);
        for (var i = 0; i < apps.Length; i++)
        {
            _appNumbers[apps[i]] = (uint)(i + 1);
        }

        _table = BuildTable(tuples, buckets, bucketKeys);
    }

    /// <summary>The layer.</summary>
    public LayerInfo Layer { get; }

    /// <summary>True on an IPv6 layer (addresses are 128-bit; otherwise 32-bit in the low bits).</summary>
    public bool IsV6 { get; }

    /// <summary>Empty, Kernel or AskAll.</summary>
    public KernelFormStatus Status { get; }

    /// <summary>Why the layer is ask-all, or <see cref="KernelAskAllReason.None"/>.</summary>
    public KernelAskAllReason AskAllReason => Counters.AskAllReason;

    /// <summary>The number of sublayers holding filters of the layer (rules' <see cref="KernelRule.Sublayer"/> is below it).</summary>
    public int SublayerCount { get; }

    /// <summary>The kernel fields the layer has.</summary>
    public KernelFields Available { get; }

    /// <summary>The rules, in rank order.</summary>
    public ReadOnlySpan<KernelRule> Rules => _rules;

    /// <summary>The tuples (empty unless <see cref="Status"/> is Kernel), the ones holding the best-ranked rules first.</summary>
    public ReadOnlySpan<KernelTuple> Tuples => _tuples;

    /// <summary>The buckets, grouped by tuple.</summary>
    public ReadOnlySpan<KernelBucket> Buckets => _buckets;

    /// <summary>Rule indexes (into <see cref="Rules"/>) of all buckets; each bucket's range is in rank order.</summary>
    public ReadOnlySpan<int> BucketRules => _bucketRules;

    /// <summary>The number of app numbers in use (app numbers are 1..AppCount).</summary>
    public int AppCount => _apps.Length;

    /// <summary>The counters.</summary>
    public KernelFormCounters Counters { get; }

    /// <summary>Approximate bytes held by the form.</summary>
    public long MemoryBytes =>
        (_rules.Length * 32L) + (_addresses.Length * 16L) + (_tuples.Length * 32L) + (_buckets.Length * 12L) + (_bucketKeys.Length * 48L)
        + (_bucketRules.Length * 4L) + (_table.Length * 4L);

    /// <summary>The layer field index of a kernel field, or -1 when the layer lacks it.</summary>
    /// <param name="field">One field bit.</param>
    /// <returns>The index in the layer's values.</returns>
    public int LayerFieldIndex(KernelFields field) => _fieldIndex[FieldNumber(field)];

    /// <summary>A rule's local address interval.</summary>
    /// <param name="rule">The rule index.</param>
    /// <returns>The interval (meaningful when the rule constrains the field).</returns>
    public (UInt128 Lo, UInt128 Hi) LocalAddress(int rule) => (_addresses[rule * 4], _addresses[(rule * 4) + 1]);

    /// <summary>A rule's remote address interval.</summary>
    /// <param name="rule">The rule index.</param>
    /// <returns>The interval (meaningful when the rule constrains the field).</returns>
    public (UInt128 Lo, UInt128 Hi) RemoteAddress(int rule) => (_addresses[(rule * 4) + 2], _addresses[(rule * 4) + 3]);

    /// <summary>A bucket's key: the masked field values of its rules' <c>lo</c> ends.</summary>
    /// <param name="bucket">The bucket index.</param>
    /// <returns>The key.</returns>
    public KernelKey BucketKey(int bucket) => _bucketKeys[bucket];

    /// <summary>The ALE_APP_ID blob that an app number stands for.</summary>
    /// <param name="appNumber">1..<see cref="AppCount"/>.</param>
    /// <returns>The blob.</returns>
    public ReadOnlySpan<byte> AppId(uint appNumber) => _apps[(int)appNumber - 1];

    /// <summary>The app number of an ALE_APP_ID blob, or 0 when no rule names it.</summary>
    /// <param name="appId">The blob.</param>
    /// <returns>The app number.</returns>
    public uint AppNumber(ReadOnlySpan<byte> appId) =>
        _apps.Length != 0 && _appNumbers.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(appId, out var n) ? n : 0;

    /// <summary>
    /// The kernel input of a classification from the layer's values (indexed by field; missing trailing values are
    /// FWP_EMPTY). A field whose value is not of the layer's incoming type (FWP_EMPTY, say) is unknown; the app is
    /// always known (0 unless a rule names it). Allocation-free.
    /// </summary>
    /// <param name="values">The layer's values.</param>
    /// <returns>The input.</returns>
    public KernelInput CreateInput(ReadOnlySpan<FwpValue> values)
    {
        var input = default(KernelInput);
        for (var k = 0; k < FieldCount; k++)
        {
            var index = _fieldIndex[k];
            if (index < 0)
            {
                continue;
            }

            var bit = (KernelFields)(1 << k);
            if (bit == KernelFields.App)
            {
                input.App = index < values.Length && values[index].Type == FwpDataType.ByteBlob ? AppNumber(values[index].Blob) : 0;
                input.Known |= bit;
                continue;
            }

            if (index >= values.Length || values[index].Type != _fieldType[k])
            {
                continue;
            }

            var key = values[index].OrderKey();
            input.Known |= bit;
            switch (bit)
            {
                case KernelFields.LocalAddress:
                    input.LocalAddress = key;
                    break;
                case KernelFields.RemoteAddress:
                    input.RemoteAddress = key;
                    break;
                case KernelFields.LocalPort:
                    input.LocalPort = (ushort)key;
                    break;
                case KernelFields.RemotePort:
                    input.RemotePort = (ushort)key;
                    break;
                default:
                    input.Protocol = (byte)key;
                    break;
            }
        }

        return input;
    }

    /// <summary>
    /// Evaluates the form for one input exactly as the kernel does (docs/KERNEL-FORM.md, "The algorithm").
    /// Allocation-free.
    /// </summary>
    /// <param name="input">The input.</param>
    /// <returns>The decision.</returns>
    public KernelDecision Evaluate(in KernelInput input)
    {
        if (Status != KernelFormStatus.Kernel)
        {
            return Status == KernelFormStatus.Empty ? KernelDecision.NoMatch : KernelDecision.Ask;
        }

        Span<int> bestRank = stackalloc int[MaxSublayers];
        Span<int> bestRule = stackalloc int[MaxSublayers];
        Span<bool> bestAsk = stackalloc bool[MaxSublayers];
        var sublayers = SublayerCount;
        bestRank[..sublayers].Fill(int.MaxValue);
        var rules = _rules;
        var tuples = _tuples;
        for (var t = 0; t < tuples.Length; t++)
        {
            ref readonly var tuple = ref tuples[t];
            if ((tuple.Fields & ~input.Known) != 0)
            {
                return KernelDecision.Ask;
            }

            var b = Find(t, in tuple, in input);
            if (b < 0)
            {
                continue;
            }

            var bucket = _buckets[b];
            var end = bucket.RuleStart + bucket.RuleCount;
            for (var i = bucket.RuleStart; i < end; i++)
            {
                var ri = _bucketRules[i];
                ref readonly var r = ref rules[ri];
                if (bestRank[r.Sublayer] <= r.Rank)
                {
                    continue;
                }

                var m = Match(ri, in r, in input);
                if (m == MatchResult.No)
                {
                    continue;
                }

                bestRank[r.Sublayer] = r.Rank;
                bestRule[r.Sublayer] = ri;
                bestAsk[r.Sublayer] = m == MatchResult.Maybe || r.Action == KernelAction.Ask;
            }
        }

        var verdict = KernelVerdict.NoMatch;
        ulong filter = 0;
        var writable = true;
        for (var s = 0; s < sublayers; s++)
        {
            if (bestRank[s] == int.MaxValue)
            {
                continue;
            }

            if (bestAsk[s])
            {
                return KernelDecision.Ask;
            }

            if (!writable)
            {
                continue;
            }

            ref readonly var r = ref rules[bestRule[s]];
            var action = r.Action == KernelAction.Block ? KernelVerdict.Block : KernelVerdict.Permit;
            var hard = r.Action != KernelAction.Permit;
            if (verdict != action || hard)
            {
                filter = r.FilterId;
            }

            verdict = action;
            writable = !hard;
        }

        return new KernelDecision(verdict, filter);
    }

    /// <summary>An empty form for a layer with no filters.</summary>
    internal static KernelForm EmptyOf(LayerInfo layer, KernelFormCounters counters = default) =>
        new(layer, KernelFormStatus.Empty, 0, [], [], [], [], [], [], [], counters);

    internal static int FieldNumber(KernelFields field) => field switch
    {
        KernelFields.LocalAddress => 0,
        KernelFields.RemoteAddress => 1,
        KernelFields.LocalPort => 2,
        KernelFields.RemotePort => 3,
        KernelFields.Protocol => 4,
        KernelFields.App => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "one kernel field bit expected"),
    };

    /// <summary>For each kernel field: the layer's field index (or -1) and its incoming type.</summary>
    internal static (int[] Index, FwpDataType[] Type, KernelFields Available) FieldsOf(LayerInfo layer)
    {
        var index = new int[FieldCount];
        var type = new FwpDataType[FieldCount];
        var available = KernelFields.None;
        for (var k = 0; k < FieldCount; k++)
        {
            index[k] = -1;
            foreach (var f in layer.Fields)
            {
                if (f.Name == FieldNames[k])
                {
                    index[k] = f.Index;
                    type[k] = f.IncomingType;
                    available |= (KernelFields)(1 << k);
                    break;
                }
            }
        }

        return (index, type, available);
    }

    /// <summary>A prefix mask of <paramref name="length"/> bits over a <paramref name="width"/>-bit value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static UInt128 Mask128(int length, int width) =>
        length == 0 ? UInt128.Zero : (UInt128.MaxValue << (128 - length)) >> (128 - width);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Mask32(int length, int width) =>
        length == 0 ? 0u : (uint.MaxValue << (32 - length)) >> (32 - width);

    /// <summary>The input's key in a tuple: every field masked to the tuple's prefix length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal KernelKey KeyOf(in KernelTuple tuple, in KernelInput input)
    {
        var width = IsV6 ? 128 : 32;
        return new KernelKey(
            input.LocalAddress & Mask128(tuple.LocalAddress, width),
            input.RemoteAddress & Mask128(tuple.RemoteAddress, width),
            (ushort)(input.LocalPort & Mask32(tuple.LocalPort, 16)),
            (ushort)(input.RemotePort & Mask32(tuple.RemotePort, 16)),
            (byte)(input.Protocol & Mask32(tuple.Protocol, 8)),
            tuple.App == 0 ? 0u : input.App);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Hash(int tuple, in KernelKey key)
    {
        var h = ((ulong)(uint)tuple * 0x9E3779B97F4A7C15UL) ^ ((ulong)key.LocalPort << 16) ^ key.RemotePort ^ ((ulong)key.Protocol << 32) ^ ((ulong)key.App << 40);
        h = Mix(h ^ (ulong)key.LocalAddress ^ (ulong)(key.LocalAddress >> 64));
        h = Mix(h ^ (ulong)key.RemoteAddress ^ ((ulong)(key.RemoteAddress >> 64) * 31));
        return h;

        static ulong Mix(ulong x)
        {
            x ^= x >> 31;
            x *= 0xBF58476D1CE4E5B9UL;
            x ^= x >> 29;
            return x;
        }
    }

    private static int[] BuildTable(KernelTuple[] tuples, KernelBucket[] buckets, KernelKey[] keys)
    {
        if (buckets.Length == 0)
        {
            return [];
        }

        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, buckets.Length * 2));
        var table = new int[capacity];
        for (var b = 0; b < buckets.Length; b++)
        {
            var slot = (int)(Hash(buckets[b].Tuple, in keys[b]) & (ulong)(capacity - 1));
            while (table[slot] != 0)
            {
                slot = (slot + 1) & (capacity - 1);
            }

            table[slot] = b + 1;
        }

        _ = tuples;
        return table;
    }

    /// <summary>The bucket of the input in tuple <paramref name="t"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(int t, in KernelTuple tuple, in KernelInput input)
    {
        var key = KeyOf(in tuple, in input);
        var table = _table;
        var mask = table.Length - 1;
        var slot = (int)(Hash(t, in key) & (ulong)mask);
        while (true)
        {
            var e = table[slot];
            if (e == 0)
            {
                return -1;
            }

            if (_buckets[e - 1].Tuple == t && _bucketKeys[e - 1] == key)
            {
                return e - 1;
            }

            slot = (slot + 1) & mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MatchResult Match(int ri, in KernelRule r, in KernelInput input)
    {
        var fields = r.Fields;
        var maybe = (fields & ~input.Known) != 0;
        var known = fields & input.Known;
        if (known == 0)
        {
            return maybe ? MatchResult.Maybe : MatchResult.Yes;
        }

        if ((known & KernelFields.RemotePort) != 0 && (input.RemotePort < r.RemotePortLo || input.RemotePort > r.RemotePortHi))
        {
            return MatchResult.No;
        }

        if ((known & KernelFields.LocalPort) != 0 && (input.LocalPort < r.LocalPortLo || input.LocalPort > r.LocalPortHi))
        {
            return MatchResult.No;
        }

        if ((known & KernelFields.Protocol) != 0 && (input.Protocol < r.ProtocolLo || input.Protocol > r.ProtocolHi))
        {
            return MatchResult.No;
        }

        if ((known & KernelFields.App) != 0 && input.App != r.App)
        {
            return MatchResult.No;
        }

        if ((known & KernelFields.RemoteAddress) != 0 && (input.RemoteAddress < _addresses[(ri * 4) + 2] || input.RemoteAddress > _addresses[(ri * 4) + 3]))
        {
            return MatchResult.No;
        }

        if ((known & KernelFields.LocalAddress) != 0 && (input.LocalAddress < _addresses[ri * 4] || input.LocalAddress > _addresses[(ri * 4) + 1]))
        {
            return MatchResult.No;
        }

        return maybe ? MatchResult.Maybe : MatchResult.Yes;
    }

    private enum MatchResult : byte
    {
        No,
        Yes,
        Maybe,
    }

    /// <summary>Blob equality by content, with span lookups so that classify allocates nothing.</summary>
    private sealed class BlobComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly BlobComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)System.IO.Hashing.XxHash3.HashToUInt64(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
