namespace OpenWfp.Engine.Callouts;

/// <summary>FWPS_CALLOUT_NOTIFY_TYPE (fwpstypes.h).</summary>
public enum CalloutNotifyType : uint
{
    /// <summary>FWPS_CALLOUT_NOTIFY_ADD_FILTER: a filter that uses the callout is being added.</summary>
    AddFilter = 0,
    /// <summary>FWPS_CALLOUT_NOTIFY_DELETE_FILTER: such a filter was deleted.</summary>
    DeleteFilter = 1,
    /// <summary>FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT (only with <see cref="CalloutRegistrationFlags.EnableCommitAddNotify"/>).</summary>
    AddFilterPostCommit = 2,
}
