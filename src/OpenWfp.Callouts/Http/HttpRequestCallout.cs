using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Callouts.Http;

/// <summary>
/// openwfp.http-request (docs/BUILTIN-CALLOUTS.md): at STREAM_V4/V6 it follows each connection's requests and resets
/// the connection when one matches a rule of the filter's provider context.
/// </summary>
/// <remarks>
/// A terminating callout here must answer PERMIT or BLOCK; it permits data it is still watching (PERMIT with
/// FWPS_STREAM_ACTION_NONE, soft, so lower sublayers still decide), holds incomplete heads with NEED_MORE_DATA,
/// stops watching with ALLOW_CONNECTION, and answers a match with BLOCK and DROP_CONNECTION (a hard decision).
/// Per-connection state lives in a bounded table reached through the flow context, and is freed in flowDeleteFn.
/// </remarks>
public sealed class HttpRequestCallout : ICallout
{
    private readonly FilterEngine _engine;
    private readonly HttpFlowTable _flows;
    private readonly EventSink _events;
    private readonly int _maxHead;
    private CalloutSlot? _slot;

    internal HttpRequestCallout(FilterEngine engine, BuiltinCalloutOptions options, EventSink events)
    {
        _engine = engine;
        _events = events;
        _maxHead = Math.Max(64, options.MaxHttpHeadBytes);
        _flows = new HttpFlowTable(options.MaxHttpFlows);
    }

    /// <summary>The callout's counters.</summary>
    public CalloutCounters<HttpCounter> Counters { get; } = new();

    /// <summary>Connections followed now.</summary>
    public int TrackedFlows => _flows.Count;

    /// <inheritdoc />
    public bool Notify(CalloutNotifyType type, Guid filterKey, RuntimeFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (type == CalloutNotifyType.AddFilter)
        {
            // Compile once; a bad configuration throws a FormatException whose message the engine reports with
            // FWP_E_CALLOUT_NOTIFICATION_FAILED.
            CalloutConfig.CheckLayer(filter, OpenWfpCallouts.HttpRequest);
            filter.CalloutContext = HttpRuleSet.Parse(CalloutConfig.TextOf(filter, OpenWfpCallouts.HttpRequest));
        }

        return true;
    }

    /// <inheritdoc />
    public void FlowDelete(ushort layerId, uint calloutId, ulong flowContext) => _flows.Return(flowContext);

    /// <inheritdoc />
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        var layerData = context.LayerData;
        var entryFlags = classifyOut.Flags;
        if (layerData.Kind != LayerDataKind.Stream)
        {
            classifyOut.ActionType = ActionType.Permit;
            return;
        }

        Counters.Increment(HttpCounter.Indications);
        ref var stream = ref layerData.StreamResult;
        var rules = CalloutConfig.Compiled(context.Filter, OpenWfpCallouts.HttpRequest, HttpRuleSet.Parse);
        if (rules is null)
        {
            Counters.Increment(HttpCounter.InvalidConfig);
            Answer(ref classifyOut, ref stream, StreamAction.AllowConnection);
            return;
        }

        var flow = FlowOf(in context);
        if (flow is null)
        {
            Counters.Increment(HttpCounter.Untracked);
            Answer(ref classifyOut, ref stream, StreamAction.AllowConnection);
            return;
        }

        var step = default(HttpStepResult);
        lock (flow)
        {
            var index = flow.InUse ? flow.IndexOf(context.Filter.FilterId) : -1;
            if (index < 0)
            {
                step.Outcome = HttpOutcome.Pass;
                Counters.Increment(HttpCounter.Untracked);
            }
            else
            {
                flow.Streams[index].Process(layerData.Stream, entryFlags, rules, _maxHead, ref step);
            }
        }

        if (step.Requests > 0)
        {
            Counters.Add(HttpCounter.Requests, step.Requests);
        }

        switch (step.Outcome)
        {
            case HttpOutcome.Permit:
                Answer(ref classifyOut, ref stream, StreamAction.None);
                break;
            case HttpOutcome.NeedMoreData:
                Counters.Increment(HttpCounter.NeedMoreData);
                Answer(ref classifyOut, ref stream, StreamAction.NeedMoreData);
                stream.CountBytesRequired = Math.Max(stream.CountBytesRequired, step.Required);
                break;
            case HttpOutcome.Pass:
                CountPass(step.Reason);
                Answer(ref classifyOut, ref stream, StreamAction.AllowConnection);
                break;
            case HttpOutcome.Drop:
                classifyOut.ActionType = ActionType.Block;
                classifyOut.ClearActionRight();
                stream.Action = StreamAction.DropConnection;
                stream.CountBytesEnforced = 0;
                if (step.Request is { } request)
                {
                    Counters.Increment(HttpCounter.Blocked);
                    Report(in context, request);
                }

                break;
        }
    }

    private static void Answer(ref ClassifyOut classifyOut, ref StreamIoResult stream, StreamAction action)
    {
        classifyOut.ActionType = ActionType.Permit;

        // One stream answer serves every filter of the classify: a reset or a hold another filter asked for stands.
        if (stream.Action is not (StreamAction.DropConnection or StreamAction.NeedMoreData))
        {
            stream.Action = action;
            stream.CountBytesEnforced = 0;
        }
    }

    private void CountPass(PassReason reason)
    {
        switch (reason)
        {
            case PassReason.NotHttp:
                Counters.Increment(HttpCounter.NotHttp);
                break;
            case PassReason.Malformed:
                Counters.Increment(HttpCounter.Malformed);
                break;
            case PassReason.HeadTooLarge:
                Counters.Increment(HttpCounter.HeadTooLarge);
                Counters.Increment(HttpCounter.Malformed);
                break;
            case PassReason.Upgraded:
                Counters.Increment(HttpCounter.Upgraded);
                break;
            case PassReason.Gap:
                Counters.Increment(HttpCounter.Gaps);
                break;
        }
    }

    // The connection's record: through the flow context when one is associated, else a new record associated now.
    private HttpFlow? FlowOf(in CalloutClassifyContext context)
    {
        if (!context.Metadata.HasFlowHandle)
        {
            return null;
        }

        if (context.FlowContext != 0)
        {
            return _flows.Get(context.FlowContext);
        }

        var handle = context.Metadata.FlowHandle;
        if (!_flows.TryRent(handle, out var flowContext, out var flow))
        {
            return null;
        }

        var slot = _slot ??= _engine.Callouts.Slot(OpenWfpCallouts.HttpRequest.Key);
        try
        {
            _engine.FlowContexts.Associate(handle, context.Layer.LayerId, slot, flowContext);
            return flow;
        }
        catch (WfpException)
        {
            // Another thread associated this connection first: use its record.
            _flows.Return(flowContext);
            return _engine.FlowContexts.TryGet(handle, context.Layer.LayerId, slot.CalloutId, out var existing) ? _flows.Get(existing) : null;
        }
    }

    private void Report(in CalloutClassifyContext context, string request)
    {
        // For the data plane's net event of this packet (it carries the callout id and the request line).
        CalloutEventNote.Set(context.Filter.CalloutId, request);
        if (!_events.Enabled)
        {
            return;
        }

        var fields = LayerFields.Of(context.Layer.LayerId);
        var tuple = fields?.Tuple(in context, 6) ?? default;
        var e = new CalloutEvent(context.Filter.CalloutId, context.Layer.LayerId, context.Filter.FilterId, context.Metadata.HasFlowHandle ? context.Metadata.FlowHandle : 0, tuple, CalloutEventKind.HttpRequestBlocked, request);
        if (!_events.Send(e))
        {
            Counters.Increment(HttpCounter.EventFaults);
        }
    }
}
