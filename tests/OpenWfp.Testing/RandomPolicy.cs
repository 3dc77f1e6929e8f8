using System.Text;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Testing;

/// <summary>
/// Seeded random policies and inputs over small value domains (so that filters match often), for differential
/// tests and benchmarks. Everything is a pure function of the seed: the same seed gives the same sublayers,
/// callouts, filters and registrations, and the same input sequence from the same <see cref="Random"/>.
/// </summary>
/// <remarks>
/// Filters go to ALE_AUTH_CONNECT_V4 (and, when asked, ALE_AUTH_CONNECT_V6) in several sublayers with random,
/// sometimes equal, weights; conditions on IP_REMOTE_ADDRESS, IP_REMOTE_PORT, IP_LOCAL_PORT, IP_PROTOCOL, FLAGS,
/// ALE_APP_ID and ALE_USER_ID; actions PERMIT, BLOCK and the three callout types, the callouts being
/// <see cref="DeterministicCallout"/>s of which some are left unregistered.
/// </remarks>
public static class RandomPolicy
{
    /// <summary>ALE_AUTH_CONNECT_V4, the main layer of generated policies.</summary>
    public static LayerInfo V4 { get; } = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");

    /// <summary>ALE_AUTH_CONNECT_V6, the secondary layer (BYTE_ARRAY16 addresses, V6 masks).</summary>
    public static LayerInfo V6 { get; } = LayerCatalog.Layer("ALE_AUTH_CONNECT_V6");

    /// <summary>The IPv4 remote addresses (host order) inputs and conditions draw from.</summary>
    public static IReadOnlyList<uint> V4Addresses { get; } = [0x0A000001, 0x0A000002, 0x0A000105, 0xC0A80101, 0xC0A801C8, 0x08080808];

    /// <summary>The IPv6 remote addresses (big-endian numbers) inputs and conditions draw from.</summary>
    public static IReadOnlyList<UInt128> V6Addresses { get; } =
    [
        new UInt128(0x2001_0db8_0000_0000, 1),
        new UInt128(0x2001_0db8_0000_0000, 2),
        new UInt128(0x2001_0db8_0000_0001, 5),
        new UInt128(0xfe80_0000_0000_0000, 0x1234),
        new UInt128(0, 1),
    ];

    /// <summary>Remote ports.</summary>
    public static IReadOnlyList<ushort> RemotePorts { get; } = [22, 53, 80, 443, 8080];

    /// <summary>Local ports.</summary>
    public static IReadOnlyList<ushort> LocalPorts { get; } = [1024, 50000, 50001, 65535];

    /// <summary>IP protocols.</summary>
    public static IReadOnlyList<byte> Protocols { get; } = [1, 6, 17];

    /// <summary>FWP_CONDITION_FLAG_* bits used in FLAGS values and conditions.</summary>
    public static IReadOnlyList<uint> FlagBits { get; } = [0x1, 0x4, 0x8, 0x200];

    /// <summary>Application paths (as ALE_APP_ID blobs: lower-case UTF-16LE with the terminating NUL).</summary>
    public static IReadOnlyList<string> AppPaths { get; } =
    [
        @"\device\harddiskvolume1\windows\system32\svchost.exe",
        @"\device\harddiskvolume1\program files\browser\browser.exe",
        @"\device\harddiskvolume2\tools\browser.exe",
        @"\device\harddiskvolume1\windows\system32\curl.exe",
    ];

    /// <summary>File-name suffixes used by PREFIX (ends-with) conditions.</summary>
    public static IReadOnlyList<string> AppSuffixes { get; } = [@"\browser.exe", @"\svchost.exe", @"system32\curl.exe", ".exe"];

    /// <summary>The SIDs tokens and security descriptors are made of.</summary>
    public static IReadOnlyList<Sid> UserSids { get; } =
    [
        Sid.Parse("S-1-5-21-1-2-3-1001"),
        Sid.Parse("S-1-5-21-1-2-3-1002"),
        Sid.Parse("S-1-5-21-1-2-3-1003"),
        Sid.Parse("S-1-5-32-544"),
        Sid.Parse("S-1-5-32-545"),
    ];

    /// <summary>Tokens used as ALE_USER_ID values.</summary>
    public static IReadOnlyList<FwpToken> Tokens { get; } =
    [
        new FwpToken(UserSids[0], [UserSids[4], Sid.Everyone]),
        new FwpToken(UserSids[1], [UserSids[3], UserSids[4], Sid.Everyone]),
        new FwpToken(UserSids[2], [Sid.Everyone]),
        new FwpToken(UserSids[0], [UserSids[3], Sid.Everyone]),
    ];

    /// <summary>Security descriptors used by ALE_USER_ID conditions (allow one SID; deny one SID and allow everyone else).</summary>
    public static IReadOnlyList<SecurityDescriptor> Descriptors { get; } =
    [
        .. UserSids.Select(s => SecurityDescriptor.ParseSddl($"O:LSD:(A;;CC;;;{s})")),
        .. UserSids.Select(s => SecurityDescriptor.ParseSddl($"O:LSD:(D;;CC;;;{s})(A;;CC;;;WD)")),
    ];

    private static readonly byte[][] AppBlobs = [.. AppPaths.Select(AppId.FromPath)];
    private static readonly byte[][] SuffixBlobs = [.. AppSuffixes.Select(s => Encoding.Unicode.GetBytes(s + "\0"))];
    private static readonly ushort[] SublayerWeights = [0x8000, 0x8000, 0x4000, 0x100, 0x100, 0xFFFF, 1, 0];
    private static readonly ulong[] FixedWeights = [10, 20, 20, 1000, 1UL << 62, ulong.MaxValue];

    /// <summary>
    /// A new engine holding a random policy: 2..5 sublayers, <paramref name="filterCount"/> filters (about a fifth
    /// on ALE_AUTH_CONNECT_V6 when <paramref name="includeV6"/>), a few callouts per layer of which about two
    /// thirds are registered. Same seed, same policy.
    /// </summary>
    /// <param name="seed">The seed.</param>
    /// <param name="filterCount">How many filters to try to add (a filter the engine rejects is skipped).</param>
    /// <param name="includeV6">Whether some filters go to ALE_AUTH_CONNECT_V6.</param>
    /// <returns>The engine.</returns>
    public static FilterEngine Build(int seed, int filterCount, bool includeV6 = true)
    {
        var engine = new FilterEngine();
        Populate(engine, seed, filterCount, includeV6);
        return engine;
    }

    /// <summary>Adds a random policy (see <see cref="Build"/>) to <paramref name="engine"/> in one transaction and registers its callouts.</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="filterCount">How many filters to try to add.</param>
    /// <param name="includeV6">Whether some filters go to ALE_AUTH_CONNECT_V6.</param>
    /// <returns>The number of filters actually added.</returns>
    public static int Populate(FilterEngine engine, int seed, int filterCount, bool includeV6 = true)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var rng = new Random(seed);
        var added = 0;
        using var txn = engine.BeginTransaction();

        var sublayers = new List<Guid> { Guid.Empty };
        var sublayerCount = rng.Next(2, 6);
        for (var i = 0; i < sublayerCount; i++)
        {
            var s = txn.AddSublayer(new SublayerSpec
            {
                Key = RandomGuid(rng),
                DisplayData = new DisplayData($"sublayer {i}"),
                Weight = SublayerWeights[rng.Next(SublayerWeights.Length)],
            });
            sublayers.Add(s.Key);
        }

        var calloutsByLayer = new Dictionary<LayerInfo, List<Guid>>();
        var registrations = new List<(Guid Key, int Seed)>();
        foreach (var layer in includeV6 ? new[] { V4, V6 } : [V4])
        {
            var keys = new List<Guid>();
            var count = rng.Next(2, 7);
            for (var i = 0; i < count; i++)
            {
                var c = txn.AddCallout(new CalloutSpec { Key = RandomGuid(rng), DisplayData = new DisplayData($"callout {layer.ShortName} {i}"), ApplicableLayer = layer.Key });
                keys.Add(c.Key);
                if (rng.Next(3) != 0)
                {
                    registrations.Add((c.Key, rng.Next()));
                }
            }

            calloutsByLayer[layer] = keys;
        }

        for (var i = 0; i < filterCount; i++)
        {
            var layer = includeV6 && rng.Next(5) == 0 ? V6 : V4;
            var spec = RandomFilter(rng, layer, sublayers, calloutsByLayer[layer], i);
            try
            {
                txn.AddFilter(spec);
                added++;
            }
            catch (WfpException)
            {
                // The generator aims at valid filters only; a rejected one is simply left out.
            }
        }

        txn.Commit();
        foreach (var (key, calloutSeed) in registrations)
        {
            engine.Callouts.Register(key, new DeterministicCallout(calloutSeed));
        }

        return added;
    }

    /// <summary>
    /// A random input for <paramref name="layer"/> over the generator's domains: values indexed by field, each field
    /// sometimes FWP_EMPTY or of a wrong type, the array sometimes cut short (missing trailing values are FWP_EMPTY).
    /// </summary>
    /// <param name="rng">The random source.</param>
    /// <param name="layer"><see cref="V4"/> or <see cref="V6"/>.</param>
    /// <returns>The values.</returns>
    public static FwpValue[] RandomInput(Random rng, LayerInfo layer)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(layer);
        var values = new FwpValue[layer.Fields.Count];
        foreach (var name in (string[])["IP_REMOTE_ADDRESS", "IP_REMOTE_PORT", "IP_LOCAL_PORT", "IP_PROTOCOL", "FLAGS", "ALE_APP_ID", "ALE_USER_ID"])
        {
            var field = layer.Field(name);
            var roll = rng.Next(100);
            if (roll < 8)
            {
                continue;
            }

            if (roll < 13)
            {
                values[field.Index] = rng.Next(3) switch
                {
                    0 => FwpValue.FromUInt64((ulong)rng.Next(100)),
                    1 => FwpValue.FromByteBlob(AppBlobs[rng.Next(AppBlobs.Length)]),
                    _ => FwpValue.FromUInt16(RemotePorts[rng.Next(RemotePorts.Count)]),
                };
                continue;
            }

            values[field.Index] = name switch
            {
                "IP_REMOTE_ADDRESS" when layer == V6 => FwpValue.FromByteArray16(Pick(rng, V6Addresses)),
                "IP_REMOTE_ADDRESS" => FwpValue.FromUInt32(Pick(rng, V4Addresses)),
                "IP_REMOTE_PORT" => FwpValue.FromUInt16(Pick(rng, RemotePorts)),
                "IP_LOCAL_PORT" => FwpValue.FromUInt16(Pick(rng, LocalPorts)),
                "IP_PROTOCOL" => FwpValue.FromUInt8(Pick(rng, Protocols)),
                "FLAGS" => FwpValue.FromUInt32(RandomFlags(rng)),
                "ALE_APP_ID" => FwpValue.FromByteBlob(AppBlobs[rng.Next(AppBlobs.Length)]),
                _ => FwpValue.FromToken(Pick(rng, Tokens), rng.Next(4) == 0 ? FwpDataType.TokenInformation : FwpDataType.TokenAccessInformation),
            };
        }

        if (rng.Next(10) == 0)
        {
            return values[..rng.Next(values.Length + 1)];
        }

        return values;
    }

    /// <summary>A random filter (not yet added) for <paramref name="layer"/>.</summary>
    /// <param name="rng">The random source.</param>
    /// <param name="layer">The layer.</param>
    /// <param name="sublayers">Sublayer keys to choose from (<see cref="Guid.Empty"/> = the default sublayer).</param>
    /// <param name="calloutKeys">Callout keys applicable at <paramref name="layer"/>.</param>
    /// <param name="number">A number for the display name.</param>
    /// <returns>The filter.</returns>
    public static FilterSpec RandomFilter(Random rng, LayerInfo layer, IReadOnlyList<Guid> sublayers, IReadOnlyList<Guid> calloutKeys, int number)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(sublayers);
        ArgumentNullException.ThrowIfNull(calloutKeys);

        var conditions = new List<FilterCondition>();
        string[] fields = ["IP_REMOTE_ADDRESS", "IP_REMOTE_PORT", "IP_LOCAL_PORT", "IP_PROTOCOL", "FLAGS", "ALE_APP_ID", "ALE_USER_ID"];
        var fieldCount = rng.Next(100) < 15 ? 0 : rng.Next(1, 4);
        for (var i = 0; i < fieldCount; i++)
        {
            var name = fields[rng.Next(fields.Length)];
            var field = layer.Field(name);
            var key = field.ConditionKey!.Value;
            var perField = rng.Next(4) == 0 ? rng.Next(2, 4) : 1;
            for (var j = 0; j < perField; j++)
            {
                conditions.Add(RandomCondition(rng, layer, name, key));
            }
        }

        // Sometimes shuffle so that same-field conditions are not adjacent.
        if (rng.Next(5) == 0)
        {
            var shuffled = conditions.ToArray();
            rng.Shuffle(shuffled);
            conditions = [.. shuffled];
        }

        var weight = rng.Next(10) switch
        {
            < 3 => FwpValue.Empty,
            < 6 => FwpValue.FromUInt8((byte)(rng.Next(2) == 0 ? rng.Next(16) : 8)),
            _ => FwpValue.FromUInt64(FixedWeights[rng.Next(FixedWeights.Length)]),
        };

        FilterAction action;
        var flags = FilterFlags.None;
        var roll = rng.Next(100);
        if (roll < 33 || calloutKeys.Count == 0)
        {
            action = FilterAction.Permit;
        }
        else if (roll < 63)
        {
            action = FilterAction.Block;
        }
        else
        {
            var type = rng.Next(3) switch
            {
                0 => ActionType.CalloutTerminating,
                1 => ActionType.CalloutUnknown,
                _ => ActionType.CalloutInspection,
            };
            action = FilterAction.Callout(type, calloutKeys[rng.Next(calloutKeys.Count)]);
            if (rng.Next(5) < 2)
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
            DisplayData = new DisplayData($"random {number}"),
            LayerKey = layer.Key,
            SublayerKey = sublayers[rng.Next(sublayers.Count)],
            Weight = weight,
            Conditions = conditions,
            Action = action,
            Flags = flags,
        };
    }

    private static FilterCondition RandomCondition(Random rng, LayerInfo layer, string name, Guid key)
    {
        if (rng.Next(40) == 0)
        {
            return new FilterCondition(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.Empty));
        }

        switch (name)
        {
            case "IP_REMOTE_ADDRESS" when layer == V6:
                {
                    var a = Pick(rng, V6Addresses);
                    return rng.Next(3) switch
                    {
                        0 => new FilterCondition(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromByteArray16(a))),
                        1 => new FilterCondition(key, rng.Next(4) == 0 ? FwpMatchType.NotEqual : FwpMatchType.Equal, FwpConditionValue.V6AddressMask(a, (byte)((byte[])[0, 16, 48, 64, 127, 128])[rng.Next(6)])),
                        _ => RangeOf(key, FwpValue.FromByteArray16(a), FwpValue.FromByteArray16(Pick(rng, V6Addresses))),
                    };
                }

            case "IP_REMOTE_ADDRESS":
                {
                    var a = Pick(rng, V4Addresses);
                    return rng.Next(4) switch
                    {
                        0 => new FilterCondition(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(a))),
                        1 => new FilterCondition(key, FwpMatchType.NotEqual, FwpConditionValue.Of(FwpValue.FromUInt32(a))),
                        2 => new FilterCondition(key, rng.Next(4) == 0 ? FwpMatchType.NotEqual : FwpMatchType.Equal, FwpConditionValue.V4AddressMask(a, ((uint[])[0, 0xFF000000, 0xFFFF0000, 0xFFFFFF00, 0xFFFFFFFF])[rng.Next(5)])),
                        _ => RangeOf(key, FwpValue.FromUInt32(a), FwpValue.FromUInt32(Pick(rng, V4Addresses))),
                    };
                }

            case "IP_REMOTE_PORT":
            case "IP_LOCAL_PORT":
                {
                    var domain = name == "IP_REMOTE_PORT" ? RemotePorts : LocalPorts;
                    var p = FwpValue.FromUInt16((ushort)(Pick(rng, domain) + rng.Next(-1, 2)));
                    var m = rng.Next(7);
                    return m == 6
                        ? RangeOf(key, p, FwpValue.FromUInt16(Pick(rng, domain)))
                        : new FilterCondition(key, ((FwpMatchType[])[FwpMatchType.Equal, FwpMatchType.NotEqual, FwpMatchType.Less, FwpMatchType.Greater, FwpMatchType.LessOrEqual, FwpMatchType.GreaterOrEqual])[m], FwpConditionValue.Of(p));
                }

            case "IP_PROTOCOL":
                {
                    var p = FwpValue.FromUInt8(Pick(rng, Protocols));
                    return rng.Next(3) switch
                    {
                        0 => new FilterCondition(key, FwpMatchType.Equal, FwpConditionValue.Of(p)),
                        1 => new FilterCondition(key, FwpMatchType.NotEqual, FwpConditionValue.Of(p)),
                        _ => RangeOf(key, p, FwpValue.FromUInt8(Pick(rng, Protocols))),
                    };
                }

            case "FLAGS":
                {
                    var f = FwpValue.FromUInt32(RandomFlags(rng) | Pick(rng, FlagBits));
                    var m = ((FwpMatchType[])[FwpMatchType.FlagsAllSet, FwpMatchType.FlagsAnySet, FwpMatchType.FlagsNoneSet, FwpMatchType.Equal])[rng.Next(4)];
                    return new FilterCondition(key, m, FwpConditionValue.Of(f));
                }

            case "ALE_APP_ID":
                return rng.Next(3) switch
                {
                    0 => new FilterCondition(key, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromByteBlob(AppBlobs[rng.Next(AppBlobs.Length)]))),
                    1 => new FilterCondition(key, FwpMatchType.Prefix, FwpConditionValue.Of(FwpValue.FromByteBlob(SuffixBlobs[rng.Next(SuffixBlobs.Length)]))),
                    _ => new FilterCondition(key, rng.Next(2) == 0 ? FwpMatchType.NotPrefix : FwpMatchType.NotEqual, FwpConditionValue.Of(FwpValue.FromByteBlob(rng.Next(2) == 0 ? SuffixBlobs[rng.Next(SuffixBlobs.Length)] : AppBlobs[rng.Next(AppBlobs.Length)]))),
                };

            default:
                return new FilterCondition(key, rng.Next(4) == 0 ? FwpMatchType.NotEqual : FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromSecurityDescriptor(Pick(rng, Descriptors))));
        }
    }

    private static FilterCondition RangeOf(Guid key, FwpValue a, FwpValue b)
    {
        var aFirst = a.RawUInt128 <= b.RawUInt128;
        return new FilterCondition(key, FwpMatchType.Range, FwpConditionValue.Range(aFirst ? a : b, aFirst ? b : a));
    }

    private static uint RandomFlags(Random rng)
    {
        uint f = 0;
        foreach (var bit in FlagBits)
        {
            if (rng.Next(3) == 0)
            {
                f |= bit;
            }
        }

        return f;
    }

    private static T Pick<T>(Random rng, IReadOnlyList<T> list) => list[rng.Next(list.Count)];

    private static Guid RandomGuid(Random rng)
    {
        Span<byte> bytes = stackalloc byte[16];
        rng.NextBytes(bytes);
        return new Guid(bytes);
    }

    /// <summary>
    /// A stable (process-independent) hash of a set of incoming values, without allocating: numbers by value, blobs
    /// and strings by content, SIDs and tokens by their user SID's sub-authorities.
    /// </summary>
    /// <param name="values">The values.</param>
    /// <param name="salt">Mixed in first (e.g. a callout seed and a filter id).</param>
    /// <returns>The hash.</returns>
    public static ulong StableHash(ReadOnlySpan<FwpValue> values, ulong salt)
    {
        var h = 14695981039346656037UL ^ salt;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            h = Mix(h, (ulong)v.Type);
            h = Mix(h, v.RawUInt64);
            h = Mix(h, (ulong)(v.RawUInt128 >> 64));
            switch (v.Reference)
            {
                case byte[] b:
                    foreach (var x in b)
                    {
                        h = Mix(h, x);
                    }

                    break;
                case string s:
                    foreach (var ch in s)
                    {
                        h = Mix(h, ch);
                    }

                    break;
                case Sid sid:
                    h = MixSid(h, sid);
                    break;
                case FwpToken token:
                    h = MixSid(h, token.User);
                    h = Mix(h, (ulong)token.Groups.Count);
                    break;
            }
        }

        return h;

        static ulong Mix(ulong h, ulong x) => (h ^ x) * 1099511628211UL;

        static ulong MixSid(ulong h, Sid sid)
        {
            h = Mix(h, sid.IdentifierAuthority);
            var subs = sid.SubAuthorities;
            for (var j = 0; j < subs.Count; j++)
            {
                h = Mix(h, subs[j]);
            }

            return h;
        }
    }
}

/// <summary>
/// A callout whose answer is a pure function of its seed, the filter id and the incoming values (so an engine and
/// the <see cref="ReferenceClassifier"/> get the same answer): PERMIT or BLOCK keeping or clearing the action right,
/// BLOCK with ABSORB, CONTINUE, NONE, NONE_NO_MATCH, an illegal action, or an exception. It clears the right on
/// PERMIT when the filter carries FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT, as a well-behaved callout does.
/// </summary>
/// <param name="seed">The callout's seed.</param>
public sealed class DeterministicCallout(int seed) : ICallout
{
    /// <summary>The callout's seed.</summary>
    public int Seed { get; } = seed;

    /// <summary>What the callout does for this filter and these values (0..11); see <see cref="ICallout.Classify"/>.</summary>
    /// <param name="filterId">The filter id.</param>
    /// <param name="values">The incoming values.</param>
    /// <returns>The behaviour number.</returns>
    public int BehaviourFor(ulong filterId, ReadOnlySpan<FwpValue> values)
    {
        var h = RandomPolicy.StableHash(values, ((ulong)(uint)Seed << 32) ^ filterId);
        h ^= h >> 29;
        return (int)(h % 12);
    }

    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        var behaviour = BehaviourFor(context.Filter.FilterId, context.Values);
        var clearOnPermit = (context.Filter.Flags & RuntimeFilterFlags.ClearActionRight) != 0;
        switch (behaviour)
        {
            case 0:
            case 1:
                classifyOut.ActionType = ActionType.Permit;
                if (clearOnPermit)
                {
                    classifyOut.ClearActionRight();
                }

                break;
            case 2:
                classifyOut.ActionType = ActionType.Permit;
                classifyOut.ClearActionRight();
                break;
            case 3:
            case 4:
                classifyOut.ActionType = ActionType.Block;
                classifyOut.ClearActionRight();
                break;
            case 5:
                classifyOut.ActionType = ActionType.Block;
                break;
            case 6:
                classifyOut.ActionType = ActionType.Block;
                classifyOut.Flags |= ClassifyOut.FlagAbsorb;
                classifyOut.ClearActionRight();
                break;
            case 7:
                classifyOut.ActionType = ActionType.Continue;
                break;
            case 8:
                classifyOut.ActionType = ActionType.None;
                break;
            case 9:
                classifyOut.ActionType = ActionType.NoneNoMatch;
                break;
            case 10:
                classifyOut.ActionType = ActionType.CalloutInspection;
                break;
            default:
                throw new InvalidOperationException("deterministic callout failure");
        }
    }
}
