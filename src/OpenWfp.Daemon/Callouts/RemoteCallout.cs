using System.Runtime.CompilerServices;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Callouts;

/// <summary>
/// The engine's side of a callout registered over CalloutSession (docs/CALLOUTS.md, Remote callouts): classifyFn
/// sends the inputs to the client and waits for its answer, synchronously, on the classifying thread.
/// </summary>
/// <remarks>
/// Several threads may classify through one remote callout at once; each waits for its own answer (matched by request
/// id). Without a usable answer classify throws, and the engine counts the fault and acts as if the callout were
/// unregistered (docs/ARBITRATION.md, Unregistered callouts): BLOCK, or PERMIT for a filter with
/// FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED. The request copies the layer data, so unlike an in-process callout
/// a remote one allocates per classify.
/// </remarks>
internal sealed class RemoteCallout : ICallout
{
    // FWPS_CLASSIFY_OUT_FLAG_* a client may set: ABSORB, and OpenWfp's pend (ClassifyOut.FlagPend).
    private const uint AnswerFlags = ClassifyOut.FlagAbsorb | ClassifyOut.FlagPend;

    private readonly RemoteCalloutSession _session;
    private readonly ConditionalWeakTable<RuntimeFilter, CalloutFilter> _filters = [];

    public RemoteCallout(RemoteCalloutSession session, Guid key, RemoteCalloutCounters counters)
    {
        _session = session;
        Key = key;
        Counters = counters;
    }

    /// <summary>The callout key.</summary>
    public Guid Key { get; }

    /// <summary>The key's counters.</summary>
    public RemoteCalloutCounters Counters { get; }

    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        var request = ProtoMap.ToCalloutRequest(in context, in classifyOut, Key, FilterMessage(context.Filter));
        var pendable = (context.Metadata.CurrentMetadataValues & ClassifyMetadata.FieldCompletionHandle) != 0 ? context.LayerData.Injector : null;
        var answer = _session.Call(request, Counters, pendable) ?? throw new RemoteCalloutException($"remote callout {{{Key}}}: no answer");
        if (answer.Error.Length > 0)
        {
            if ((answer.Flags & ClassifyOut.FlagPend) != 0 && pendable is not null)
            {
                _session.Unpend(context.Metadata.CompletionHandle);
            }

            Counters.CountClientError();
            throw new RemoteCalloutException($"remote callout {{{Key}}}: the client failed: {answer.Error}");
        }

        var action = (ActionType)answer.Action;
        var flags = answer.Flags;
        if (action is not (ActionType.Block or ActionType.Permit or ActionType.Continue or ActionType.None or ActionType.NoneNoMatch)
            || (flags & ~AnswerFlags) != 0
            || answer.StreamAction > (uint)StreamAction.Defer
            || ((flags & ClassifyOut.FlagPend) != 0 && !CanPend(in context, action, flags)))
        {
            if ((flags & ClassifyOut.FlagPend) != 0 && pendable is not null)
            {
                _session.Unpend(context.Metadata.CompletionHandle);
            }

            Counters.CountBadAnswer();
            throw new RemoteCalloutException($"remote callout {{{Key}}}: an answer wfpd cannot use (action 0x{answer.Action:X}, flags 0x{flags:X}, stream action {answer.StreamAction})");
        }

        classifyOut.ActionType = action;
        classifyOut.Flags = flags;
        if (answer.ClearActionRight)
        {
            classifyOut.ClearActionRight();
        }

        if (context.LayerData.HasStreamResult)
        {
            ref var stream = ref context.LayerData.StreamResult;
            stream.Action = (StreamAction)answer.StreamAction;
            stream.CountBytesRequired = answer.CountBytesRequired;
            stream.CountBytesEnforced = answer.CountBytesEnforced;
        }

        if ((flags & ClassifyOut.FlagPend) != 0)
        {
            // FwpsPendOperation0: the session kept the classify's injector (the data plane holding the packet) when
            // the answer arrived, so that a Complete sent right after it finds it.
            Counters.CountPended();
        }

        if ((answer.RemoveFlowContext || answer.AssociateFlowContext) && context.Metadata.HasFlowHandle)
        {
            UpdateFlowContext(in context, answer);
        }
    }

    public void FlowDelete(ushort layerId, uint calloutId, ulong flowContext) =>
        _session.Send(new CalloutServerMessage
        {
            FlowDeleted = new CalloutFlowDeleted { CalloutKey = ProtoMap.KeyToProto(Key), LayerId = layerId, CalloutId = calloutId, FlowContext = flowContext },
        });

    /// <summary>A pend needs BLOCK with ABSORB, a pendable classify (a completion handle) and a data plane to complete it.</summary>
    private static bool CanPend(in CalloutClassifyContext context, ActionType action, uint flags) =>
        action == ActionType.Block
        && (flags & ClassifyOut.FlagAbsorb) != 0
        && (context.Metadata.CurrentMetadataValues & ClassifyMetadata.FieldCompletionHandle) != 0
        && context.LayerData.Injector is not null;

    /// <summary>FwpsFlowRemoveContext0 / FwpsFlowAssociateContext0 for the classify's flow and layer; a failure (an association that exists already) leaves the flow as it was, as WFP returns the error to the callout.</summary>
    private void UpdateFlowContext(in CalloutClassifyContext context, CalloutClassifyResult answer)
    {
        var engine = _session.Hub.Engine;
        var slot = engine.Callouts.Slot(Key);
        var flow = context.Metadata.FlowHandle;
        var layer = context.Layer.LayerId;
        if (answer.RemoveFlowContext)
        {
            engine.FlowContexts.Remove(flow, layer, slot.CalloutId);
        }

        if (answer.AssociateFlowContext)
        {
            try
            {
                engine.FlowContexts.Associate(flow, layer, slot, answer.FlowContext);
            }
            catch (Engine.Errors.WfpException)
            {
            }
        }
    }

    /// <summary>The filter's message, built once per run-time filter (its provider context's bytes included).</summary>
    private CalloutFilter FilterMessage(RuntimeFilter filter) => _filters.GetValue(filter, ProtoMap.ToProto);
}

/// <summary>A remote classify that has no usable answer; the engine counts it and acts as if the callout were unregistered.</summary>
internal sealed class RemoteCalloutException(string message) : Exception(message);
