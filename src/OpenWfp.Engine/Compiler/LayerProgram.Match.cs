using System.Runtime.CompilerServices;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

internal sealed partial class LayerProgram
{
    // What a missing trailing value reads as: FWP_EMPTY.
    private static readonly FwpValue EmptyValue;

    /// <summary>AND over fields of OR within a field (docs/ARBITRATION.md, Matching conditions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in CompiledFilter filter, ReadOnlySpan<FwpValue> values)
    {
        var i = filter.OpStart;
        var end = i + filter.OpCount;
        while (i < end)
        {
            var groupMatched = false;
            while (true)
            {
                ref readonly var op = ref Ops[i];
                i++;
                if (!groupMatched && EvalOp(in op, values))
                {
                    groupMatched = true;
                }

                if (op.GroupEnd)
                {
                    break;
                }
            }

            if (!groupMatched)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Evaluates one condition against the incoming values.</summary>
    public bool EvalOp(in ConditionOp op, ReadOnlySpan<FwpValue> values)
    {
        var field = op.Field;
        ref readonly var v = ref (uint)field < (uint)values.Length ? ref values[field] : ref EmptyValue;
        var expected = (FwpDataType)op.ExpectedType;
        if (v.Type != expected && !(IsToken(v.Type) && IsToken(expected)))
        {
            // docs/ARBITRATION.md, Matching conditions: an FWP_EMPTY value matches only an FWP_EMPTY EQUAL condition; a value of another
            // type than the condition's never matches (WFP does no implicit conversion).
            return false;
        }

        switch (op.Kind)
        {
            case OpKind.InRangeRaw:
                {
                    var k = v.RawUInt64;
                    return k >= Bounds64[op.Operand] && k <= Bounds64[op.Operand + 1];
                }

            case OpKind.OutOfRangeRaw:
                {
                    var k = v.RawUInt64;
                    return k < Bounds64[op.Operand] || k > Bounds64[op.Operand + 1];
                }

            case OpKind.InRange64:
                {
                    var k = (ulong)v.OrderKey();
                    return k >= Bounds64[op.Operand] && k <= Bounds64[op.Operand + 1];
                }

            case OpKind.OutOfRange64:
                {
                    var k = (ulong)v.OrderKey();
                    return k < Bounds64[op.Operand] || k > Bounds64[op.Operand + 1];
                }

            case OpKind.InRange128:
                {
                    var k = v.OrderKey();
                    return k >= Bounds128[op.Operand] && k <= Bounds128[op.Operand + 1];
                }

            case OpKind.OutOfRange128:
                {
                    var k = v.OrderKey();
                    return k < Bounds128[op.Operand] || k > Bounds128[op.Operand + 1];
                }

            case OpKind.FlagsAll:
                return (v.RawUInt64 & Bounds64[op.Operand]) == Bounds64[op.Operand];
            case OpKind.FlagsAny:
                return (v.RawUInt64 & Bounds64[op.Operand]) != 0;
            case OpKind.FlagsNone:
                return (v.RawUInt64 & Bounds64[op.Operand]) == 0;
            case OpKind.EmptyEqual:
                return v.Type == FwpDataType.Empty;
            default:
                return EvalReference(in op, in v);
        }
    }

    private bool EvalReference(in ConditionOp op, in FwpValue v)
    {
        var operand = Refs[op.Operand];
        switch (op.Kind)
        {
            case OpKind.BlobEqual:
                return v.Blob.SequenceEqual((byte[])operand);
            case OpKind.BlobNotEqual:
                return !v.Blob.SequenceEqual((byte[])operand);
            case OpKind.BlobGreater:
                return v.Blob.SequenceCompareTo((byte[])operand) > 0;
            case OpKind.BlobLess:
                return v.Blob.SequenceCompareTo((byte[])operand) < 0;
            case OpKind.BlobGreaterOrEqual:
                return v.Blob.SequenceCompareTo((byte[])operand) >= 0;
            case OpKind.BlobLessOrEqual:
                return v.Blob.SequenceCompareTo((byte[])operand) <= 0;
            case OpKind.BlobRange:
                {
                    var r = (byte[][])operand;
                    return v.Blob.SequenceCompareTo(r[0]) >= 0 && v.Blob.SequenceCompareTo(r[1]) <= 0;
                }

            case OpKind.BlobEndsWith:
                return v.Blob.EndsWith((byte[])operand);
            case OpKind.BlobNotEndsWith:
                return !v.Blob.EndsWith((byte[])operand);
            case OpKind.StringEqual:
                return string.Equals(v.String, (string)operand, StringComparison.Ordinal);
            case OpKind.StringEqualIgnoreCase:
                return string.Equals(v.String, (string)operand, StringComparison.OrdinalIgnoreCase);
            case OpKind.StringNotEqual:
                return !string.Equals(v.String, (string)operand, StringComparison.Ordinal);
            case OpKind.StringGreater:
                return string.CompareOrdinal(v.String, (string)operand) > 0;
            case OpKind.StringLess:
                return string.CompareOrdinal(v.String, (string)operand) < 0;
            case OpKind.StringGreaterOrEqual:
                return string.CompareOrdinal(v.String, (string)operand) >= 0;
            case OpKind.StringLessOrEqual:
                return string.CompareOrdinal(v.String, (string)operand) <= 0;
            case OpKind.StringRange:
                {
                    var r = (string[])operand;
                    return string.CompareOrdinal(v.String, r[0]) >= 0 && string.CompareOrdinal(v.String, r[1]) <= 0;
                }

            case OpKind.StringEndsWith:
                return v.String is { } s1 && s1.EndsWith((string)operand, StringComparison.Ordinal);
            case OpKind.StringNotEndsWith:
                return v.String is not { } s2 || !s2.EndsWith((string)operand, StringComparison.Ordinal);
            case OpKind.SidEqual:
                return ((Sid)operand).Equals(v.Sid);
            case OpKind.SidNotEqual:
                return !((Sid)operand).Equals(v.Sid);
            case OpKind.SdGrants:
                return v.Token is { } t1 && ((SecurityDescriptor)operand).AccessCheck(t1, SecurityDescriptor.MatchFilterRight);
            case OpKind.SdDenies:
                return v.Token is { } t2 && !((SecurityDescriptor)operand).AccessCheck(t2, SecurityDescriptor.MatchFilterRight);
            default:
                return false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsToken(FwpDataType t) => t is FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation;
}
