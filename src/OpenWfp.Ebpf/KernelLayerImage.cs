using System.Runtime.InteropServices;

namespace OpenWfp.Ebpf;

/// <summary>
/// A tuple of the index: per field, the prefix length its buckets are keyed on (docs/KERNEL-FORM.md, "The index").
/// </summary>
/// <param name="LocalAddress">0–32 (IPv4) or 0–128 (IPv6).</param>
/// <param name="RemoteAddress">0–32 (IPv4) or 0–128 (IPv6).</param>
/// <param name="LocalPort">0–16.</param>
/// <param name="RemotePort">0–16.</param>
/// <param name="Protocol">0–8.</param>
/// <param name="App">0 or 32.</param>
public readonly record struct KernelTuple(byte LocalAddress, byte RemoteAddress, byte LocalPort, byte RemotePort, byte Protocol, byte App)
{
    /// <summary>The fields whose length is above 0: a classification that lacks one cannot look this tuple up.</summary>
    public KernelFields Needs =>
        (LocalAddress > 0 ? KernelFields.LocalAddress : 0) | (RemoteAddress > 0 ? KernelFields.RemoteAddress : 0)
        | (LocalPort > 0 ? KernelFields.LocalPort : 0) | (RemotePort > 0 ? KernelFields.RemotePort : 0)
        | (Protocol > 0 ? KernelFields.Protocol : 0) | (App > 0 ? KernelFields.App : 0);
}

/// <summary>
/// One rule of a layer's kernel form: per constrained field a closed interval (for APP one app number), the filter's
/// rank, sublayer and action, and the tuple it lives in (docs/KERNEL-FORM.md, "Rules").
/// </summary>
public struct KernelRule
{
    /// <summary>The index of the tuple (in <see cref="KernelLayerImage.Tuples"/>) the rule lives in.</summary>
    public int Tuple { get; set; }

    /// <summary>The filter's position in evaluation order.</summary>
    public uint Rank { get; set; }

    /// <summary>The sublayer's number (0 = evaluated first).</summary>
    public byte Sublayer { get; set; }

    /// <summary>The rule's action.</summary>
    public KernelAction Action { get; set; }

    /// <summary>The filter's run-time id.</summary>
    public ulong FilterId { get; set; }

    /// <summary>The constrained fields.</summary>
    public KernelFields Fields { get; set; }

    /// <summary>LOCAL_ADDR's interval, low end (IPv4 in the low 32 bits).</summary>
    public UInt128 LocalAddressLow { get; set; }

    /// <summary>LOCAL_ADDR's interval, high end.</summary>
    public UInt128 LocalAddressHigh { get; set; }

    /// <summary>REMOTE_ADDR's interval, low end.</summary>
    public UInt128 RemoteAddressLow { get; set; }

    /// <summary>REMOTE_ADDR's interval, high end.</summary>
    public UInt128 RemoteAddressHigh { get; set; }

    /// <summary>LOCAL_PORT's interval, low end.</summary>
    public ushort LocalPortLow { get; set; }

    /// <summary>LOCAL_PORT's interval, high end.</summary>
    public ushort LocalPortHigh { get; set; }

    /// <summary>REMOTE_PORT's interval, low end.</summary>
    public ushort RemotePortLow { get; set; }

    /// <summary>REMOTE_PORT's interval, high end.</summary>
    public ushort RemotePortHigh { get; set; }

    /// <summary>PROTOCOL's interval, low end.</summary>
    public byte ProtocolLow { get; set; }

    /// <summary>PROTOCOL's interval, high end.</summary>
    public byte ProtocolHigh { get; set; }

    /// <summary>APP's app number (as the kernel's app map gives it).</summary>
    public uint App { get; set; }
}

/// <summary>
/// A layer's kernel form as the BPF maps hold it: the tuples, the rules with the tuple each lives in, and the layer's
/// facts. <see cref="Serialize"/> turns it into the bytes of the three inner maps (bpf/kform.h).
/// </summary>
public sealed class KernelLayerImage
{
    /// <summary>The run-time layer id (FWPS_LAYER_*).</summary>
    public required ushort LayerId { get; init; }

    /// <summary>32 for an IPv4 layer, 128 for an IPv6 layer: the width of its address fields.</summary>
    public required int AddressBits { get; init; }

    /// <summary>Every classification of the layer is ASK (the form exceeds a bound).</summary>
    public bool AskAll { get; init; }

    /// <summary>How many sublayers hold rules (numbered 0 … count − 1 in evaluation order).</summary>
    public int SublayerCount { get; init; }

    /// <summary>The tuples, at most 64.</summary>
    public IReadOnlyList<KernelTuple> Tuples { get; init; } = [];

    /// <summary>The rules, at most 262,144; each names its tuple.</summary>
    public IReadOnlyList<KernelRule> Rules { get; init; } = [];

    /// <summary>An ask-all image for a layer.</summary>
    /// <param name="layerId">FWPS_LAYER_*.</param>
    /// <param name="addressBits">32 or 128.</param>
    /// <returns>The image.</returns>
    public static KernelLayerImage AskAllOf(ushort layerId, int addressBits) => new() { LayerId = layerId, AddressBits = addressBits, AskAll = true };

    /// <summary>The mask that keeps the top <paramref name="length"/> bits of a <paramref name="bits"/>-bit value.</summary>
    internal static UInt128 Mask(int length, int bits)
    {
        if (length <= 0)
        {
            return UInt128.Zero;
        }

        var all = bits >= 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;
        return length >= bits ? all : all & ~(all >> length);
    }

    /// <summary>
    /// The maps' contents for generation <paramref name="generation"/>: the meta entry, the buckets (each a run of
    /// rules in rank order), the rules array with the generation stamp at index 0.
    /// </summary>
    /// <exception cref="ArgumentException">A bound of docs/KERNEL-FORM.md is exceeded or a rule names a missing tuple.</exception>
    internal Serialized Serialize(ulong generation)
    {
        if (AddressBits is not (32 or 128))
        {
            throw new ArgumentException($"layer {LayerId}: address width {AddressBits} (need 32 or 128)");
        }

        var meta = new byte[Kf.MetaSize];
        var header = new Kf.MetaHeader
        {
            Generation = generation,
            LayerId = LayerId,
            Flags = AskAll ? Kf.MetaAskAll : 0,
            NSublayers = (uint)SublayerCount,
        };
        if (AskAll)
        {
            MemoryMarshal.Write(meta, in header);
            return new Serialized(meta, [Stamp(generation)], [GenerationBucket(generation)]);
        }

        if (Tuples.Count > Kf.MaxTuples || Rules.Count > Kf.MaxRules || SublayerCount > Kf.MaxSublayers)
        {
            throw new ArgumentException($"layer {LayerId}: {Tuples.Count} tuples, {Rules.Count} rules, {SublayerCount} sublayers exceed the kernel form's bounds (64, 262144, 32)");
        }

        var tuples = new Kf.Tuple[Tuples.Count];
        for (var i = 0; i < tuples.Length; i++)
        {
            var t = Tuples[i];
            tuples[i] = new Kf.Tuple
            {
                LMask = new Kf.Addr(Mask(t.LocalAddress, AddressBits)),
                RMask = new Kf.Addr(Mask(t.RemoteAddress, AddressBits)),
                LPortMask = (ushort)Mask(t.LocalPort, 16),
                RPortMask = (ushort)Mask(t.RemotePort, 16),
                ProtoMask = (byte)Mask(t.Protocol, 8),
                AppMask = t.App > 0 ? uint.MaxValue : 0,
                Needs = (byte)t.Needs,
            };
        }

        // Buckets: rules with the same tuple and masked low ends, in rank order (stable: rules of one filter keep the
        // order they were given).
        var groups = new Dictionary<Kf.BucketKey, List<int>>(new BucketKeyComparer());
        var order = new List<Kf.BucketKey>();
        for (var i = 0; i < Rules.Count; i++)
        {
            var r = Rules[i];
            if ((uint)r.Tuple >= (uint)tuples.Length)
            {
                throw new ArgumentException($"layer {LayerId}: rule {i} (filter {r.FilterId}) names tuple {r.Tuple} of {tuples.Length}");
            }

            if (r.Sublayer >= Math.Max(SublayerCount, 1))
            {
                throw new ArgumentException($"layer {LayerId}: rule {i} (filter {r.FilterId}) is in sublayer {r.Sublayer} of {SublayerCount}");
            }

            if ((Tuples[r.Tuple].Needs & ~r.Fields) != 0 || !FitsTuple(r, tuples[r.Tuple]))
            {
                throw new ArgumentException($"layer {LayerId}: rule {i} (filter {r.FilterId}) does not fit tuple {r.Tuple} (its intervals do not share the tuple's prefixes)");
            }

            var key = KeyOf(r, tuples[r.Tuple]);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                order.Add(key);
            }

            list.Add(i);
            tuples[r.Tuple].NonEmpty = 1;
        }

        var rules = new Kf.Rule[Rules.Count + 1];
        rules[0] = Stamp(generation);
        var buckets = new List<(Kf.BucketKey, Kf.Bucket)>(order.Count + 1) { GenerationBucket(generation) };
        var next = 1;
        foreach (var key in order)
        {
            var members = groups[key];
            if (members.Count > Kf.MaxBucketRules)
            {
                throw new ArgumentException($"layer {LayerId}: a bucket of tuple {key.Tuple} holds {members.Count} rules (at most {Kf.MaxBucketRules})");
            }

            members.Sort((a, b) => Rules[a].Rank != Rules[b].Rank ? Rules[a].Rank.CompareTo(Rules[b].Rank) : a.CompareTo(b));
            buckets.Add((key, new Kf.Bucket { First = (uint)next, Count = (uint)members.Count }));
            foreach (var m in members)
            {
                rules[next++] = ToNative(Rules[m]);
            }
        }

        header.NTuples = (uint)tuples.Length;
        header.NRules = (uint)Rules.Count;
        MemoryMarshal.Write(meta, in header);
        MemoryMarshal.AsBytes(tuples.AsSpan()).CopyTo(meta.AsSpan(32));
        return new Serialized(meta, rules, buckets);
    }

    private static Kf.Rule Stamp(ulong generation) => new() { FilterId = generation, Fields = 0xff };

    private static (Kf.BucketKey, Kf.Bucket) GenerationBucket(ulong generation) =>
        (new Kf.BucketKey { Tuple = Kf.GenerationKey }, new Kf.Bucket { First = (uint)generation, Count = (uint)(generation >> 32) });

    private static bool FitsTuple(in KernelRule r, in Kf.Tuple t) =>
        (r.LocalAddressLow & t.LMask.Value) == (r.LocalAddressHigh & t.LMask.Value)
        && (r.RemoteAddressLow & t.RMask.Value) == (r.RemoteAddressHigh & t.RMask.Value)
        && (r.LocalPortLow & t.LPortMask) == (r.LocalPortHigh & t.LPortMask)
        && (r.RemotePortLow & t.RPortMask) == (r.RemotePortHigh & t.RPortMask)
        && (r.ProtocolLow & t.ProtoMask) == (r.ProtocolHigh & t.ProtoMask);

    private static Kf.BucketKey KeyOf(in KernelRule r, in Kf.Tuple t) => new()
    {
        Tuple = (uint)r.Tuple,
        App = r.App & t.AppMask,
        LPort = (ushort)(r.LocalPortLow & t.LPortMask),
        RPort = (ushort)(r.RemotePortLow & t.RPortMask),
        Proto = (byte)(r.ProtocolLow & t.ProtoMask),
        LAddr = new Kf.Addr(r.LocalAddressLow & t.LMask.Value),
        RAddr = new Kf.Addr(r.RemoteAddressLow & t.RMask.Value),
    };

    private static Kf.Rule ToNative(in KernelRule r)
    {
        var f = r.Fields;
        return new Kf.Rule
        {
            FilterId = r.FilterId,
            Rank = r.Rank,
            Sublayer = r.Sublayer,
            Action = (byte)r.Action,
            Fields = (byte)f,
            LAddrLo = new Kf.Addr((f & KernelFields.LocalAddress) != 0 ? r.LocalAddressLow : 0),
            LAddrHi = new Kf.Addr((f & KernelFields.LocalAddress) != 0 ? r.LocalAddressHigh : 0),
            RAddrLo = new Kf.Addr((f & KernelFields.RemoteAddress) != 0 ? r.RemoteAddressLow : 0),
            RAddrHi = new Kf.Addr((f & KernelFields.RemoteAddress) != 0 ? r.RemoteAddressHigh : 0),
            LPortLo = (f & KernelFields.LocalPort) != 0 ? r.LocalPortLow : (ushort)0,
            LPortHi = (f & KernelFields.LocalPort) != 0 ? r.LocalPortHigh : (ushort)0,
            RPortLo = (f & KernelFields.RemotePort) != 0 ? r.RemotePortLow : (ushort)0,
            RPortHi = (f & KernelFields.RemotePort) != 0 ? r.RemotePortHigh : (ushort)0,
            ProtoLo = (f & KernelFields.Protocol) != 0 ? r.ProtocolLow : (byte)0,
            ProtoHi = (f & KernelFields.Protocol) != 0 ? r.ProtocolHigh : (byte)0,
            App = (f & KernelFields.App) != 0 ? r.App : 0,
        };
    }

    /// <summary>The bytes of the three inner maps.</summary>
    internal sealed record Serialized(byte[] Meta, Kf.Rule[] Rules, List<(Kf.BucketKey Key, Kf.Bucket Value)> Buckets)
    {
        /// <summary>Whether two serializations hold the same form (everything but the generation stamps).</summary>
        public bool SameForm(Serialized other)
        {
            if (Rules.Length != other.Rules.Length || Buckets.Count != other.Buckets.Count
                || !Meta.AsSpan(8).SequenceEqual(other.Meta.AsSpan(8)))
            {
                return false;
            }

            if (!MemoryMarshal.AsBytes(Rules.AsSpan(1)).SequenceEqual(MemoryMarshal.AsBytes(other.Rules.AsSpan(1))))
            {
                return false;
            }

            var comparer = new BucketKeyComparer();
            for (var i = 1; i < Buckets.Count; i++)
            {
                if (!comparer.Equals(Buckets[i].Key, other.Buckets[i].Key) || Buckets[i].Value.First != other.Buckets[i].Value.First
                    || Buckets[i].Value.Count != other.Buckets[i].Value.Count)
                {
                    return false;
                }
            }

            return true;
        }
    }

    private sealed class BucketKeyComparer : IEqualityComparer<Kf.BucketKey>
    {
        public bool Equals(Kf.BucketKey x, Kf.BucketKey y) =>
            MemoryMarshal.AsBytes(new ReadOnlySpan<Kf.BucketKey>(in x)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<Kf.BucketKey>(in y)));

        public int GetHashCode(Kf.BucketKey obj)
        {
            var h = new HashCode();
            h.AddBytes(MemoryMarshal.AsBytes(new ReadOnlySpan<Kf.BucketKey>(in obj)));
            return h.ToHashCode();
        }
    }
}
