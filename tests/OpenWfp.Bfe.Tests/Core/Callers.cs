using Microsoft.Extensions.Time.Testing;
using OpenWfp.Bfe.Access;
using OpenWfp.Engine.Model;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>Who calls the in-process BFE in these tests, and a BFE on a fake clock.</summary>
internal static class Callers
{
    public const uint Writers = 2000;
    public const uint Readers = 2001;

    /// <summary>root, as wfpd's own start-up or `sudo wfp` calls.</summary>
    public static CallerIdentity Root { get; } = new(0, 0, 100, []);

    /// <summary>An ordinary user in no special group.</summary>
    public static CallerIdentity Nobody { get; } = new(1000, 1000, 101, []);

    /// <summary>A user whose supplementary groups include the writer group.</summary>
    public static CallerIdentity Writer { get; } = new(1001, 1001, 102, [Writers]);

    /// <summary>A user whose primary group is the reader group.</summary>
    public static CallerIdentity Reader { get; } = new(1002, Readers, 103, []);

    /// <summary>A BFE with no store, the given access rules, and a clock the test moves by hand.</summary>
    public static BaseFilteringEngine NewBfe(AccessPolicy? access = null, FakeTimeProvider? clock = null) =>
        new(access ?? new AccessPolicy(), store: null, engineOptions: null, timeProvider: clock ?? new FakeTimeProvider());

    /// <summary>A sublayer spec with a fresh key.</summary>
    public static SublayerSpec Sublayer(string name, ushort weight = 0x100) =>
        new() { Key = Guid.NewGuid(), DisplayData = new DisplayData(name), Weight = weight };
}
