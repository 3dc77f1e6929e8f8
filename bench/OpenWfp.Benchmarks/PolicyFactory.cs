using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;

namespace OpenWfp.Benchmarks;

/// <summary>
/// A seeded, deterministic, realistic-looking mixed policy for ALE_AUTH_CONNECT_V4, and a set of incoming value
/// arrays that mix hits and misses.
/// </summary>
/// <remarks>
/// Four sublayers (weights 0xF000, 0x8000, 0x4000, 0x1000). Each filter has 1–4 conditions on distinct fields drawn
/// from IP_REMOTE_ADDRESS (V4 mask /8../32 or a range), IP_REMOTE_PORT (equal or range), IP_PROTOCOL (tcp/udp),
/// ALE_APP_ID (equal, pool of <see cref="AppPoolSize"/> paths) and IP_LOCAL_PORT (equal or range). Actions: ~47% permit,
/// ~45% block, ~8% permit with CLEAR_ACTION_RIGHT. Weights: a third each FWP_EMPTY, FWP_UINT8 0..15 and FWP_UINT64.
/// </remarks>
public sealed class PolicyFactory
{
    /// <summary>Application ids in the pool.</summary>
    public const int AppPoolSize = 300;

    /// <summary>The layer the policy targets.</summary>
    public static readonly LayerInfo Layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");

    /// <summary>Field indexes and condition keys used.</summary>
    public static readonly LayerFieldInfo RemoteAddress = Layer.Field("IP_REMOTE_ADDRESS");

    /// <summary>IP_REMOTE_PORT.</summary>
    public static readonly LayerFieldInfo RemotePort = Layer.Field("IP_REMOTE_PORT");

    /// <summary>IP_PROTOCOL.</summary>
    public static readonly LayerFieldInfo Protocol = Layer.Field("IP_PROTOCOL");

    /// <summary>ALE_APP_ID.</summary>
    public static readonly LayerFieldInfo AppIdField = Layer.Field("ALE_APP_ID");

    /// <summary>IP_LOCAL_PORT.</summary>
    public static readonly LayerFieldInfo LocalPort = Layer.Field("IP_LOCAL_PORT");

    private static readonly ushort[] CommonPorts = [22, 25, 53, 80, 123, 143, 443, 445, 993, 1433, 3306, 3389, 5432, 6379, 8080, 8443, 9000, 27017];

    private readonly LayerFieldInfo[] _fields = [RemoteAddress, RemotePort, Protocol, AppIdField, LocalPort];

    /// <summary>Builds the policy description (no engine involved).</summary>
    public PolicyFactory(int filterCount, int seed = 20261126)
    {
        var rng = new Random(seed);
        AppPaths = new string[AppPoolSize];
        AppBlobs = new byte[AppPoolSize][];
        for (var i = 0; i < AppPoolSize; i++)
        {
            AppPaths[i] = $"/usr/lib/vendor{i % 17}/app{i}/bin/program{i}";
            AppBlobs[i] = AppId.FromPath(AppPaths[i]);
        }

        ushort[] sublayerWeights = [0xF000, 0x8000, 0x4000, 0x1000];
        Sublayers = new SublayerSpec[sublayerWeights.Length];
        for (var i = 0; i < Sublayers.Length; i++)
        {
            Sublayers[i] = new SublayerSpec
            {
                Key = NewGuid(rng),
                DisplayData = new DisplayData($"bench sublayer {i}"),
                Weight = sublayerWeights[i],
            };
        }

        // A set of "networks" that filters and inputs share, so that inputs can hit.
        Filters = new FilterSpec[filterCount];
        for (var i = 0; i < filterCount; i++)
        {
            Filters[i] = NewFilter(rng, i);
        }
    }

    /// <summary>The sublayers to add before the filters.</summary>
    public SublayerSpec[] Sublayers { get; }

    /// <summary>The filters (input form: no id, no effective weight).</summary>
    public FilterSpec[] Filters { get; }

    /// <summary>The application path pool.</summary>
    public string[] AppPaths { get; }

    /// <summary>The application id blobs of <see cref="AppPaths"/> (shared by filters and inputs).</summary>
    public byte[][] AppBlobs { get; }

    /// <summary>A new engine holding this policy, built in one transaction.</summary>
    public FilterEngine BuildEngine()
    {
        var engine = new FilterEngine();
        using var txn = engine.BeginTransaction();
        AddAll(txn);
        txn.Commit();
        return engine;
    }

    /// <summary>Adds the sublayers and filters to a transaction.</summary>
    public void AddAll(EngineTransaction txn)
    {
        ArgumentNullException.ThrowIfNull(txn);
        foreach (var s in Sublayers)
        {
            txn.AddSublayer(s);
        }

        foreach (var f in Filters)
        {
            txn.AddFilter(f);
        }
    }

    /// <summary>
    /// <paramref name="count"/> incoming value arrays (one FwpValue per layer field). About half are built to satisfy
    /// a randomly chosen filter's conditions (hits; the rest of the fields random), the rest are fully random.
    /// </summary>
    public FwpValue[][] Inputs(int count, int seed = 4242)
    {
        var rng = new Random(seed);
        var inputs = new FwpValue[count][];
        for (var n = 0; n < count; n++)
        {
            var v = new FwpValue[Layer.Fields.Count];
            v[RemoteAddress.Index] = FwpValue.FromUInt32(RandomAddress(rng));
            v[RemotePort.Index] = FwpValue.FromUInt16(rng.Next(2) == 0 ? CommonPorts[rng.Next(CommonPorts.Length)] : (ushort)rng.Next(1, 65536));
            v[Protocol.Index] = FwpValue.FromUInt8(rng.Next(4) == 0 ? (byte)17 : (byte)6);
            v[AppIdField.Index] = FwpValue.FromByteBlob(AppBlobs[rng.Next(AppPoolSize)]);
            v[LocalPort.Index] = FwpValue.FromUInt16((ushort)rng.Next(32768, 61000));
            if (Filters.Length > 0 && rng.Next(2) == 0)
            {
                foreach (var c in Filters[rng.Next(Filters.Length)].Conditions)
                {
                    var field = Layer.Fields[Layer.FieldIndexOf(c.FieldKey)];
                    v[field.Index] = Satisfying(c.Value);
                }
            }

            inputs[n] = v;
        }

        return inputs;
    }

    private static FwpValue Satisfying(FwpConditionValue c)
    {
        if (c.Type == FwpDataType.V4AddrMask)
        {
            return FwpValue.FromUInt32((uint)c.Value.RawUInt64 & c.V4Mask);
        }

        if (c.Type == FwpDataType.Range)
        {
            return c.RangeLow;
        }

        return c.Value;
    }

    private static uint RandomAddress(Random rng)
    {
        // Mostly a handful of /8s so that masks and ranges overlap the inputs.
        return rng.Next(4) switch
        {
            0 => 0x0A000000u | (uint)rng.Next(0, 1 << 24), // 10/8
            1 => 0xC0A80000u | (uint)rng.Next(0, 1 << 16), // 192.168/16
            2 => 0xAC100000u | (uint)rng.Next(0, 1 << 20), // 172.16/12
            _ => (uint)rng.NextInt64(0x01000000, 0xDF000000),
        };
    }

    private FilterSpec NewFilter(Random rng, int i)
    {
        var conditionCount = rng.Next(1, 5);
        var chosen = new List<int> { 0, 1, 2, 3, 4 };
        var conditions = new List<FilterCondition>(conditionCount);

        // Remote address is the most common condition (as in firewall rule sets).
        var pickOrder = new int[5];
        for (var k = 0; k < 5; k++)
        {
            var j = rng.Next(chosen.Count);
            if (k == 0 && rng.Next(10) < 6)
            {
                j = 0;
            }

            pickOrder[k] = chosen[j];
            chosen.RemoveAt(j);
        }

        Array.Sort(pickOrder, 0, conditionCount);
        for (var k = 0; k < conditionCount; k++)
        {
            var field = _fields[pickOrder[k]];
            conditions.Add(new FilterCondition(field.ConditionKey!.Value, MatchTypeFor(pickOrder[k], rng, out var value), value));
        }

        var a = rng.Next(100);
        var action = a < 47 ? FilterAction.Permit : a < 92 ? FilterAction.Block : FilterAction.Permit;
        var flags = a >= 92 ? FilterFlags.ClearActionRight : FilterFlags.None;
        var weight = rng.Next(3) switch
        {
            0 => FwpValue.Empty,
            1 => FwpValue.FromUInt8((byte)rng.Next(16)),
            _ => FwpValue.FromUInt64((ulong)rng.NextInt64()),
        };

        return new FilterSpec
        {
            Key = NewGuid(rng),
            DisplayData = new DisplayData($"bench filter {i}"),
            LayerKey = Layer.Key,
            SublayerKey = Sublayers[rng.Next(Sublayers.Length)].Key,
            Weight = weight,
            Conditions = conditions,
            Action = action,
            Flags = flags,
        };
    }

    private FwpMatchType MatchTypeFor(int which, Random rng, out FwpConditionValue value)
    {
        switch (which)
        {
            case 0:
                {
                    var addr = RandomAddress(rng);
                    if (rng.Next(5) == 0)
                    {
                        var lo = addr & 0xFFFFFF00u;
                        var hi = lo + (uint)rng.Next(1, 4096);
                        value = FwpConditionValue.Range(FwpValue.FromUInt32(lo), FwpValue.FromUInt32(hi));
                        return FwpMatchType.Range;
                    }

                    // Prefix lengths weighted towards specific ones: /8../32.
                    var prefix = rng.Next(4) == 0 ? rng.Next(8, 33) : rng.Next(24, 33);
                    var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
                    value = FwpConditionValue.V4AddressMask(addr & mask, mask);
                    return FwpMatchType.Equal;
                }

            case 1:
            case 4:
                {
                    var r = rng.Next(10);
                    if (r < 2)
                    {
                        value = FwpConditionValue.Range(FwpValue.FromUInt16(1024), FwpValue.FromUInt16(65535));
                        return FwpMatchType.Range;
                    }

                    if (r < 4)
                    {
                        var lo = (ushort)rng.Next(1, 60000);
                        value = FwpConditionValue.Range(FwpValue.FromUInt16(lo), FwpValue.FromUInt16((ushort)(lo + rng.Next(0, 5000))));
                        return FwpMatchType.Range;
                    }

                    var port = r < 8 ? CommonPorts[rng.Next(CommonPorts.Length)] : (ushort)rng.Next(1, 65536);
                    value = FwpConditionValue.Of(FwpValue.FromUInt16(port));
                    return FwpMatchType.Equal;
                }

            case 2:
                value = FwpConditionValue.Of(FwpValue.FromUInt8(rng.Next(3) == 0 ? (byte)17 : (byte)6));
                return FwpMatchType.Equal;

            default:
                value = FwpConditionValue.Of(FwpValue.FromByteBlob(AppBlobs[rng.Next(AppPoolSize)]));
                return FwpMatchType.Equal;
        }
    }

    private static Guid NewGuid(Random rng)
    {
        Span<byte> b = stackalloc byte[16];
        rng.NextBytes(b);
        return new Guid(b);
    }
}
