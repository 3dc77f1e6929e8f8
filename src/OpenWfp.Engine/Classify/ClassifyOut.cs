using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Classify;

/// <summary>
/// FWPS_CLASSIFY_OUT0: what a callout writes. A callout receives a copy of the engine's current state, so it can
/// see whether the decision is already hard (<see cref="RightActionWrite"/> cleared).
/// </summary>
public struct ClassifyOut
{
    /// <summary>FWPS_RIGHT_ACTION_WRITE (fwpstypes.h): set while the current decision may still be overridden.</summary>
    public const uint RightActionWrite = 0x1;

    /// <summary>FWPS_CLASSIFY_OUT_FLAG_ABSORB: with BLOCK, drop silently (no net event, no audit).</summary>
    public const uint FlagAbsorb = 0x1;

    /// <summary>FWPS_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED.</summary>
    public const uint FlagBufferLimitReached = 0x2;

    /// <summary>FWPS_CLASSIFY_OUT_FLAG_NO_MORE_DATA.</summary>
    public const uint FlagNoMoreData = 0x4;

    /// <summary>FWPS_CLASSIFY_OUT_FLAG_ALE_FAST_CACHE_CHECK.</summary>
    public const uint FlagAleFastCacheCheck = 0x8;

    /// <summary>FWPS_CLASSIFY_OUT_FLAG_ALE_FAST_CACHE_POSSIBLE.</summary>
    public const uint FlagAleFastCachePossible = 0x10;

    /// <summary>
    /// FwpsPendOperation0's effect, as a flag (OpenWfp's; WFP has a function instead): with BLOCK and ABSORB at an ALE
    /// layer, the data plane holds the packet instead of dropping it and classifies it again when the callout calls
    /// <see cref="Callouts.IPacketInjector.CompletePended"/> with the metadata's completion handle. A bit WFP leaves unused.
    /// </summary>
    public const uint FlagPend = 0x8000_0000;

    /// <summary>actionType.</summary>
    public ActionType ActionType;

    /// <summary>outContext (system use).</summary>
    public ulong OutContext;

    /// <summary>filterId (system use): the filter that set the current decision.</summary>
    public ulong FilterId;

    /// <summary>rights: <see cref="RightActionWrite"/>.</summary>
    public uint Rights;

    /// <summary>flags: FWPS_CLASSIFY_OUT_FLAG_*.</summary>
    public uint Flags;

    /// <summary>Clears <see cref="RightActionWrite"/>: makes the callout's decision hard.</summary>
    public void ClearActionRight() => Rights &= ~RightActionWrite;

    /// <summary>True while the decision can still be changed by lower sublayers.</summary>
    public readonly bool CanWriteAction => (Rights & RightActionWrite) != 0;
}
