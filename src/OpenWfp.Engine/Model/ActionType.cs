namespace OpenWfp.Engine.Model;

/// <summary>FWP_ACTION_TYPE (fwptypes.h): composed of a number and the TERMINATING / NON_TERMINATING / CALLOUT bits.</summary>
public enum ActionType : uint
{
    /// <summary>FWP_ACTION_FLAG_TERMINATING bit.</summary>
    FlagTerminating = 0x1000,
    /// <summary>FWP_ACTION_FLAG_NON_TERMINATING bit.</summary>
    FlagNonTerminating = 0x2000,
    /// <summary>FWP_ACTION_FLAG_CALLOUT bit.</summary>
    FlagCallout = 0x4000,
    /// <summary>FWP_ACTION_BLOCK.</summary>
    Block = 0x1 | FlagTerminating,
    /// <summary>FWP_ACTION_PERMIT.</summary>
    Permit = 0x2 | FlagTerminating,
    /// <summary>FWP_ACTION_CALLOUT_TERMINATING: the callout always returns block or permit.</summary>
    CalloutTerminating = 0x3 | FlagCallout | FlagTerminating,
    /// <summary>FWP_ACTION_CALLOUT_INSPECTION: the callout never decides.</summary>
    CalloutInspection = 0x4 | FlagCallout | FlagNonTerminating,
    /// <summary>FWP_ACTION_CALLOUT_UNKNOWN: the callout may decide or continue.</summary>
    CalloutUnknown = 0x5 | FlagCallout,
    /// <summary>FWP_ACTION_CONTINUE (a callout's result only).</summary>
    Continue = 0x6 | FlagNonTerminating,
    /// <summary>FWP_ACTION_NONE (a callout's result only).</summary>
    None = 0x7,
    /// <summary>FWP_ACTION_NONE_NO_MATCH (a callout's result only; also the engine's "nothing decided").</summary>
    NoneNoMatch = 0x8,
}
