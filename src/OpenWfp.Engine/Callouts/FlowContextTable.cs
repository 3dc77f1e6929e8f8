using System.Collections.Concurrent;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// Per-flow callout contexts (FwpsFlowAssociateContext0 / FwpsFlowRemoveContext0): one context per
/// (flow, layer, callout). Ending a flow calls each associated callout's flowDeleteFn once.
/// </summary>
/// <remarks>
/// Classify looks contexts up by (flow, layer, callout) without allocating; each flow also keeps the list of its
/// own associations, so ending a flow costs its own associations, not a scan of every flow's.
/// </remarks>
public sealed class FlowContextTable
{
    private readonly ConcurrentDictionary<(ulong Flow, ushort Layer, uint Callout), ulong> _contexts = new();
    private readonly ConcurrentDictionary<ulong, List<(ushort Layer, uint Callout)>> _byFlow = new();
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

        var list = _byFlow.GetOrAdd(flowId, static _ => []);
        lock (list)
        {
            list.Add((layerId, callout.CalloutId));
        }

        _slotsById[callout.CalloutId] = callout;
        Interlocked.Increment(ref _count);
    }

    /// <summary>Removes an association without calling flowDeleteFn.</summary>
    public bool Remove(ulong flowId, ushort layerId, uint calloutId)
    {
        if (!_contexts.TryRemove((flowId, layerId, calloutId), out _))
        {
            return false;
        }

        if (_byFlow.TryGetValue(flowId, out var list))
        {
            lock (list)
            {
                list.Remove((layerId, calloutId));
            }
        }

        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>The context for (flow, layer, callout); allocation-free.</summary>
    public bool TryGet(ulong flowId, ushort layerId, uint calloutId, out ulong context) =>
        _contexts.TryGetValue((flowId, layerId, calloutId), out context);

    /// <summary>Ends a flow: removes its contexts and calls each callout's flowDeleteFn. Returns how many were removed.</summary>
    public int DeleteFlow(ulong flowId)
    {
        if (!_byFlow.TryRemove(flowId, out var list))
        {
            return 0;
        }

        (ushort Layer, uint Callout)[] associations;
        lock (list)
        {
            associations = [.. list];
        }

        var removed = 0;
        foreach (var (layer, calloutId) in associations)
        {
            if (!_contexts.TryRemove((flowId, layer, calloutId), out var context))
            {
                continue;
            }

            Interlocked.Decrement(ref _count);
            removed++;
            if (_slotsById.TryGetValue(calloutId, out var slot) && slot.Callout is { } callout)
            {
                callout.FlowDelete(layer, calloutId, context);
            }
        }

        return removed;
    }
}
