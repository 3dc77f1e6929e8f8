using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Shim;

// Pended ALE classifications (docs/SHIM.md, "Pend at ALE"): a callout at ALE_AUTH_CONNECT or ALE_AUTH_RECV_ACCEPT that
// answers BLOCK with ABSORB and ClassifyOut.FlagPend (FwpsPendOperation0's role) leaves the packet held: no blocked
// flow, no net event. When the callout completes the handle (FwpsCompleteOperation0, through the injector or
// CompletePended), the packet is released with Reclassify: the data plane sends it through the layers again and the
// callout then answers with what it decided.
public sealed partial class PacketShim
{
    private readonly Dictionary<ulong, ulong> _pended = new(64);
    private readonly Lock _pendLock = new();
    private ulong _packetTag;

    /// <summary>Classifications pended and not yet completed (a replay reports them after its run: nobody completes them).</summary>
    public int PendedClassifications
    {
        get
        {
            lock (_pendLock)
            {
                return _pended.Count;
            }
        }
    }

    /// <summary>
    /// FwpsCompleteOperation0: the classification pended with <paramref name="completionHandle"/> may go on. Its packet is
    /// released (<see cref="DrainReleases"/>) with <see cref="ShimRelease.Reclassify"/>. Thread-safe; a callout may
    /// call it from within the classify that pended. Returns false when this shim pended nothing by that handle.
    /// </summary>
    public bool CompletePended(ulong completionHandle)
    {
        ulong tag;
        lock (_pendLock)
        {
            if (!_pended.Remove(completionHandle, out tag))
            {
                return false;
            }
        }

        _releases.Add(new ShimRelease(tag, ActionType.Permit, Reclassify: true, ResetConnection: false));
        return true;
    }

    private ClassifyResult ClassifyPendable(ushort layerId, ref Walk walk, ReadOnlySpan<FwpValue> values, in ClassifyMetadata metadata)
    {
        // Registered before the callout runs, so that a callout completing within classify finds it.
        lock (_pendLock)
        {
            _pended[metadata.CompletionHandle] = _packetTag;
        }

        var result = _engine.Classify(walk.Snapshot, layerId, values, in metadata, default, new LayerData(Injector));
        var pended = result.Action == ActionType.Block && (result.Flags & ClassifyOut.FlagPend) != 0;
        if (pended)
        {
            walk.Pended = true;
        }
        else
        {
            lock (_pendLock)
            {
                _pended.Remove(metadata.CompletionHandle);
            }
        }

        return result;
    }
}
