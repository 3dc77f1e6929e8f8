using System.Reflection;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Bfe.Tests.Persistence;

/// <summary>Store objects for the tests: every stored member set, keys from a counter.</summary>
internal static class Policies
{
    public static Guid Key(int n) => new($"{n:x8}-9a3e-4c1b-8f00-5d2e7a6b1c0d");

    public static DisplayData Display(string name) => new(name, $"{name}, described");

    public static ProviderSpec Provider(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"provider {n}"),
        Flags = (ProviderFlags)0x1,
        ProviderData = [1, 2, 3, (byte)n],
        ServiceName = $"service{n}",
    };

    public static SublayerSpec Sublayer(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"sublayer {n}"),
        Flags = (SublayerFlags)0x1,
        ProviderKey = Key(1000 + n),
        ProviderData = [4, 5, (byte)n],
        Weight = (ushort)(0x8000 + n),
    };

    public static CalloutSpec Callout(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"callout {n}"),
        Flags = (CalloutFlags)(0x1 | 0x10),
        ProviderKey = Key(1000 + n),
        ProviderData = [6, (byte)n],
        ApplicableLayer = new Guid("c38d57d1-05a7-4c33-904f-7fbceee60e82"),
        CalloutId = 300u + (uint)n,
    };

    public static ProviderContextSpec ProviderContext(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"provider context {n}"),
        Flags = (ProviderContextFlags)0x1,
        ProviderKey = Key(1000 + n),
        ProviderData = [7, (byte)n],
        Type = (ProviderContextType)13,
        Data = [0xde, 0xad, 0xbe, 0xef, (byte)n],
        Policy = new ProviderContextNode("networkConnectionPolicy", [new ProviderContextNode("flags", ""), new ProviderContextNode("policies", [new ProviderContextNode("item", $"{n}")], isList: true)], isList: false),
        ProviderContextId = 0x1_0000_0000UL + (ulong)n,
    };

    public static FilterSpec Filter(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"filter {n}"),
        Flags = (FilterFlags)(0x1 | 0x4 | 0x8),
        ProviderKey = Key(1000 + n),
        ProviderData = [8, (byte)n],
        LayerKey = new Guid("c38d57d1-05a7-4c33-904f-7fbceee60e82"),
        SublayerKey = new Guid("eebecc03-ced4-4380-819a-2734397b2b74"),
        Weight = FwpValue.FromUInt64(0xFFFF_FFFF_0000_0000UL + (ulong)n),
        Conditions =
        [
            Condition(0, FwpConditionValue.Of(FwpValue.FromUInt8(6))),
            Condition(1, FwpConditionValue.Range(FwpValue.FromUInt16(1024), FwpValue.FromUInt16(65535))),
            Condition(2, FwpConditionValue.V4AddressMask(0x0A00_0000, 0xFF00_0000)),
            Condition(3, FwpConditionValue.V6AddressMask((UInt128)0x2001_0db8 << 96, 64)),
            Condition(4, FwpConditionValue.Of(FwpValue.FromInt8(-42))),
            Condition(5, FwpConditionValue.Of(FwpValue.FromDouble(2.5))),
            Condition(6, FwpConditionValue.Of(FwpValue.FromSid(Sid.Parse("S-1-5-18")))),
            Condition(7, FwpConditionValue.Of(FwpValue.FromToken(
                new FwpToken(Sid.Parse("S-1-5-21-1"), [Sid.Parse("S-1-5-32-544"), Sid.Parse("S-1-1-0")], [Sid.Parse("S-1-5-12")])))),
        ],
        Action = FilterAction.Callout(ActionType.CalloutTerminating, Key(2000 + n)),
        RawContext = 0xABCD_0000UL + (ulong)n,
        ProviderContextKey = Key(3000 + n),
        FilterId = 70_000UL + (ulong)n,
        EffectiveWeight = 0x00FF_0000_0000_0000UL + (ulong)n,
    };

    private static FilterCondition Condition(int field, FwpConditionValue value) =>
        new(new Guid($"{field:x8}-0000-4000-8000-000000000001"), (FwpMatchType)(field % 3), value);

    /// <summary>
    /// Fails when a public property of <paramref name="spec"/> has its default value: a new member of an engine spec
    /// must get a test value here (and a place in the store's JSON). <c>IsBuiltin</c> is not stored (built-in objects
    /// are never persisted).
    /// </summary>
    public static void AssertEveryMemberSet(object spec)
    {
        foreach (var property in spec.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is "IsBuiltin" || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = property.GetValue(spec);
            var isDefault = value switch
            {
                null => true,
                DisplayData d => d.Description is null || d.Name.Length == 0,
                System.Collections.ICollection c => c.Count == 0,
                FwpValue v => v.IsEmpty,
                _ when value.GetType().IsValueType => value.Equals(Activator.CreateInstance(value.GetType())),
                _ => false,
            };
            Assert.False(isDefault, $"{spec.GetType().Name}.{property.Name} is not set");
        }
    }
}

/// <summary>
/// Equality of engine specs by value: the records compare their byte arrays and condition lists by reference, a store
/// hands back new ones.
/// </summary>
internal sealed class SpecComparer<T> : IEqualityComparer<T>
    where T : class
{
    public static SpecComparer<T> Instance { get; } = new();

    private static readonly FilterCondition[] NoConditions = [];

    public bool Equals(T? x, T? y) => (x, y) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (ProviderSpec a, ProviderSpec b) => a with { ProviderData = null } == b with { ProviderData = null } && Bytes(a.ProviderData, b.ProviderData),
        (SublayerSpec a, SublayerSpec b) => a with { ProviderData = null } == b with { ProviderData = null } && Bytes(a.ProviderData, b.ProviderData),
        (CalloutSpec a, CalloutSpec b) => a with { ProviderData = null } == b with { ProviderData = null } && Bytes(a.ProviderData, b.ProviderData),
        (ProviderContextSpec a, ProviderContextSpec b) =>
            a with { ProviderData = null, Data = null } == b with { ProviderData = null, Data = null }
            && Bytes(a.ProviderData, b.ProviderData) && Bytes(a.Data, b.Data),
        (FilterSpec a, FilterSpec b) =>
            a with { ProviderData = null, Conditions = NoConditions } == b with { ProviderData = null, Conditions = NoConditions }
            && Bytes(a.ProviderData, b.ProviderData) && a.Conditions.SequenceEqual(b.Conditions),
        _ => throw new ArgumentException($"{typeof(T).Name} is not an engine spec"),
    };

    public int GetHashCode(T obj) => 0;

    private static bool Bytes(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}
