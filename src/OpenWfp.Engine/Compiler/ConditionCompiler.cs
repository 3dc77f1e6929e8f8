using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>Turns one validated condition into an op and its operand (docs/ARBITRATION.md, Matching conditions; decided at compile time).</summary>
internal static class ConditionCompiler
{
    /// <summary>The plain value type a condition tests (the field's incoming type it applies to).</summary>
    public static FwpDataType PlainType(FwpConditionValue value, LayerFieldInfo field) => value.Type switch
    {
        FwpDataType.V4AddrMask => FwpDataType.UInt32,
        FwpDataType.V6AddrMask => FwpDataType.ByteArray16,
        FwpDataType.Range => value.RangeLow.Type,
        FwpDataType.SecurityDescriptor => field.IncomingType,
        _ => value.Type,
    };

    /// <summary>The inclusive interval of order keys a scalar condition accepts, and whether it is negated (NOT_EQUAL).</summary>
    public static bool TryInterval(FilterCondition c, out UInt128 lo, out UInt128 hi, out bool negated)
    {
        lo = 0;
        hi = 0;
        negated = false;
        var v = c.Value;
        switch (v.Type)
        {
            case FwpDataType.V4AddrMask:
                {
                    var mask = v.V4Mask;
                    var a = (uint)v.Value.RawUInt64 & mask;
                    lo = a;
                    hi = a | ~mask;
                    negated = c.MatchType == FwpMatchType.NotEqual;
                    return c.MatchType is FwpMatchType.Equal or FwpMatchType.NotEqual;
                }

            case FwpDataType.V6AddrMask:
                {
                    var p = v.V6PrefixLength;
                    var mask = p == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - p);
                    var a = v.Value.RawUInt128 & mask;
                    lo = a;
                    hi = a | ~mask;
                    negated = c.MatchType == FwpMatchType.NotEqual;
                    return c.MatchType is FwpMatchType.Equal or FwpMatchType.NotEqual;
                }

            case FwpDataType.Range:
                if (!FwpValue.IsOrderedScalar(v.RangeLow.Type) || c.MatchType != FwpMatchType.Range)
                {
                    return false;
                }

                lo = v.RangeLow.OrderKey();
                hi = v.RangeHigh.OrderKey();
                return true;
        }

        if (!FwpValue.IsOrderedScalar(v.Type))
        {
            return false;
        }

        var k = v.Value.OrderKey();
        var max = MaxKey(v.Type);
        switch (c.MatchType)
        {
            case FwpMatchType.Equal:
                lo = hi = k;
                return true;
            case FwpMatchType.NotEqual:
                lo = hi = k;
                negated = true;
                return true;
            case FwpMatchType.Greater:
                if (k == max)
                {
                    (lo, hi) = (1, 0); // empty: nothing is greater than the maximum
                }
                else
                {
                    (lo, hi) = (k + 1, max);
                }

                return true;
            case FwpMatchType.Less:
                if (k == 0)
                {
                    (lo, hi) = (1, 0);
                }
                else
                {
                    (lo, hi) = (0, k - 1);
                }

                return true;
            case FwpMatchType.GreaterOrEqual:
                (lo, hi) = (k, max);
                return true;
            case FwpMatchType.LessOrEqual:
                (lo, hi) = (0, k);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The largest order key of a type (the domain's top).</summary>
    public static UInt128 MaxKey(FwpDataType type) => type switch
    {
        FwpDataType.ByteArray16 => UInt128.MaxValue,
        FwpDataType.UInt8 => byte.MaxValue,
        FwpDataType.UInt16 => ushort.MaxValue,
        FwpDataType.UInt32 => uint.MaxValue,
        FwpDataType.ByteArray6 => 0xFFFF_FFFF_FFFFUL,
        _ => ulong.MaxValue,
    };

    /// <summary>Bits of the domain, for the auto-weight's specificity measure.</summary>
    public static int DomainBits(FwpDataType type) => type switch
    {
        FwpDataType.UInt8 or FwpDataType.Int8 => 8,
        FwpDataType.UInt16 or FwpDataType.Int16 => 16,
        FwpDataType.UInt32 or FwpDataType.Int32 or FwpDataType.Float => 32,
        FwpDataType.ByteArray6 => 48,
        FwpDataType.ByteArray16 => 128,
        _ => 64,
    };

    /// <summary>Compiles a condition into an op, appending its operand to the side arrays.</summary>
    public static ConditionOp Compile(FilterCondition c, LayerFieldInfo field, bool groupEnd, List<ulong> bounds64, List<UInt128> bounds128, List<object> refs)
    {
        var index = (ushort)field.Index;
        var plain = PlainType(c.Value, field);
        if (c.Value.Type == FwpDataType.Empty)
        {
            return new ConditionOp(index, OpKind.EmptyEqual, groupEnd, FwpDataType.Empty, 0);
        }

        if (c.MatchType is FwpMatchType.FlagsAllSet or FwpMatchType.FlagsAnySet or FwpMatchType.FlagsNoneSet)
        {
            var kind = c.MatchType switch
            {
                FwpMatchType.FlagsAllSet => OpKind.FlagsAll,
                FwpMatchType.FlagsAnySet => OpKind.FlagsAny,
                _ => OpKind.FlagsNone,
            };
            bounds64.Add(c.Value.Value.RawUInt64);
            return new ConditionOp(index, kind, groupEnd, plain, bounds64.Count - 1);
        }

        if (TryInterval(c, out var lo, out var hi, out var negated))
        {
            if (plain == FwpDataType.ByteArray16)
            {
                bounds128.Add(lo);
                bounds128.Add(hi);
                return new ConditionOp(index, negated ? OpKind.OutOfRange128 : OpKind.InRange128, groupEnd, plain, bounds128.Count - 2);
            }

            bounds64.Add((ulong)lo);
            bounds64.Add((ulong)hi);
            var raw = FwpValue.IsUnsigned(plain) || plain == FwpDataType.ByteArray6;
            var kind = raw ? (negated ? OpKind.OutOfRangeRaw : OpKind.InRangeRaw) : (negated ? OpKind.OutOfRange64 : OpKind.InRange64);
            return new ConditionOp(index, kind, groupEnd, plain, bounds64.Count - 2);
        }

        var (refKind, operand) = ReferenceOp(c);
        refs.Add(operand);
        return new ConditionOp(index, refKind, groupEnd, plain, refs.Count - 1);
    }

    private static (OpKind Kind, object Operand) ReferenceOp(FilterCondition c)
    {
        var v = c.Value;
        var m = c.MatchType;
        switch (PlainTypeOf(v))
        {
            case FwpDataType.ByteBlob:
                if (v.Type == FwpDataType.Range)
                {
                    return (OpKind.BlobRange, new[] { (byte[])v.RangeLow.Reference!, (byte[])v.RangeHigh.Reference! });
                }

                // Blob values are immutable by contract (FwpValue.FromByteBlob), so the program shares the array.
                var blob = (byte[])v.Value.Reference!;
                return (m switch
                {
                    FwpMatchType.Equal => OpKind.BlobEqual,
                    FwpMatchType.NotEqual => OpKind.BlobNotEqual,
                    FwpMatchType.Greater => OpKind.BlobGreater,
                    FwpMatchType.Less => OpKind.BlobLess,
                    FwpMatchType.GreaterOrEqual => OpKind.BlobGreaterOrEqual,
                    FwpMatchType.LessOrEqual => OpKind.BlobLessOrEqual,
                    FwpMatchType.Prefix => OpKind.BlobEndsWith,
                    FwpMatchType.NotPrefix => OpKind.BlobNotEndsWith,
                    _ => throw Unsupported(c),
                }, blob);
            case FwpDataType.UnicodeString:
                if (v.Type == FwpDataType.Range)
                {
                    return (OpKind.StringRange, new[] { v.RangeLow.String!, v.RangeHigh.String! });
                }

                return (m switch
                {
                    FwpMatchType.Equal => OpKind.StringEqual,
                    FwpMatchType.EqualCaseInsensitive => OpKind.StringEqualIgnoreCase,
                    FwpMatchType.NotEqual => OpKind.StringNotEqual,
                    FwpMatchType.Greater => OpKind.StringGreater,
                    FwpMatchType.Less => OpKind.StringLess,
                    FwpMatchType.GreaterOrEqual => OpKind.StringGreaterOrEqual,
                    FwpMatchType.LessOrEqual => OpKind.StringLessOrEqual,
                    FwpMatchType.Prefix => OpKind.StringEndsWith,
                    FwpMatchType.NotPrefix => OpKind.StringNotEndsWith,
                    _ => throw Unsupported(c),
                }, v.Value.String!);
            case FwpDataType.Sid:
                return (m == FwpMatchType.NotEqual ? OpKind.SidNotEqual : OpKind.SidEqual, v.Value.Sid!);
            case FwpDataType.SecurityDescriptor:
                return (m == FwpMatchType.NotEqual ? OpKind.SdDenies : OpKind.SdGrants, v.Value.SecurityDescriptor!);
            default:
                throw Unsupported(c);
        }
    }

    private static FwpDataType PlainTypeOf(FwpConditionValue v) => v.Type == FwpDataType.Range ? v.RangeLow.Type : v.Type;

    private static InvalidOperationException Unsupported(FilterCondition c) =>
        new($"Bug: condition {c.MatchType} on {c.Value.Type} passed validation but cannot be compiled.");
}
