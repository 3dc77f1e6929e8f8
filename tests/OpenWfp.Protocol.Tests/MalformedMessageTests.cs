using Google.Protobuf;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Tests;

/// <summary>Malformed messages from the wire: each gives one FWP_E_* error whose message names the field.</summary>
public sealed class MalformedMessageTests
{
    private const string Layer = "c38d57d1-05a7-4c33-904f-7fbceee60e82"; // ALE_AUTH_CONNECT_V4

    /// <summary>Case name → (mapping, expected error name, expected start of the message).</summary>
    private static readonly Dictionary<string, (Action Map, string Error, string Where)> Cases = new()
    {
        // FWP_VALUE0
        ["value: unknown data type"] = (() => ProtoMap.ToValue(new P.Value { Type = 19, Uint = 1 }), "FWP_E_INVALID_ENUMERATOR", "value.type: unknown FWP_DATA_TYPE 19"),
        ["value: huge data type"] = (() => ProtoMap.ToValue(new P.Value { Type = uint.MaxValue }), "FWP_E_INVALID_ENUMERATOR", "value.type"),
        ["value: SINGLE_DATA_TYPE_MAX"] = (() => ProtoMap.ToValue(new P.Value { Type = 0xff }), "FWP_E_INVALID_ENUMERATOR", "value.type"),
        ["value: range type"] = (() => ProtoMap.ToValue(new P.Value { Type = 0x102 }), "FWP_E_INVALID_ENUMERATOR", "value.type: FWP_RANGE_TYPE is only for condition values"),
        ["value: uint16 in int"] = (() => ProtoMap.ToValue(new P.Value { Type = 2, Int = 80 }), "FWP_E_TYPE_MISMATCH", "value: FWP_UINT16 takes the 'uint' member, not 'int'"),
        ["value: string in bytes"] = (() => ProtoMap.ToValue(new P.Value { Type = 17, Bytes = ByteString.CopyFromUtf8("x") }), "FWP_E_TYPE_MISMATCH", "value"),
        ["value: sid in token"] = (() => ProtoMap.ToValue(new P.Value { Type = 13, Token = new P.Token { User = "S-1-5-18" } }), "FWP_E_TYPE_MISMATCH", "value"),
        ["value: token in text"] = (() => ProtoMap.ToValue(new P.Value { Type = 16, Text = "S-1-5-18" }), "FWP_E_TYPE_MISMATCH", "value"),
        ["value: empty with data"] = (() => ProtoMap.ToValue(new P.Value { Type = 0, Uint = 0 }), "FWP_E_TYPE_MISMATCH", "value: FWP_EMPTY takes no member, not 'uint'"),
        ["value: uint32 without data"] = (() => ProtoMap.ToValue(new P.Value { Type = 3 }), "FWP_E_NULL_POINTER", "value: FWP_UINT32 needs the 'uint' member"),
        ["value: missing"] = (() => ProtoMap.ToValue(null), "FWP_E_NULL_POINTER", "value: missing"),
        ["value: uint8 overflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 1, Uint = 256 }), "FWP_E_OUT_OF_BOUNDS", "value: 256 does not fit FWP_UINT8"),
        ["value: uint16 overflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 2, Uint = 65536 }), "FWP_E_OUT_OF_BOUNDS", "value"),
        ["value: uint32 overflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 3, Uint = 1UL << 32 }), "FWP_E_OUT_OF_BOUNDS", "value"),
        ["value: int8 underflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 5, Int = -129 }), "FWP_E_OUT_OF_BOUNDS", "value"),
        ["value: int16 overflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 6, Int = 40000 }), "FWP_E_OUT_OF_BOUNDS", "value"),
        ["value: int32 underflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 7, Int = long.MinValue }), "FWP_E_OUT_OF_BOUNDS", "value"),
        ["value: float overflow"] = (() => ProtoMap.ToValue(new P.Value { Type = 9, Real = 1e300 }), "FWP_E_OUT_OF_BOUNDS", "value"),
        ["value: byte_array16 short"] = (() => ProtoMap.ToValue(new P.Value { Type = 11, Bytes = ByteString.CopyFrom(1, 2, 3, 4) }), "FWP_E_INVALID_PARAMETER", "value: FWP_BYTE_ARRAY16_TYPE needs 16 bytes, got 4"),
        ["value: byte_array16 long"] = (() => ProtoMap.ToValue(new P.Value { Type = 11, Bytes = ByteString.CopyFrom(new byte[17]) }), "FWP_E_INVALID_PARAMETER", "value"),
        ["value: byte_array6 long"] = (() => ProtoMap.ToValue(new P.Value { Type = 18, Bytes = ByteString.CopyFrom(new byte[7]) }), "FWP_E_INVALID_PARAMETER", "value: FWP_BYTE_ARRAY6_TYPE needs 6 bytes, got 7"),
        ["value: byte_array6 empty"] = (() => ProtoMap.ToValue(new P.Value { Type = 18, Bytes = ByteString.Empty }), "FWP_E_INVALID_PARAMETER", "value"),
        ["value: sid garbage"] = (() => ProtoMap.ToValue(new P.Value { Type = 13, Text = "S-1-x" }), "FWP_E_INVALID_PARAMETER", "value: not a SID"),
        ["value: sid empty"] = (() => ProtoMap.ToValue(new P.Value { Type = 13, Text = "" }), "FWP_E_INVALID_PARAMETER", "value: not a SID"),
        ["value: sddl garbage"] = (() => ProtoMap.ToValue(new P.Value { Type = 14, Text = "D:(A;;CC;;;" }), "FWP_E_INVALID_PARAMETER", "value: not a security descriptor in SDDL"),
        ["value: sddl object ace"] = (() => ProtoMap.ToValue(new P.Value { Type = 14, Text = "D:(OA;;CC;not-a-guid;;WD)" }), "FWP_E_INVALID_PARAMETER", "value"),
        ["token: missing user"] = (() => ProtoMap.ToValue(new P.Value { Type = 15, Token = new P.Token { Groups = { "WD" } } }), "FWP_E_NULL_POINTER", "value.token.user: missing"),
        ["token: bad group"] = (() => ProtoMap.ToValue(new P.Value { Type = 16, Token = new P.Token { User = "S-1-5-18", Groups = { "WD", "nope" } } }), "FWP_E_INVALID_PARAMETER", "value.token.groups[1]: not a SID"),
        ["token: bad restricted"] = (() => ProtoMap.ToValue(new P.Value { Type = 16, Token = new P.Token { User = "S-1-5-18", Restricted = { "S-2-1" } } }), "FWP_E_INVALID_PARAMETER", "value.token.restricted[0]"),

        // FWP_CONDITION_VALUE0
        ["condition value: unknown type"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x103 }), "FWP_E_INVALID_ENUMERATOR", "condition_value.type: unknown FWP_DATA_TYPE 0x103"),
        ["condition value: type 0xff"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0xff }), "FWP_E_INVALID_ENUMERATOR", "condition_value.type"),
        ["condition value: missing"] = (() => ProtoMap.ToConditionValue(null), "FWP_E_NULL_POINTER", "condition_value: missing"),
        ["condition value: single without value"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 2 }), "FWP_E_NULL_POINTER", "condition_value.value: missing"),
        ["condition value: types disagree"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 2, Value = new P.Value { Type = 3, Uint = 1 } }), "FWP_E_TYPE_MISMATCH", "condition_value.value.type: the condition value is FWP_UINT16 but its value is FWP_UINT32"),
        ["condition value: single with range_high"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 2, Value = U16(1), RangeHigh = U16(2) }), "FWP_E_INVALID_PARAMETER", "condition_value.range_high: 'range_high' is only for FWP_RANGE_TYPE"),
        ["condition value: single with v4_mask"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 3, Value = U32(1), V4Mask = 0xff }), "FWP_E_INVALID_PARAMETER", "condition_value.v4_mask"),
        ["condition value: single with prefix"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 11, Value = V6(), V6PrefixLength = 64 }), "FWP_E_INVALID_PARAMETER", "condition_value.v6_prefix_length"),
        ["condition value: v4 mask without address"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x100, V4Mask = 0xffffff00 }), "FWP_E_NULL_POINTER", "condition_value.value"),
        ["condition value: v4 mask on v6 address"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x100, Value = V6(), V4Mask = 0xffffff00 }), "FWP_E_TYPE_MISMATCH", "condition_value.value.type: FWP_V4_ADDR_MASK needs an FWP_UINT32 address"),
        ["condition value: v4 mask with prefix"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x100, Value = U32(1), V6PrefixLength = 8 }), "FWP_E_INVALID_PARAMETER", "condition_value.v6_prefix_length"),
        ["condition value: v6 mask without address"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x101, V6PrefixLength = 64 }), "FWP_E_NULL_POINTER", "condition_value.value"),
        ["condition value: v6 mask on v4 address"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x101, Value = U32(1), V6PrefixLength = 64 }), "FWP_E_TYPE_MISMATCH", "condition_value.value.type"),
        ["condition value: v6 mask short address"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x101, Value = new P.Value { Type = 11, Bytes = ByteString.CopyFrom(new byte[4]) } }), "FWP_E_INVALID_PARAMETER", "condition_value.value: FWP_BYTE_ARRAY16_TYPE needs 16 bytes, got 4"),
        ["condition value: v6 prefix 300"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x101, Value = V6(), V6PrefixLength = 300 }), "FWP_E_INVALID_NET_MASK", "condition_value.v6_prefix_length"),
        ["condition value: v6 mask with v4 mask"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x101, Value = V6(), V4Mask = 1 }), "FWP_E_INVALID_PARAMETER", "condition_value.v4_mask"),
        ["condition value: range without low"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x102, RangeHigh = U16(2) }), "FWP_E_NULL_POINTER", "condition_value.value"),
        ["condition value: range without high"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x102, Value = U16(1) }), "FWP_E_NULL_POINTER", "condition_value.range_high"),
        ["condition value: range of ranges"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x102, Value = new P.Value { Type = 0x102 }, RangeHigh = U16(2) }), "FWP_E_INVALID_ENUMERATOR", "condition_value.value.type"),
        ["condition value: range bad high"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x102, Value = U16(1), RangeHigh = new P.Value { Type = 2, Uint = 70000 } }), "FWP_E_OUT_OF_BOUNDS", "condition_value.range_high"),
        ["condition value: range with mask"] = (() => ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0x102, Value = U16(1), RangeHigh = U16(2), V4Mask = 3 }), "FWP_E_INVALID_PARAMETER", "condition_value.v4_mask"),

        // FWPM_FILTER_CONDITION0
        ["condition: missing"] = (() => ProtoMap.ToCondition(null), "FWP_E_NULL_POINTER", "condition: missing"),
        ["condition: bad field key"] = (() => ProtoMap.ToCondition(new P.FilterCondition { FieldKey = "IP_REMOTE_PORT", Value = new P.ConditionValue { Type = 2, Value = U16(1) } }), "FWP_E_INVALID_PARAMETER", "condition.field_key: 'IP_REMOTE_PORT' is not a GUID"),
        ["condition: missing value"] = (() => ProtoMap.ToCondition(new P.FilterCondition { FieldKey = Layer }), "FWP_E_NULL_POINTER", "condition.value: missing"),

        // FWPM_FILTER0
        ["filter: missing"] = (() => ProtoMap.ToSpec((P.Filter?)null), "FWP_E_NULL_POINTER", "filter: missing"),
        ["filter: bad key"] = (() => ProtoMap.ToSpec(Filter(f => f.Key = "not-a-guid")), "FWP_E_INVALID_PARAMETER", "filter.key: 'not-a-guid' is not a GUID"),
        ["filter: key in N form"] = (() => ProtoMap.ToSpec(Filter(f => f.Key = "d78e1e8786444ea59437d809ecefc971")), "FWP_E_INVALID_PARAMETER", "filter.key"),
        ["filter: bad layer key"] = (() => ProtoMap.ToSpec(Filter(f => f.LayerKey = "{c38d57d1-05a7-4c33-904f-7fbceee60e8}")), "FWP_E_INVALID_PARAMETER", "filter.layer_key"),
        ["filter: bad sublayer key"] = (() => ProtoMap.ToSpec(Filter(f => f.SublayerKey = " ")), "FWP_E_INVALID_PARAMETER", "filter.sublayer_key"),
        ["filter: bad provider key"] = (() => ProtoMap.ToSpec(Filter(f => f.ProviderKey = "x")), "FWP_E_INVALID_PARAMETER", "filter.provider_key"),
        ["filter: bad provider context key"] = (() => ProtoMap.ToSpec(Filter(f => f.ProviderContextKey = "{}")), "FWP_E_INVALID_PARAMETER", "filter.provider_context_key"),
        ["filter: missing action"] = (() => ProtoMap.ToSpec(Filter(f => f.Action = null)), "FWP_E_NULL_POINTER", "filter.action: missing"),
        ["filter: bad callout key"] = (() => ProtoMap.ToSpec(Filter(f => f.Action.CalloutKey = "callout")), "FWP_E_INVALID_PARAMETER", "filter.action.callout_key"),
        ["filter: weight of a condition-only type"] = (() => ProtoMap.ToSpec(Filter(f => f.Weight = new P.Value { Type = 0x100 })), "FWP_E_INVALID_ENUMERATOR", "filter.weight.type"),
        ["filter: weight in the wrong member"] = (() => ProtoMap.ToSpec(Filter(f => f.Weight = new P.Value { Type = 1, Text = "15" })), "FWP_E_TYPE_MISMATCH", "filter.weight"),
        ["filter: weight uint8 overflow"] = (() => ProtoMap.ToSpec(Filter(f => f.Weight = new P.Value { Type = 1, Uint = 300 })), "FWP_E_OUT_OF_BOUNDS", "filter.weight"),
        ["filter: conditions[2] byte array of 4"] = (() => ProtoMap.ToSpec(Filter(f => f.Conditions[2].Value = new P.ConditionValue { Type = 11, Value = new P.Value { Type = 11, Bytes = ByteString.CopyFrom(1, 2, 3, 4) } })), "FWP_E_INVALID_PARAMETER", "filter.conditions[2].value: FWP_BYTE_ARRAY16_TYPE needs 16 bytes, got 4"),
        ["filter: conditions[1] bad field"] = (() => ProtoMap.ToSpec(Filter(f => f.Conditions[1].FieldKey = "?")), "FWP_E_INVALID_PARAMETER", "filter.conditions[1].field_key"),
        ["filter: conditions[0] no value"] = (() => ProtoMap.ToSpec(Filter(f => f.Conditions[0].Value = null)), "FWP_E_NULL_POINTER", "filter.conditions[0].value: missing"),
        ["filter: conditions[2] bad sddl"] = (() => ProtoMap.ToSpec(Filter(f => f.Conditions[2].Value = new P.ConditionValue { Type = 14, Value = new P.Value { Type = 14, Text = "D:(Q;;;;;)" } })), "FWP_E_INVALID_PARAMETER", "filter.conditions[2].value: not a security descriptor"),

        // FWPM_PROVIDER0, FWPM_SUBLAYER0, FWPM_CALLOUT0, FWPM_PROVIDER_CONTEXT0
        ["provider: missing"] = (() => ProtoMap.ToSpec((P.Provider?)null), "FWP_E_NULL_POINTER", "provider: missing"),
        ["provider: bad key"] = (() => ProtoMap.ToSpec(new P.Provider { Key = "1" }), "FWP_E_INVALID_PARAMETER", "provider.key"),
        ["sublayer: missing"] = (() => ProtoMap.ToSpec((P.Sublayer?)null), "FWP_E_NULL_POINTER", "sublayer: missing"),
        ["sublayer: weight above UINT16"] = (() => ProtoMap.ToSpec(new P.Sublayer { Weight = 70000 }), "FWP_E_OUT_OF_BOUNDS", "sublayer.weight: 70000 does not fit the UINT16 weight"),
        ["sublayer: bad provider key"] = (() => ProtoMap.ToSpec(new P.Sublayer { ProviderKey = "zz" }), "FWP_E_INVALID_PARAMETER", "sublayer.provider_key"),
        ["callout: missing"] = (() => ProtoMap.ToSpec((P.Callout?)null), "FWP_E_NULL_POINTER", "callout: missing"),
        ["callout: bad applicable layer"] = (() => ProtoMap.ToSpec(new P.Callout { ApplicableLayer = "FWPM_LAYER_ALE_AUTH_CONNECT_V4" }), "FWP_E_INVALID_PARAMETER", "callout.applicable_layer"),
        ["callout: bad key"] = (() => ProtoMap.ToSpec(new P.Callout { Key = "(d78e1e87-8644-4ea5-9437-d809ecefc971)" }), "FWP_E_INVALID_PARAMETER", "callout.key"),
        ["provider context: missing"] = (() => ProtoMap.ToSpec((P.ProviderContext?)null), "FWP_E_NULL_POINTER", "provider_context: missing"),
        ["provider context: bad provider key"] = (() => ProtoMap.ToSpec(new P.ProviderContext { ProviderKey = "-" }), "FWP_E_INVALID_PARAMETER", "provider_context.provider_key"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MalformedMessage_GivesTheFwpError(string name)
    {
        var (map, error, where) = Cases[name];
        var e = Assert.Throws<WfpException>(map);
        Assert.Equal(error, e.ErrorName);
        Assert.StartsWith(where, e.Message, StringComparison.Ordinal);
        var detail = Assert.Single(e.Details);
        Assert.Equal(where.Split(':')[0], detail.Member);
    }

    [Fact]
    public void TheValidFilterUsedByTheTable_Maps()
    {
        var spec = ProtoMap.ToSpec(Filter(_ => { }));
        Assert.Equal(3, spec.Conditions.Count);
        Assert.Equal(FwpDataType.SecurityDescriptor, spec.Conditions[2].Value.Type);
    }

    private static P.Value U16(uint v) => new() { Type = 2, Uint = v };

    private static P.Value U32(uint v) => new() { Type = 3, Uint = v };

    private static P.Value V6() => new() { Type = 11, Bytes = ByteString.CopyFrom(new byte[16]) };

    private static P.Filter Filter(Action<P.Filter> change)
    {
        var f = new P.Filter
        {
            Key = "d78e1e87-8644-4ea5-9437-d809ecefc971",
            DisplayData = new P.DisplayData { Name = "f" },
            LayerKey = Layer,
            Weight = new P.Value { Type = 1, Uint = 15 },
            Action = new P.FilterAction { Type = 0x1001 },
            Conditions =
            {
                new P.FilterCondition { FieldKey = "c35a604d-d22b-4e1a-91b4-68f674ee674b", MatchType = 0, Value = new P.ConditionValue { Type = 2, Value = U16(23) } },
                new P.FilterCondition { FieldKey = "b235ae9a-1d64-49b8-a44c-5ff3d9095045", MatchType = 0, Value = new P.ConditionValue { Type = 0x100, Value = U32(0x0A000000), V4Mask = 0xFF000000 } },
                new P.FilterCondition { FieldKey = "af043a0a-b34d-4f86-979c-c90371af6e66", MatchType = 0, Value = new P.ConditionValue { Type = 14, Value = new P.Value { Type = 14, Text = "D:(A;;CC;;;WD)" } } },
            },
        };
        change(f);
        return f;
    }
}
