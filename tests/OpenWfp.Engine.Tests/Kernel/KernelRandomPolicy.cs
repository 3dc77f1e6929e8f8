using System.Text;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Testing;

namespace OpenWfp.Engine.Tests.Kernel;

/// <summary>
/// Seeded random policies for the kernel form: every kernel field (local and remote addresses and ports, protocol,
/// app id) with every match type the engine takes on them, plus non-kernel conditions (FLAGS, ALE_USER_ID), callouts
/// of the three types, weights of the three kinds, hard permits and several sublayers. Small value domains, so
/// filters match often. "Pure" policies use only what the kernel can decide.
/// </summary>
internal static class KernelRandomPolicy
{
    public static readonly LayerInfo[] Layers =
    [
        LayerCatalog.Layer("ALE_AUTH_CONNECT_V4"),
        LayerCatalog.Layer("ALE_AUTH_CONNECT_V6"),
        LayerCatalog.Layer("ALE_AUTH_RECV_ACCEPT_V4"),
        LayerCatalog.Layer("ALE_RESOURCE_ASSIGNMENT_V6"),
        LayerCatalog.Layer("ALE_AUTH_LISTEN_V4"),
    ];

    private static readonly uint[] V4 = [0x0A000001, 0x0A000002, 0x0A0001FF, 0xC0A80101, 0xC0A801C8, 0x08080808, 0, 0xFFFFFFFF];
    private static readonly UInt128[] V6 =
    [
        new(0x2001_0db8_0000_0000, 1),
        new(0x2001_0db8_0000_0000, 2),
        new(0x2001_0db8_0000_0001, 5),
        new(0xfe80_0000_0000_0000, 0x1234),
        new(0, 1),
    ];

    private static readonly ushort[] Ports = [0, 22, 53, 80, 443, 1024, 8080, 50000, 65535];
    private static readonly byte[] Protocols = [1, 6, 17, 0, 255];
    private static readonly byte[][] Apps = [.. new[] { "/usr/bin/curl", "/usr/bin/ssh", "/usr/sbin/sshd", "/opt/app/bin/app" }.Select(AppId.FromPath)];
    private static readonly byte[][] Suffixes = [.. new[] { "curl", "/ssh", "d" }.Select(s => Encoding.Unicode.GetBytes(s + "\0"))];
    private static readonly ushort[] SublayerWeights = [0x8000, 0x4000, 0x100, 0x100, 0xFFFF, 1, 0];
    private static readonly ulong[] FixedWeights = [10, 20, 20, 1000, 1UL << 62, ulong.MaxValue];
    private static readonly string[] KernelFieldNames = ["IP_LOCAL_ADDRESS", "IP_REMOTE_ADDRESS", "IP_LOCAL_PORT", "IP_REMOTE_PORT", "IP_PROTOCOL", "ALE_APP_ID"];
    private static readonly Sid User = Sid.Parse("S-1-5-21-1-2-3-1001");
    private static readonly SecurityDescriptor AllowUser = SecurityDescriptor.ParseSddl($"O:LSD:(A;;CC;;;{User})");
    private static readonly FwpToken[] Tokens = [new FwpToken(User, [Sid.Everyone]), new FwpToken(Sid.Parse("S-1-5-21-1-2-3-1002"), [Sid.Everyone])];

    /// <summary>An engine with <paramref name="filterCount"/> random filters over <see cref="Layers"/>.</summary>
    public static FilterEngine Build(int seed, int filterCount, bool pure)
    {
        var rng = new Random(seed);
        var engine = new FilterEngine();
        using var txn = engine.BeginTransaction();
        var sublayers = new List<Guid> { Guid.Empty };
        for (var i = rng.Next(1, 6); i > 0; i--)
        {
            sublayers.Add(txn.AddSublayer(new SublayerSpec { DisplayData = new($"s{i}"), Weight = SublayerWeights[rng.Next(SublayerWeights.Length)] }).Key);
        }

        var callouts = new Dictionary<LayerInfo, Guid[]>();
        var registrations = new List<(Guid, int)>();
        foreach (var layer in Layers)
        {
            callouts[layer] = [.. Enumerable.Range(0, 3).Select(i => txn.AddCallout(new CalloutSpec { DisplayData = new($"c{i}"), ApplicableLayer = layer.Key }).Key)];
            foreach (var key in callouts[layer])
            {
                if (rng.Next(2) == 0)
                {
                    registrations.Add((key, rng.Next()));
                }
            }
        }

        // Most filters on the first layer, so that large policies are large on one layer.
        for (var i = 0; i < filterCount; i++)
        {
            var layer = rng.Next(3) != 0 ? Layers[0] : Layers[rng.Next(Layers.Length)];
            try
            {
                txn.AddFilter(RandomFilter(rng, layer, sublayers, callouts[layer], pure));
            }
            catch (WfpException)
            {
                // The generator aims at valid filters; a rejected one is left out.
            }
        }

        txn.Commit();
        foreach (var (key, s) in registrations)
        {
            engine.Callouts.Register(key, new DeterministicCallout(s));
        }

        return engine;
    }

    /// <summary>
    /// Values for <paramref name="layer"/>: half the time built from one of the layer's filters (each condition's value
    /// or range end), otherwise drawn from the domains; some fields FWP_EMPTY unless <paramref name="allKnown"/>.
    /// </summary>
    public static FwpValue[] RandomInput(Random rng, LayerInfo layer, IReadOnlyList<FilterSpec> filters, bool allKnown)
    {
        var values = new FwpValue[layer.Fields.Count];
        foreach (var name in KernelFieldNames.Append("FLAGS").Append("ALE_USER_ID"))
        {
            if (layer.FindField(name) is not { } field || field.Name != name)
            {
                continue;
            }

            if (!allKnown && rng.Next(20) == 0)
            {
                continue; // FWP_EMPTY: unknown to the kernel
            }

            values[field.Index] = RandomValue(rng, layer, name);
        }

        if (filters.Count > 0 && rng.Next(2) == 0)
        {
            var f = filters[rng.Next(filters.Count)];
            foreach (var c in f.Conditions)
            {
                var index = layer.FieldIndexOf(c.FieldKey);
                var incoming = layer.Fields[index].IncomingType;
                var v = c.Value;
                var value = v.Type switch
                {
                    FwpDataType.Range => rng.Next(2) == 0 ? v.RangeLow : v.RangeHigh,
                    FwpDataType.V4AddrMask => FwpValue.FromUInt32((uint)v.Value.RawUInt64 | (rng.Next(2) == 0 ? 0 : ~v.V4Mask & 0x1FFu)),
                    FwpDataType.V6AddrMask => FwpValue.FromByteArray16(v.Value.RawUInt128),
                    _ => v.Value,
                };
                if (value.Type == incoming)
                {
                    var step = rng.Next(6) == 0 ? rng.Next(-1, 2) : 0;
                    values[index] = step == 0 || !FwpValue.IsUnsigned(incoming) ? value : Nudge(value, step);
                }
            }
        }

        return values;
    }

    private static FwpValue Nudge(FwpValue v, int step) => v.Type switch
    {
        FwpDataType.UInt8 => FwpValue.FromUInt8((byte)(v.RawUInt64 + (ulong)step)),
        FwpDataType.UInt16 => FwpValue.FromUInt16((ushort)(v.RawUInt64 + (ulong)step)),
        _ => FwpValue.FromUInt32((uint)(v.RawUInt64 + (ulong)step)),
    };

    private static FwpValue RandomValue(Random rng, LayerInfo layer, string name)
    {
        var v6 = layer.IpVersion == IpVersion.V6;
        return name switch
        {
            "IP_LOCAL_ADDRESS" or "IP_REMOTE_ADDRESS" => v6 ? FwpValue.FromByteArray16(Pick(rng, V6)) : FwpValue.FromUInt32(Pick(rng, V4)),
            "IP_LOCAL_PORT" or "IP_REMOTE_PORT" => FwpValue.FromUInt16(Pick(rng, Ports)),
            "IP_PROTOCOL" => FwpValue.FromUInt8(Pick(rng, Protocols)),
            "ALE_APP_ID" => rng.Next(6) == 0 ? AppId.ValueFromPath("/usr/bin/other") : FwpValue.FromByteBlob(Pick(rng, Apps)),
            "FLAGS" => FwpValue.FromUInt32((uint)rng.Next(16)),
            _ => FwpValue.FromToken(Pick(rng, Tokens), FwpDataType.TokenAccessInformation),
        };
    }

    private static FilterSpec RandomFilter(Random rng, LayerInfo layer, List<Guid> sublayers, Guid[] callouts, bool pure)
    {
        var available = KernelFieldNames.Where(n => layer.FindField(n) is { } f && f.Name == n).ToList();
        var conditions = new List<FilterCondition>();

        // Pure filters stay within the cross-product limit: at most two fields of at most two conditions (at most 3
        // intervals each).
        var fieldCount = rng.Next(100) < 10 ? 0 : rng.Next(1, pure ? 3 : 4);
        for (var i = 0; i < fieldCount; i++)
        {
            var name = !pure && rng.Next(8) == 0 ? (rng.Next(2) == 0 ? "FLAGS" : "ALE_USER_ID") : Pick(rng, available);
            if (pure)
            {
                available.Remove(name);
            }

            var key = layer.Field(name).ConditionKey!.Value;
            var perField = rng.Next(4) == 0 ? rng.Next(2, pure ? 3 : 5) : 1;
            for (var j = 0; j < perField; j++)
            {
                conditions.Add(RandomCondition(rng, layer, name, key, pure));
            }
        }

        if (rng.Next(5) == 0)
        {
            var shuffled = conditions.ToArray();
            rng.Shuffle(shuffled);
            conditions = [.. shuffled];
        }

        var weight = rng.Next(10) switch
        {
            < 3 => FwpValue.Empty,
            < 6 => FwpValue.FromUInt8((byte)rng.Next(16)),
            _ => FwpValue.FromUInt64(Pick(rng, FixedWeights)),
        };

        var flags = FilterFlags.None;
        FilterAction action;
        var roll = rng.Next(100);
        if (roll < 88 || pure)
        {
            action = roll % 2 == 0 ? FilterAction.Permit : FilterAction.Block;
        }
        else
        {
            var type = ((ActionType[])[ActionType.CalloutTerminating, ActionType.CalloutUnknown, ActionType.CalloutInspection])[rng.Next(3)];
            action = FilterAction.Callout(type, Pick(rng, callouts));
            if (type != ActionType.CalloutInspection && rng.Next(3) == 0)
            {
                flags |= FilterFlags.PermitIfCalloutUnregistered;
            }
        }

        if (rng.Next(10) < 3)
        {
            flags |= FilterFlags.ClearActionRight;
        }

        return new FilterSpec
        {
            DisplayData = new("random"),
            LayerKey = layer.Key,
            SublayerKey = Pick(rng, sublayers),
            Weight = weight,
            Conditions = conditions,
            Action = action,
            Flags = flags,
        };
    }

    private static FilterCondition RandomCondition(Random rng, LayerInfo layer, string name, Guid key, bool pure)
    {
        if (!pure && rng.Next(60) == 0)
        {
            return new(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.Empty));
        }

        var v6 = layer.IpVersion == IpVersion.V6;
        switch (name)
        {
            case "IP_LOCAL_ADDRESS" or "IP_REMOTE_ADDRESS" when v6:
                {
                    var a = Pick(rng, V6);
                    return rng.Next(4) switch
                    {
                        0 => new(key, Pick(rng, [FwpMatchType.Equal, FwpMatchType.NotEqual, FwpMatchType.Greater, FwpMatchType.LessOrEqual]), FwpConditionValue.Of(FwpValue.FromByteArray16(a))),
                        1 => new(key, rng.Next(4) == 0 ? FwpMatchType.NotEqual : FwpMatchType.Equal, FwpConditionValue.V6AddressMask(a, Pick<byte>(rng, [0, 16, 48, 64, 127, 128]))),
                        _ => RangeOf(key, FwpValue.FromByteArray16(a), FwpValue.FromByteArray16(Pick(rng, V6))),
                    };
                }

            case "IP_LOCAL_ADDRESS" or "IP_REMOTE_ADDRESS":
                {
                    var a = Pick(rng, V4);
                    return rng.Next(5) switch
                    {
                        0 => new(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(a))),
                        1 => new(key, Pick(rng, [FwpMatchType.NotEqual, FwpMatchType.Greater, FwpMatchType.Less, FwpMatchType.GreaterOrEqual]), FwpConditionValue.Of(FwpValue.FromUInt32(a))),
                        2 or 3 => new(key, rng.Next(5) == 0 ? FwpMatchType.NotEqual : FwpMatchType.Equal, FwpConditionValue.V4AddressMask(a, Pick(rng, [0u, 0xFF000000, 0xFFFF0000, 0xFFFFFE00, 0xFFFFFF00, 0xFFFFFFFF]))),
                        _ => RangeOf(key, FwpValue.FromUInt32(a), FwpValue.FromUInt32(Pick(rng, V4))),
                    };
                }

            case "IP_LOCAL_PORT" or "IP_REMOTE_PORT":
                {
                    var p = FwpValue.FromUInt16(Pick(rng, Ports));
                    var m = rng.Next(8);
                    return m >= 6
                        ? RangeOf(key, p, FwpValue.FromUInt16(Pick(rng, Ports)))
                        : new(key, ((FwpMatchType[])[FwpMatchType.Equal, FwpMatchType.NotEqual, FwpMatchType.Less, FwpMatchType.Greater, FwpMatchType.LessOrEqual, FwpMatchType.GreaterOrEqual])[m], FwpConditionValue.Of(p));
                }

            case "IP_PROTOCOL":
                {
                    var p = FwpValue.FromUInt8(Pick(rng, Protocols));
                    return rng.Next(4) switch
                    {
                        0 or 1 => new(key, FwpMatchType.Equal, FwpConditionValue.Of(p)),
                        2 => new(key, Pick(rng, [FwpMatchType.NotEqual, FwpMatchType.Greater, FwpMatchType.Less]), FwpConditionValue.Of(p)),
                        _ => RangeOf(key, p, FwpValue.FromUInt8(Pick(rng, Protocols))),
                    };
                }

            case "ALE_APP_ID":
                if (pure || rng.Next(3) != 0)
                {
                    return new(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromByteBlob(Pick(rng, Apps))));
                }

                return rng.Next(3) switch
                {
                    0 => new(key, FwpMatchType.Prefix, FwpConditionValue.Of(FwpValue.FromByteBlob(Pick(rng, Suffixes)))),
                    1 => new(key, FwpMatchType.NotEqual, FwpConditionValue.Of(FwpValue.FromByteBlob(Pick(rng, Apps)))),
                    _ => new(key, FwpMatchType.GreaterOrEqual, FwpConditionValue.Of(FwpValue.FromByteBlob(Pick(rng, Apps)))),
                };

            case "FLAGS":
                return new(key, Pick(rng, [FwpMatchType.FlagsAllSet, FwpMatchType.FlagsAnySet, FwpMatchType.FlagsNoneSet, FwpMatchType.Equal]), FwpConditionValue.Of(FwpValue.FromUInt32((uint)rng.Next(1, 16))));
            default:
                return new(key, rng.Next(3) == 0 ? FwpMatchType.NotEqual : FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromSecurityDescriptor(AllowUser)));
        }
    }

    private static FilterCondition RangeOf(Guid key, FwpValue a, FwpValue b)
    {
        var aFirst = a.OrderKey() <= b.OrderKey();
        return new(key, FwpMatchType.Range, FwpConditionValue.Range(aFirst ? a : b, aFirst ? b : a));
    }

    private static T Pick<T>(Random rng, IReadOnlyList<T> list) => list[rng.Next(list.Count)];
}
