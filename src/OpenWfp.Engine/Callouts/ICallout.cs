using OpenWfp.Engine.Classify;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// The run-time half of a callout (FWPS_CALLOUT): WFP's three functions. Register an implementation with
/// <see cref="CalloutRegistry.Register"/>; filters whose action names the callout's key then call it.
/// </summary>
/// <remarks>
/// Classify runs on the packet path, possibly on several threads at once: it must be thread-safe and should not
/// allocate. An exception thrown from <see cref="Classify"/> never escapes the engine: it is counted, and the
/// filter acts as if its callout were unregistered.
/// </remarks>
public interface ICallout
{
    /// <summary>
    /// classifyFn: <paramref name="classifyOut"/> holds a copy of the current decision on entry; set
    /// <see cref="ClassifyOut.ActionType"/> (PERMIT, BLOCK, CONTINUE) and clear the action right for a hard decision.
    /// </summary>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut);

    /// <summary>notifyFn: a filter using this callout is added or deleted. A failure rejects the add (FWP_E_CALLOUT_NOTIFICATION_FAILED).</summary>
    public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter) => true;

    /// <summary>flowDeleteFn: a flow this callout associated a context with has ended.</summary>
    public void FlowDelete(ushort layerId, uint calloutId, ulong flowContext)
    {
    }
}
