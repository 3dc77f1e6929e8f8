using Grpc.Core;
using OpenWfp.Bfe;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Values;
using OpenWfp.NetEvents;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Services;

/// <summary>Net events over the API: recorded for classify calls, enumerated with a template, streamed live.</summary>
internal sealed partial class BfeService
{
    public override Task<NetEventList> EnumNetEvents(NetEventTemplate request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "enumerate net events");
        var list = new NetEventList { Dropped = bfe.NetEvents.Overwritten };
        var matching = bfe.NetEvents.Query(Query(request)).Where(e => Extension(request, e));
        list.Items.AddRange((request.MaxCount == 0 ? matching : matching.Take((int)Math.Min(request.MaxCount, int.MaxValue))).Select(ToProto));
        return list;
    });

    public override async Task SubscribeNetEvents(NetEventTemplate request, IServerStreamWriter<NetEvent> responseStream, ServerCallContext context)
    {
        var query = Session(context, s =>
        {
            bfe.Access.DemandRead(s.Caller, "subscribe to net events");
            if (s.InTransaction)
            {
                throw new WfpException(WfpError.TxnInProgress, "net event subscriptions cannot be made inside a transaction");
            }

            if (!bfe.NetEvents.Collect)
            {
                throw new WfpException(WfpError.NetEventsDisabled, "net events are not being collected (engine option COLLECT_NET_EVENTS is 0)");
            }

            return Query(request);
        });
        try
        {
            await context.WriteResponseHeadersAsync([]);
            var delivered = 0u;
            await foreach (var e in bfe.NetEvents.Subscribe(query, context.CancellationToken))
            {
                if (!Extension(request, e))
                {
                    continue;
                }

                await responseStream.WriteAsync(ToProto(e));
                if (++delivered == request.MaxCount)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    partial void OnEngineOptionChanged(uint option, uint value)
    {
        if (option == EngineOptions.CollectNetEvents)
        {
            bfe.NetEvents.Collect = value != 0;
        }
        else if (option == EngineOptions.NetEventMatchAnyKeywords)
        {
            bfe.NetEvents.Keywords = (NetEventKeywords)value;
        }
    }

    partial void RecordClassify(LayerInfo layer, FwpValue[] values, ClassifyResult result, ReadOnlySpan<TerminatingFilterInfo> terminating)
    {
        var type = NetEventFactory.ClassifyType(result.Action);
        if (!result.HasDecision || !bfe.NetEvents.ShouldRecord(type))
        {
            return;
        }

        var e = NetEventFactory.FromLayerValues(type, layer, values, result.FilterId, (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
        e.SetTerminatingFilters(terminating);
        bfe.NetEvents.Write(in e);
    }

    private static NetEvent ToProto(NetEventRecord e)
    {
        var message = new NetEvent
        {
            TimeUnixNs = e.TimeUnixNs,
            Type = (uint)e.Type,
            IpVersion = e.IpVersion,
            IpProtocol = e.IpProtocol,
            LocalAddress = Address(e.IpVersion, e.LocalAddress),
            RemoteAddress = Address(e.IpVersion, e.RemoteAddress),
            LocalPort = e.LocalPort,
            RemotePort = e.RemotePort,
            FilterId = e.FilterId,
            LayerId = e.LayerId,
            LayerName = LayerCatalog.ById(e.LayerId)?.ShortName ?? "",
            Direction = (uint)e.Direction,
            IsLoopback = e.IsLoopback,
            ReauthReason = e.ReauthReason,
            Sequence = e.Sequence,
            CalloutId = e.CalloutId,
            CalloutDetail = e.CalloutDetail ?? "",
            UserId = e.UserId?.ToString() ?? "",
        };
        if (e.AppId is { } app)
        {
            message.AppId = Google.Protobuf.ByteString.CopyFrom(app);
        }

        foreach (var t in e.TerminatingFilters)
        {
            message.TerminatingFilters.Add(new TerminatingFilter { FilterId = t.FilterId, SublayerKey = t.SublayerKey.ToString(), Action = (uint)t.Action });
        }

        return message;
    }

    // The template's OpenWfp extensions (layer, deciding filter), which FWPM_NET_EVENT_ENUM_TEMPLATE0's conditions cannot say.
    private static bool Extension(NetEventTemplate t, NetEventRecord e) =>
        (!t.HasLayerId || e.LayerId == t.LayerId) && (t.FilterId == 0 || e.FilterId == t.FilterId);

    private static string Address(byte ipVersion, UInt128 address) => ipVersion switch
    {
        4 => FwpValueFormatter.FormatIPv4((uint)address),
        6 => FwpValueFormatter.FormatIPv6(address),
        _ => "",
    };

    /// <summary>FWPM_NET_EVENT_ENUM_TEMPLATE0 → a query; conditions on the fields the template allows (docs/WFPD.md, Net events), AND-ed.</summary>
    private static NetEventQuery Query(NetEventTemplate t)
    {
        var conditions = t.Conditions.Select((c, i) => NetEventCondition.FromFilterCondition(ProtoMap.ToCondition(c, $"template.conditions[{i}]"))).ToList();
        var query = new NetEventQuery
        {
            StartTimeUnixNs = t.StartTimeUnixNs,
            EndTimeUnixNs = t.EndTimeUnixNs,
            // With an extension the count is taken after it (the callers do), not by the log before it.
            MaxCount = t.HasLayerId || t.FilterId != 0 ? 0 : (int)Math.Min(t.MaxCount, int.MaxValue),
            Conditions = conditions,
        };
        try
        {
            query.Validate();
        }
        catch (ArgumentException e)
        {
            throw new WfpException(WfpError.InvalidParameter, "template: " + e.Message);
        }

        return query;
    }
}
