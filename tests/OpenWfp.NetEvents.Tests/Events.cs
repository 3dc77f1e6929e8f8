using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.NetEvents.Tests;

/// <summary>Builders for test events, and a self-checking record pattern for the torn-read tests.</summary>
internal static class Events
{
    public static readonly byte[] Browser = AppId.FromPath("/usr/bin/browser");
    public static readonly byte[] Curl = AppId.FromPath("/usr/bin/curl");
    public static readonly Sid Alice = Sid.ForUnixUser(1000);
    public static readonly Sid Bob = Sid.ForUnixUser(1001);

    public static uint V4(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    public static NetEventRecord Drop(
        uint local = 0x0A000001, uint remote = 0xC0A80001, ushort localPort = 40000, ushort remotePort = 443,
        byte protocol = 6, long time = 1, byte[]? app = null, Sid? user = null, ulong filterId = 100,
        NetEventType type = NetEventType.ClassifyDrop, NetEventDirection direction = NetEventDirection.Out) =>
        new()
        {
            TimeUnixNs = time,
            Type = type,
            IpVersion = 4,
            IpProtocol = protocol,
            LocalAddress = local,
            RemoteAddress = remote,
            LocalPort = localPort,
            RemotePort = remotePort,
            AppId = app,
            UserId = user,
            FilterId = filterId,
            LayerId = 48,
            Direction = direction,
        };

    public static NetEventRecord DropV6(UInt128 local, UInt128 remote, long time = 1) =>
        new()
        {
            TimeUnixNs = time,
            Type = NetEventType.ClassifyDrop,
            IpVersion = 6,
            IpProtocol = 6,
            LocalAddress = local,
            RemoteAddress = remote,
            LocalPort = 40000,
            RemotePort = 443,
            FilterId = 200,
        };

    /// <summary>A record whose every field is derived from <paramref name="k"/>, so that a torn copy is detectable.</summary>
    public static NetEventRecord Patterned(ulong k)
    {
        var r = new NetEventRecord
        {
            TimeUnixNs = (long)(k & 0x3FFF_FFFF_FFFF_FFFF) + 1,
            Type = NetEventType.ClassifyDrop,
            IpVersion = 4,
            IpProtocol = (byte)(k % 251),
            LocalAddress = Mix(k),
            RemoteAddress = ~Mix(k),
            LocalPort = (ushort)k,
            RemotePort = (ushort)(k >> 16),
            AppId = (k & 1) == 0 ? Browser : Curl,
            UserId = (k & 2) == 0 ? Alice : Bob,
            FilterId = k,
            LayerId = (ushort)(k * 7),
            Direction = (k & 4) == 0 ? NetEventDirection.Out : NetEventDirection.Forward,
            IsLoopback = (k & 8) != 0,
            ReauthReason = (uint)(Mix(k) >> 64),
        };
        var count = (int)(k % (NetEventRecord.MaxTerminatingFilters + 1));
        for (var i = 0; i < count; i++)
        {
            r.AddTerminatingFilter(new TerminatingFilterInfo(k + (ulong)i, new Guid((int)k, (short)i, 0, 1, 2, 3, 4, 5, 6, 7, 8), (ushort)i, ActionType.Block));
        }

        return r;
    }

    /// <summary>Whether <paramref name="r"/> is exactly <see cref="Patterned"/> of its own filter id.</summary>
    public static bool IsIntact(in NetEventRecord r)
    {
        var expected = Patterned(r.FilterId);
        if (r.TimeUnixNs != expected.TimeUnixNs || r.Type != expected.Type || r.IpVersion != expected.IpVersion
            || r.IpProtocol != expected.IpProtocol || r.LocalAddress != expected.LocalAddress
            || r.RemoteAddress != expected.RemoteAddress || r.LocalPort != expected.LocalPort
            || r.RemotePort != expected.RemotePort || !ReferenceEquals(r.AppId, expected.AppId)
            || !ReferenceEquals(r.UserId, expected.UserId) || r.LayerId != expected.LayerId
            || r.Direction != expected.Direction || r.IsLoopback != expected.IsLoopback
            || r.ReauthReason != expected.ReauthReason || r.TerminatingFilterCount != expected.TerminatingFilterCount
            || r.Sequence == 0)
        {
            return false;
        }

        return r.TerminatingFilters.SequenceEqual(expected.TerminatingFilters);
    }

    private static UInt128 Mix(ulong k)
    {
        var a = k * 0x9E37_79B9_7F4A_7C15UL;
        var b = (a ^ (a >> 29)) * 0xBF58_476D_1CE4_E5B9UL;
        return new UInt128(b, a);
    }
}

/// <summary>A clock that tests set by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
