namespace OpenWfp.Engine.Compiler;

/// <summary>How a matched filter acts, decided at compile time so classify switches on one byte.</summary>
internal enum FilterKind : byte
{
    Permit,
    HardPermit,
    Block,
    CalloutTerminating,
    CalloutUnknown,
    CalloutInspection,
}

/// <summary>One filter of a compiled layer, in evaluation order. 24 bytes.</summary>
internal readonly struct CompiledFilter
{
    public CompiledFilter(ulong filterId, int opStart, ushort opCount, ushort sublayerOrdinal, FilterKind kind, bool permitIfUnregistered, bool clearActionRight, int calloutIndex)
    {
        FilterId = filterId;
        OpStart = opStart;
        OpCount = opCount;
        SublayerOrdinal = sublayerOrdinal;
        Kind = kind;
        PermitIfUnregistered = permitIfUnregistered;
        ClearActionRight = clearActionRight;
        CalloutIndex = calloutIndex;
    }

    public readonly ulong FilterId;
    public readonly int OpStart;
    public readonly ushort OpCount;
    public readonly ushort SublayerOrdinal;
    public readonly FilterKind Kind;
    public readonly bool PermitIfUnregistered;
    public readonly bool ClearActionRight;

    /// <summary>Index into the program's callout tables, or -1.</summary>
    public readonly int CalloutIndex;
}
