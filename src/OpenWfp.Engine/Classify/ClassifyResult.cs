using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Classify;

/// <summary>The outcome of one classify at one layer.</summary>
public readonly struct ClassifyResult
{
    internal ClassifyResult(ActionType action, ulong filterId, uint rights, uint flags, bool vetoed, int terminatingCount, int calloutFaults)
    {
        Action = action;
        FilterId = filterId;
        Rights = rights;
        Flags = flags;
        Vetoed = vetoed;
        TerminatingCount = terminatingCount;
        CalloutFaults = calloutFaults;
    }

    /// <summary>PERMIT or BLOCK when a filter decided; <see cref="ActionType.NoneNoMatch"/> when nothing did.</summary>
    public ActionType Action { get; }

    /// <summary>The deciding filter's id (0 when nothing decided).</summary>
    public ulong FilterId { get; }

    /// <summary>Final rights: <see cref="ClassifyOut.RightActionWrite"/> cleared means the decision was hard.</summary>
    public uint Rights { get; }

    /// <summary>FWPS_CLASSIFY_OUT_FLAG_* of the deciding result (ABSORB: drop silently).</summary>
    public uint Flags { get; }

    /// <summary>True when a callout vetoed a hard permit.</summary>
    public bool Vetoed { get; }

    /// <summary>How many sublayers had a terminating filter (entries may exceed the span the caller passed).</summary>
    public int TerminatingCount { get; }

    /// <summary>How many callouts threw during this classify (each acted as if unregistered).</summary>
    public int CalloutFaults { get; }

    /// <summary>The shim's decision: no match is a permit (docs/ARBITRATION.md, The algorithm).</summary>
    public bool IsPermitted => Action != ActionType.Block;

    /// <summary>True when the packet is to be dropped silently.</summary>
    public bool IsAbsorbed => Action == ActionType.Block && (Flags & ClassifyOut.FlagAbsorb) != 0;

    /// <summary>True when a filter decided.</summary>
    public bool HasDecision => Action is ActionType.Permit or ActionType.Block;

    /// <summary>Nothing matched: permit.</summary>
    public static ClassifyResult NoMatch { get; } = new(ActionType.NoneNoMatch, 0, ClassifyOut.RightActionWrite, 0, false, 0, 0);
}
