using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>
/// One compiled condition: 12 bytes. Operands live in the program's side arrays (<c>Bounds64</c>, <c>Bounds128</c>,
/// <c>Refs</c>) so that the op array stays dense and cache-friendly.
/// </summary>
internal readonly struct ConditionOp
{
    public ConditionOp(ushort field, OpKind kind, bool groupEnd, FwpDataType expectedType, int operand)
    {
        Field = field;
        Kind = kind;
        GroupEnd = groupEnd;
        ExpectedType = (ushort)expectedType;
        Operand = operand;
    }

    /// <summary>Index of the field in the layer's incoming values.</summary>
    public readonly ushort Field;

    public readonly OpKind Kind;

    /// <summary>True on the last condition of a field's OR group.</summary>
    public readonly bool GroupEnd;

    /// <summary>The incoming value type the condition applies to; any other type fails the condition.</summary>
    public readonly ushort ExpectedType;

    /// <summary>Index into the operand array that <see cref="Kind"/> selects.</summary>
    public readonly int Operand;
}
