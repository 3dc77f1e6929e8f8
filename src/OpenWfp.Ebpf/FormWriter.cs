using System.Runtime.InteropServices;
using OpenWfp.Ebpf.Native;

namespace OpenWfp.Ebpf;

/// <summary>
/// Writes layers' kernel forms into the BPF maps. Each write builds a fresh set of three inner maps, fills them
/// completely, and only then points the outer maps' slot at them, rules first and meta last; a program running in
/// between sees two generations and answers ASK (bpf/kform.h), so no program ever evaluates half a policy.
/// </summary>
internal sealed unsafe class FormWriter
{
    private readonly int _outerMeta;
    private readonly int _outerBuckets;
    private readonly int _outerRules;
    private readonly KernelLayerImage.Serialized?[] _written = new KernelLayerImage.Serialized?[KernelSlots.Count];
    private ulong _generation;

    public FormWriter(BpfObjects objects)
    {
        _outerMeta = objects.Map("openwfp_kf_meta");
        _outerBuckets = objects.Map("openwfp_kf_buckets");
        _outerRules = objects.Map("openwfp_kf_rules");
    }

    /// <summary>Layers written (a layer whose form did not change is not written again).</summary>
    public long LayersWritten { get; private set; }

    /// <summary>The generation of the last write.</summary>
    public ulong Generation => _generation;

    /// <summary>Writes <paramref name="image"/> into its layer's slot unless the slot already holds the same form.</summary>
    /// <param name="image">The layer's form.</param>
    /// <returns>True when the maps were written.</returns>
    /// <exception cref="ArgumentException">The layer has no slot, or the image exceeds a bound.</exception>
    /// <exception cref="EbpfException">The kernel refused a map.</exception>
    public bool Write(KernelLayerImage image)
    {
        var slot = KernelSlots.Of(image.LayerId);
        if (slot < 0)
        {
            throw new ArgumentException($"layer {image.LayerId} is not evaluated in the kernel");
        }

        // Generations only grow, also across a takeover by a new process: they start from the wall clock.
        var generation = Math.Max(_generation + 1, (ulong)TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() * 1000);
        var data = image.Serialize(generation);
        if (_written[slot] is { } previous && previous.SameForm(data))
        {
            return false;
        }

        var rules = Create(Kf.MapTypeArray, "owfp_rules", sizeof(uint), (uint)sizeof(Kf.Rule), (uint)data.Rules.Length, Kf.FInnerMap);
        var buckets = -1;
        var meta = -1;
        try
        {
            buckets = Create(Kf.MapTypeHash, "owfp_buckets", (uint)sizeof(Kf.BucketKey), (uint)sizeof(Kf.Bucket), (uint)data.Buckets.Count, 0);
            meta = Create(Kf.MapTypeArray, "owfp_meta", sizeof(uint), Kf.MetaSize, 1, 0);
            FillRules(rules, data.Rules);
            FillBuckets(buckets, data.Buckets);
            fixed (byte* m = data.Meta)
            {
                var zero = 0u;
                Check(Libbpf.MapUpdateElem(meta, &zero, m, Libbpf.BpfAny), "write the meta entry");
            }

            var key = (uint)slot;
            Check(Libbpf.MapUpdateElem(_outerRules, &key, &rules, Libbpf.BpfAny), "swap the rules map");
            Check(Libbpf.MapUpdateElem(_outerBuckets, &key, &buckets, Libbpf.BpfAny), "swap the buckets map");
            Check(Libbpf.MapUpdateElem(_outerMeta, &key, &meta, Libbpf.BpfAny), "swap the meta map");
        }
        finally
        {
            // The outer maps hold their own references.
            LibC.Close(rules);
            if (buckets >= 0)
            {
                LibC.Close(buckets);
            }

            if (meta >= 0)
            {
                LibC.Close(meta);
            }
        }

        _written[slot] = data;
        _generation = generation;
        LayersWritten++;
        return true;
    }

    /// <summary>Removes a slot's form: the layer's classifications become ASK (no form).</summary>
    public void Clear(ushort layerId)
    {
        var slot = KernelSlots.Of(layerId);
        if (slot < 0)
        {
            return;
        }

        var key = (uint)slot;
        Libbpf.MapDeleteElem(_outerMeta, &key);
        Libbpf.MapDeleteElem(_outerBuckets, &key);
        Libbpf.MapDeleteElem(_outerRules, &key);
        _written[slot] = null;
    }

    private static int Create(uint type, string name, uint keySize, uint valueSize, uint maxEntries, uint flags)
    {
        var opts = new Libbpf.MapCreateOpts { Sz = (nuint)sizeof(Libbpf.MapCreateOpts), MapFlags = flags };
        var fd = Libbpf.MapCreate(type, name, keySize, valueSize, Math.Max(maxEntries, 1), &opts);
        return fd >= 0 ? fd : throw new EbpfException($"cannot create BPF map {name} ({maxEntries} entries): {LibC.Describe(Marshal.GetLastPInvokeError())}");
    }

    private static void FillRules(int fd, Kf.Rule[] rules)
    {
        var keys = new uint[rules.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (uint)i;
        }

        fixed (uint* k = keys)
        fixed (Kf.Rule* v = rules)
        {
            Batch(fd, k, v, (uint)rules.Length, "fill the rules map");
        }
    }

    private static void FillBuckets(int fd, List<(Kf.BucketKey Key, Kf.Bucket Value)> buckets)
    {
        var keys = new Kf.BucketKey[buckets.Count];
        var values = new Kf.Bucket[buckets.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            (keys[i], values[i]) = buckets[i];
        }

        fixed (Kf.BucketKey* k = keys)
        fixed (Kf.Bucket* v = values)
        {
            Batch(fd, k, v, (uint)keys.Length, "fill the buckets map");
        }
    }

    private static void Batch(int fd, void* keys, void* values, uint count, string what)
    {
        var opts = new Libbpf.MapBatchOpts { Sz = (nuint)sizeof(Libbpf.MapBatchOpts) };
        var n = count;
        Check(Libbpf.MapUpdateBatch(fd, keys, values, &n, &opts), what);
        if (n != count)
        {
            throw new EbpfException($"cannot {what}: the kernel took {n} of {count} entries");
        }
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new EbpfException($"cannot {what}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }
    }
}
