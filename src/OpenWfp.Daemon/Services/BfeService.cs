using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using OpenWfp.Bfe;
using OpenWfp.Bfe.Access;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Sessions;
using OpenWfp.Daemon.Hosting;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Services;

/// <summary>
/// The Fwpm* API over gRPC (proto/openwfp/bfe/v1/bfe.proto): resolves the caller (SO_PEERCRED) and the session
/// (the "openwfp-session" header), converts messages with <see cref="ProtoMap"/>, and calls the
/// <see cref="BaseFilteringEngine"/>. Errors become statuses in <see cref="ErrorInterceptor"/>.
/// </summary>
internal sealed partial class BfeService(BaseFilteringEngine bfe, ILogger<BfeService> log) : V1.Bfe.BfeBase
{
    /// <summary>The request header naming the caller's session.</summary>
    public const string SessionHeader = "openwfp-session";

    private static readonly Empty Done = new();

    /// <summary>The caller recorded for the call's connection.</summary>
    public static CallerIdentity? CallerOf(ServerCallContext context) =>
        PeerCredentials.Of(context.GetHttpContext().Features.Get<IConnectionItemsFeature>()?.Items);

    public override async Task OpenSession(OpenSessionRequest request, IServerStreamWriter<SessionEvent> responseStream, ServerCallContext context)
    {
        var caller = Caller(context);
        bfe.Access.DemandRead(caller, "open a session");
        var dynamic = (request.Flags & 0x1) != 0;
        var wait = request.TxnWaitTimeoutMs == 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(request.TxnWaitTimeoutMs);
        var session = bfe.OpenSession(caller, request.DisplayData?.Name, dynamic, wait);
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.LogDebug("session {Session} opened by uid {Uid} pid {Pid} ({Kind})", session.Key, caller.Uid, caller.Pid, dynamic ? "dynamic" : "static");
        }

        try
        {
            await responseStream.WriteAsync(new SessionEvent
            {
                Opened = new SessionOpened { SessionKey = session.Key.ToString(), Uid = caller.Uid, Pid = (uint)Math.Max(0, caller.Pid), CanWrite = bfe.Access.CanWrite(caller) },
            });

            // The session lives as long as this call: the client ends it by closing the stream, or by going away.
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            bfe.CloseSession(session);
            if (log.IsEnabled(LogLevel.Debug))
            {
                log.LogDebug("session {Session} of uid {Uid} pid {Pid} ended", session.Key, caller.Uid, caller.Pid);
            }
        }
    }

    public override Task<Empty> BeginTransaction(BeginTransactionRequest request, ServerCallContext context) =>
        Run(context, s => bfe.BeginTransaction(s, (request.Flags & 0x1) != 0));

    public override Task<Empty> CommitTransaction(Empty request, ServerCallContext context) => Run(context, bfe.CommitTransaction);

    public override Task<Empty> AbortTransaction(Empty request, ServerCallContext context) => Run(context, bfe.AbortTransaction);

    public override Task<Provider> AddProvider(Provider request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.AddProvider(s, ProtoMap.ToSpec(request), ObjectSd(request.SecurityDescriptor))));

    public override Task<Empty> DeleteProvider(ObjectRef request, ServerCallContext context) =>
        Run(context, s => bfe.DeleteProvider(s, Key(request)));

    public override Task<Provider> GetProvider(ObjectRef request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.GetProvider(s, Key(request))));

    public override Task<ProviderList> EnumProviders(EnumTemplate request, ServerCallContext context) =>
        Run(context, s => new ProviderList { Items = { bfe.EnumProviders(s).Where(p => OptionalKey(request.ProviderKey, "providerKey") is not { } k || p.Key == k).Select(ProtoMap.ToProto) } });

    public override Task<V1.Sublayer> AddSublayer(V1.Sublayer request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.AddSublayer(s, ProtoMap.ToSpec(request), ObjectSd(request.SecurityDescriptor))));

    public override Task<Empty> DeleteSublayer(ObjectRef request, ServerCallContext context) =>
        Run(context, s => bfe.DeleteSublayer(s, Key(request)));

    public override Task<V1.Sublayer> GetSublayer(ObjectRef request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.GetSublayer(s, Key(request))));

    public override Task<SublayerList> EnumSublayers(EnumTemplate request, ServerCallContext context) =>
        Run(context, s => new SublayerList { Items = { bfe.EnumSublayers(s, OptionalKey(request.ProviderKey, "providerKey")).Select(ProtoMap.ToProto) } });

    public override Task<Callout> AddCallout(Callout request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.AddCallout(s, ProtoMap.ToSpec(request), ObjectSd(request.SecurityDescriptor))));

    public override Task<Empty> DeleteCallout(ObjectRef request, ServerCallContext context) => Run(context, s =>
    {
        if (request.Id != 0)
        {
            bfe.DeleteCallout(s, checked((uint)request.Id));
        }
        else
        {
            bfe.DeleteCallout(s, Key(request));
        }
    });

    public override Task<Callout> GetCallout(ObjectRef request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(request.Id != 0 ? bfe.GetCallout(s, checked((uint)request.Id)) : bfe.GetCallout(s, Key(request))));

    public override Task<CalloutList> EnumCallouts(EnumTemplate request, ServerCallContext context) =>
        Run(context, s => new CalloutList { Items = { bfe.EnumCallouts(s, OptionalKey(request.ProviderKey, "providerKey"), OptionalKey(request.LayerKey, "layerKey")).Select(ProtoMap.ToProto) } });

    public override Task<ProviderContext> AddProviderContext(ProviderContext request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.AddProviderContext(s, ProtoMap.ToSpec(request), ObjectSd(request.SecurityDescriptor))));

    public override Task<Empty> DeleteProviderContext(ObjectRef request, ServerCallContext context) => Run(context, s =>
    {
        if (request.Id != 0)
        {
            bfe.DeleteProviderContext(s, request.Id);
        }
        else
        {
            bfe.DeleteProviderContext(s, Key(request));
        }
    });

    public override Task<ProviderContext> GetProviderContext(ObjectRef request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(request.Id != 0 ? bfe.GetProviderContext(s, request.Id) : bfe.GetProviderContext(s, Key(request))));

    public override Task<ProviderContextList> EnumProviderContexts(EnumTemplate request, ServerCallContext context) =>
        Run(context, s => new ProviderContextList
        {
            Items = { bfe.EnumProviderContexts(s, OptionalKey(request.ProviderKey, "providerKey"), request.HasType ? (ProviderContextType)request.Type : null).Select(ProtoMap.ToProto) },
        });

    public override Task<Filter> AddFilter(Filter request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(bfe.AddFilter(s, ProtoMap.ToSpec(request), ObjectSd(request.SecurityDescriptor))));

    public override Task<Empty> DeleteFilter(ObjectRef request, ServerCallContext context) => Run(context, s =>
    {
        if (request.Id != 0)
        {
            bfe.DeleteFilter(s, request.Id);
        }
        else
        {
            bfe.DeleteFilter(s, Key(request));
        }
    });

    public override Task<Filter> GetFilter(ObjectRef request, ServerCallContext context) =>
        Run(context, s => ProtoMap.ToProto(request.Id != 0 ? bfe.GetFilter(s, request.Id) : bfe.GetFilter(s, Key(request))));

    public override Task<FilterList> EnumFilters(V1.FilterEnumTemplate request, ServerCallContext context) =>
        Run(context, s => new FilterList { Items = { bfe.EnumFilters(s, Template(request)).Select(ProtoMap.ToProto) } });

    public override async Task SubscribeChanges(SubscribeChangesRequest request, IServerStreamWriter<ChangeEvent> responseStream, ServerCallContext context)
    {
        var template = request.FilterTemplate is null ? null : Template(request.FilterTemplate);
        var kinds = request.ObjectTypes.Select(t => (ObjectKind)t).ToHashSet();
        var flags = request.Flags == 0 ? 0x3u : request.Flags;
        using var subscription = Session(context, s =>
        {
            bfe.Access.DemandRead(s.Caller, "subscribe to changes");
            if (s.InTransaction)
            {
                throw new WfpException(WfpError.TxnInProgress, "subscriptions cannot be made inside a transaction");
            }

            return bfe.Changes.Subscribe(s.Key, c =>
                (kinds.Count == 0 || kinds.Contains(c.Kind))
                && ((c.Type == ChangeType.Add && (flags & 0x1) != 0) || (c.Type == ChangeType.Delete && (flags & 0x2) != 0))
                && (template is null || c.Kind != ObjectKind.Filter || template.Matches((FilterSpec)c.Object)));
        });
        try
        {
            // The headers tell the client the subscription is registered: changes committed from now on reach it.
            await context.WriteResponseHeadersAsync([]);
            await foreach (var change in subscription.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(new ChangeEvent
                {
                    ChangeType = (uint)change.Type,
                    ObjectType = (V1.ObjectType)change.Kind,
                    Key = change.Key.ToString(),
                    Id = change.Id,
                    Name = change.Name,
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override Task<EngineOption> GetEngineOption(EngineOptionRequest request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "read an engine option");
        return bfe.Options.TryGetValue(request.Option, out var value)
            ? new EngineOption { Option = request.Option, Value = value }
            : throw new WfpException(WfpError.InvalidEnumerator, $"engine option {request.Option} is not one OpenWfp keeps (0 COLLECT_NET_EVENTS, 1 NET_EVENT_MATCH_ANY_KEYWORDS, 5 TXN_WATCHDOG_TIMEOUT_IN_MSEC)");
    });

    public override Task<Empty> SetEngineOption(EngineOption request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandWrite(s.Caller, "set an engine option");
        if (request.Option is not (EngineOptions.CollectNetEvents or EngineOptions.NetEventMatchAnyKeywords or EngineOptions.TxnWatchdogTimeoutInMsec))
        {
            throw new WfpException(WfpError.InvalidEnumerator, $"engine option {request.Option} is not one OpenWfp keeps (0, 1 or 5)");
        }

        bfe.Options[request.Option] = request.Value;
        OnEngineOptionChanged(request.Option, request.Value);
    });

    public override Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context) => Run(context, s =>
    {
        bfe.Access.DemandRead(s.Caller, "classify");
        if (!LayerCatalog.TryFindLayer(request.Layer, out var layer))
        {
            throw new WfpException(WfpError.LayerNotFound, $"layer \"{request.Layer}\" does not exist");
        }

        var values = new FwpValue[layer.Fields.Count];
        foreach (var v in request.Values)
        {
            var field = layer.FindField(v.Field) ?? throw new WfpException(WfpError.ConditionNotFound, $"layer {layer.ShortName} has no field \"{v.Field}\"");
            try
            {
                values[field.Index] = v.Value is not null ? ProtoMap.ToValue(v.Value) : FieldValueParser.ParseIncoming(field, v.Text);
            }
            catch (FormatException e)
            {
                throw new WfpException(WfpError.InvalidParameter, $"{field.Name}: {e.Message}");
            }
        }

        Span<TerminatingFilterInfo> terminating = stackalloc TerminatingFilterInfo[16];
        var result = bfe.Engine.Classify(layer, values, default, terminating);
        RecordClassify(layer, values, result, terminating[..Math.Min(result.TerminatingCount, terminating.Length)]);
        var response = new ClassifyResponse
        {
            Action = (uint)result.Action,
            FilterId = result.FilterId,
            Hard = (result.Rights & ClassifyOut.RightActionWrite) == 0,
            Vetoed = result.Vetoed,
            TerminatingCount = (uint)result.TerminatingCount,
        };
        foreach (var t in terminating[..Math.Min(result.TerminatingCount, terminating.Length)])
        {
            response.TerminatingFilters.Add(new TerminatingFilter { FilterId = t.FilterId, SublayerKey = t.SublayerKey.ToString(), Action = (uint)t.Action });
        }

        return response;
    });

    public override Task<State> GetState(Empty request, ServerCallContext context) => Run(context, s =>
    {
        var view = bfe.View(s);
        var state = new State { Generation = (ulong)view.Generation };
        state.Providers.AddRange(view.ProvidersByKey.Values.OrderBy(p => p.Key).Select(ProtoMap.ToProto));
        state.Sublayers.AddRange(view.SublayersByKey.Values.OrderByDescending(x => x.Weight).ThenBy(x => x.Key).Select(ProtoMap.ToProto));
        state.Callouts.AddRange(view.CalloutsByKey.Values.OrderBy(c => c.CalloutId).Select(ProtoMap.ToProto));
        state.ProviderContexts.AddRange(view.ProviderContextsByKey.Values.OrderBy(c => c.ProviderContextId).Select(ProtoMap.ToProto));
        state.Filters.AddRange(view.Filters.Concat(bfe.BootTimeFilters).OrderBy(f => f.FilterId).Select(ProtoMap.ToProto));
        return state;
    });

    private static CallerIdentity Caller(ServerCallContext context) =>
        CallerOf(context) ?? throw new WfpException(WfpError.AccessDenied, "the caller's credentials could not be read from the socket");

    /// <summary>Runs a call in the caller's session (or in a session of its own when the call names none).</summary>
    private T Session<T>(ServerCallContext context, Func<BfeSession, T> call)
    {
        var caller = Caller(context);
        var header = context.RequestHeaders.GetValue(SessionHeader);
        if (header is null)
        {
            var transient = bfe.OpenSession(caller, "transient");
            try
            {
                return call(transient);
            }
            finally
            {
                bfe.CloseSession(transient);
            }
        }

        if (!Guid.TryParse(header, out var key) || bfe.FindSession(key) is not { } session)
        {
            throw new WfpException(WfpError.InvalidParameter, $"session {header} is not open (it ended, or was never opened with OpenSession)");
        }

        if (session.Caller.Uid != caller.Uid)
        {
            throw new WfpException(WfpError.AccessDenied, $"session {header} belongs to another user");
        }

        return call(session);
    }

    private Task<T> Run<T>(ServerCallContext context, Func<BfeSession, T> call) => Task.FromResult(Session(context, call));

    private Task<Empty> Run(ServerCallContext context, Action<BfeSession> call) => Task.FromResult(Session(context, s =>
    {
        call(s);
        return Done;
    }));

    private static Guid Key(ObjectRef reference) =>
        OptionalKey(reference.Key, "key") ?? throw new WfpException(WfpError.NullPointer, "the object's key is missing");

    private static Guid? OptionalKey(string text, string what)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return Guid.TryParse(text, out var key) ? key : throw new WfpException(WfpError.InvalidParameter, $"{what}: \"{text}\" is not a GUID");
    }

    private static Bfe.FilterEnumTemplate Template(V1.FilterEnumTemplate t) => new()
    {
        ProviderKey = OptionalKey(t.ProviderKey, "providerKey"),
        LayerKey = OptionalKey(t.LayerKey, "layerKey"),
        SublayerKey = OptionalKey(t.SublayerKey, "sublayerKey"),
        CalloutKey = OptionalKey(t.CalloutKey, "calloutKey"),
        EnumType = t.EnumType,
        Flags = t.Flags,
        ActionMask = t.ActionMask,
        Conditions = [.. t.Conditions.Select((c, i) => ProtoMap.ToCondition(c, $"template.conditions[{i}]"))],
    };

    partial void RecordClassify(LayerInfo layer, FwpValue[] values, ClassifyResult result, ReadOnlySpan<TerminatingFilterInfo> terminating);

    partial void OnEngineOptionChanged(uint option, uint value);
}
