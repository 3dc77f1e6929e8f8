namespace OpenWfp.Engine.Callouts;

/// <summary>FWP_CALLOUT_FLAG_* (fwptypes.h): flags of a callout's run-time registration.</summary>
[Flags]
public enum CalloutRegistrationFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW: classify only flows that have a context from this callout.</summary>
    ConditionalOnFlow = 0x1,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_OFFLOAD.</summary>
    AllowOffload = 0x2,
    /// <summary>FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY: also notify ADD_FILTER_POST_COMMIT.</summary>
    EnableCommitAddNotify = 0x4,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION.</summary>
    AllowMidStreamInspection = 0x8,
    /// <summary>FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY.</summary>
    AllowReclassify = 0x10,
}
