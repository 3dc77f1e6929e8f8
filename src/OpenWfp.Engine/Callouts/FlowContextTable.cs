using System.Collections.Concurrent;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// Per-flow callout contexts (FwpsFlowAssociateContext0 / FwpsFlowRemoveContext0): one context per
/// (flow, layer, callout). Ending a flow calls each associated callout's flowDeleteFn once.
/// </summary>
public sealed class FlowContextTable
{
    private readonly ConcurrentDictionary<(ulong Flow, ushort Layer, uint Callout), ulong> _contexts = new();
    private readonly ConcurrentDictionary<uint, CalloutSlot> _slotsById = new();
    private int _count;

    /// <summary>True when no context is associated (lets classify skip the lookup).</summary>
    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    /// <summary>Associates a context; an existing association must be removed first (FWP_E_ALREADY_EXISTS).</summary>
    public void Associate(ulong flowId, ushort layerId, CalloutSlot callout, ulong context)
    {
        ArgumentNullException.ThrowIfNull(callout);
        if (callout.CalloutId == 0)
        {
            throw new WfpException(WfpError.CalloutNotFound, $"callout {{{callout.Key}}} has no management object, so no run-time id");
        }

        if (!_contexts.TryAdd((flowId, layerId, callout.CalloutId), context))
        {
            throw new WfpException(WfpError.AlreadyExists, $"flow {flowId} already has a context for callout {callout.CalloutId} at layer {layerId}");
        }

        _slotsById[callout.CalloutId] = callout;
        Interlocked.Increment(ref _count);
    }

    /// <summary>Removes an association without calling flowDeleteFn.</summary>
    public bool Remove(ulong flowId, ushort layerId, uint calloutId)
    {
        if (_contexts.TryRemove((flowId, layerId, calloutId), out _))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    /// <summary>The context for (flow, layer, callout); allocation-free.</summary>
    public bool TryGet(ulong flowId, ushort layerId, uint calloutId, out ulong context) =>
        _contexts.TryGetValue((flowId, layerId, calloutId), out context);

    /// <summary>Ends a flow: removes its contexts and calls each callout's flowDeleteFn. Returns how many were removed.</summary>
    public int DeleteFlow(ulong flowId)
    {
        var removed = 0;
        foreach (var entry in _contexts)
        {
            if (entry.Key.Flow != flowId || !_contexts.TryRemove(entry.Key, out var context))
            {
                continue;
            }

            Interlocked.Decrement(ref _count);
            removed++;
            if (_slotsById.TryGetValue(entry.Key.Callout, out var slot) && slot.Callout is { } callout)
            {
                callout.FlowDelete(entry.Key.Layer, entry.Key.Callout, context);
            }
        }

        return removed;
    }
}
