using Google.Protobuf;
using Google.Protobuf.Reflection;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Bfe.Tests.Persistence;

/// <summary>Store objects for the tests: every field set, keys from a counter.</summary>
internal static class Policies
{
    public static string Key(int n) => new Guid($"{n:x8}-9a3e-4c1b-8f00-5d2e7a6b1c0d").ToString();

    public static DisplayData Display(string name) => new() { Name = name, Description = $"{name}, described" };

    public static Provider Provider(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"provider {n}"),
        Flags = 0x1,
        ProviderData = ByteString.CopyFrom(1, 2, 3, (byte)n),
        ServiceName = $"service{n}",
    };

    public static Sublayer Sublayer(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"sublayer {n}"),
        Flags = 0x1,
        ProviderKey = Key(1000 + n),
        ProviderData = ByteString.CopyFrom(4, 5, (byte)n),
        Weight = 0x8000u + (uint)n,
    };

    public static Callout Callout(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"callout {n}"),
        Flags = 0x1 | 0x10,
        ProviderKey = Key(1000 + n),
        ProviderData = ByteString.CopyFrom(6, (byte)n),
        ApplicableLayer = "c38d57d1-05a7-4c33-904f-7fbceee60e82",
        CalloutId = 300u + (uint)n,
    };

    public static ProviderContext ProviderContext(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"provider context {n}"),
        Flags = 0x1,
        ProviderKey = Key(1000 + n),
        ProviderData = ByteString.CopyFrom(7, (byte)n),
        Type = 13,
        Data = ByteString.CopyFrom(0xde, 0xad, 0xbe, 0xef, (byte)n),
        ProviderContextId = 0x1_0000_0000UL + (ulong)n,
    };

    public static Filter Filter(int n) => new()
    {
        Key = Key(n),
        DisplayData = Display($"filter {n}"),
        Flags = 0x1 | 0x4 | 0x8,
        ProviderKey = Key(1000 + n),
        ProviderData = ByteString.CopyFrom(8, (byte)n),
        LayerKey = "c38d57d1-05a7-4c33-904f-7fbceee60e82",
        SublayerKey = "eebecc03-ced4-4380-819a-2734397b2b74",
        Weight = new Value { Type = 4, Uint = 0xFFFF_FFFF_0000_0000UL + (ulong)n },
        Conditions =
        {
            Condition(0, new ConditionValue { Type = 1, Value = new Value { Type = 1, Uint = 6 } }),
            Condition(1, new ConditionValue { Type = 0x102, Value = new Value { Type = 2, Uint = 1024 }, RangeHigh = new Value { Type = 2, Uint = 65535 } }),
            Condition(2, new ConditionValue { Type = 0x100, Value = new Value { Type = 3, Uint = 0x0A00_0000 }, V4Mask = 0xFF00_0000 }),
            Condition(3, new ConditionValue { Type = 0x101, Value = new Value { Type = 11, Bytes = ByteString.CopyFrom(new byte[16]) }, V6PrefixLength = 64 }),
            Condition(4, new ConditionValue { Type = 5, Value = new Value { Type = 5, Int = -42 } }),
            Condition(5, new ConditionValue { Type = 10, Value = new Value { Type = 10, Real = 2.5 } }),
            Condition(6, new ConditionValue { Type = 14, Value = new Value { Type = 14, Text = "S-1-5-18" } }),
            Condition(7, new ConditionValue
            {
                Type = 16,
                Value = new Value { Type = 16, Token = new Token { User = "S-1-5-21-1", Groups = { "S-1-5-32-544", "S-1-1-0" }, Restricted = { "S-1-5-12" } } },
            }),
        },
        Action = new FilterAction { Type = 0x5003, CalloutKey = Key(2000 + n) },
        RawContext = 0xABCD_0000UL + (ulong)n,
        ProviderContextKey = Key(3000 + n),
        FilterId = 70_000UL + (ulong)n,
        EffectiveWeight = 0x00FF_0000_0000_0000UL + (ulong)n,
    };

    private static FilterCondition Condition(int field, ConditionValue value) => new()
    {
        FieldKey = $"{field:x8}-0000-4000-8000-000000000001",
        MatchType = (uint)(field % 3),
        Value = value,
    };

    /// <summary>Fails when a field of <paramref name="message"/> (outside oneofs) has its default value: a new proto field must get a test value.</summary>
    public static void AssertEveryFieldSet(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.ContainingOneof is not null)
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            var isDefault = value switch
            {
                null => true,
                string s => s.Length == 0,
                ByteString b => b.IsEmpty,
                uint u => u == 0,
                ulong u => u == 0,
                System.Collections.IList list => list.Count == 0,
                IMessage => false,
                _ => throw new InvalidOperationException($"{message.Descriptor.Name}.{field.Name}: type {value.GetType()} not handled"),
            };
            Assert.False(isDefault, $"{message.Descriptor.Name}.{field.Name} is not set");
            if (value is IMessage nested && field.FieldType == FieldType.Message)
            {
                AssertEveryFieldSet(nested);
            }
        }
    }
}
