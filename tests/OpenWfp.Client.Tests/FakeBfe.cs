using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Client.Tests;

/// <summary>One call the fake daemon received: the method, the "openwfp-session" header (or null) and the request.</summary>
internal sealed record RecordedCall(string Method, string? Session, object Request);

/// <summary>
/// A minimal wfpd: stores what it is given, hands out ids, records every call with its session header, fails the
/// methods it is told to fail with FWP_E_* trailers, and streams changes and net events pushed into it.
/// </summary>
internal sealed class FakeBfe : Bfe.BfeBase
{
    private readonly ConcurrentDictionary<ulong, Filter> _filters = new();
    private readonly ConcurrentDictionary<string, Provider> _providers = new();
    private readonly ConcurrentDictionary<string, Sublayer> _sublayers = new();
    private readonly ConcurrentDictionary<uint, Callout> _callouts = new();
    private readonly ConcurrentDictionary<ulong, ProviderContext> _contexts = new();
    private readonly ConcurrentDictionary<uint, uint> _options = new();
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly ConcurrentDictionary<string, WfpException> _failures = new();
    private readonly ConcurrentDictionary<string, bool> _unimplemented = new();
    private long _nextId = 1000;

    public IReadOnlyCollection<RecordedCall> Calls => [.. _calls];

    public ConcurrentDictionary<string, TaskCompletionSource> SessionsEnded { get; } = new();

    public TaskCompletionSource<string> SessionOpened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Channel<ChangeEvent> Changes { get; } = Channel.CreateUnbounded<ChangeEvent>();

    public Channel<NetEvent> NetEvents { get; } = Channel.CreateUnbounded<NetEvent>();

    public TaskCompletionSource SubscriptionEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<NetEvent> StoredNetEvents { get; } = [];

    /// <summary>When set, OpenSession ends the stream right after the first message (the daemon closing the session).</summary>
    public bool EndSessionsImmediately { get; set; }

    /// <summary>Makes <paramref name="method"/> fail as an unimplemented method does: status Unimplemented, no FWP trailers.</summary>
    public void Unimplement(string method) => _unimplemented[method] = true;

    /// <summary>Makes <paramref name="method"/> fail with <paramref name="error"/> from now on.</summary>
    public void Fail(string method, WfpError error) => _failures[method] = new WfpException(error, $"{method} fails as the test asked");

    /// <summary>Makes <paramref name="method"/> fail with <paramref name="exception"/> (all its details) from now on.</summary>
    public void Fail(string method, WfpException exception) => _failures[method] = exception;

    /// <summary>What EnumLayers and GetLayer serve.</summary>
    public List<Layer> Layers { get; } = [];

    /// <summary>What EnumSessions serves.</summary>
    public List<Session> Sessions { get; } = [];

    /// <summary>What GetChangeSubscriptions serves.</summary>
    public List<ChangeSubscription> Subscriptions { get; } = [];

    public override async Task OpenSession(OpenSessionRequest request, IServerStreamWriter<SessionEvent> responseStream, ServerCallContext context)
    {
        Record(nameof(OpenSession), request, context);
        var key = Guid.NewGuid().ToString("D");
        var ended = SessionsEnded.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await responseStream.WriteAsync(new SessionEvent { Opened = new SessionOpened { SessionKey = key, Uid = 1000, Pid = 4242, CanWrite = true } });
        SessionOpened.TrySetResult(key);
        if (EndSessionsImmediately)
        {
            ended.TrySetResult();
            return;
        }

        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            ended.TrySetResult();
        }
    }

    public override Task<Empty> BeginTransaction(BeginTransactionRequest request, ServerCallContext context) => Ok(nameof(BeginTransaction), request, context, new Empty());

    public override Task<Empty> CommitTransaction(Empty request, ServerCallContext context) => Ok(nameof(CommitTransaction), request, context, new Empty());

    public override Task<Empty> AbortTransaction(Empty request, ServerCallContext context) => Ok(nameof(AbortTransaction), request, context, new Empty());

    public override Task<Provider> AddProvider(Provider request, ServerCallContext context)
    {
        Check(nameof(AddProvider), request, context);
        var stored = request.Clone();
        stored.Key = stored.Key.Length == 0 ? Guid.NewGuid().ToString("D") : stored.Key;
        _providers[stored.Key] = stored;
        return Task.FromResult(stored);
    }

    public override Task<Empty> DeleteProvider(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(DeleteProvider), request, context);
        return _providers.TryRemove(request.Key, out _) ? Task.FromResult(new Empty()) : throw NotFound(WfpError.ProviderNotFound, request);
    }

    public override Task<Provider> GetProvider(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(GetProvider), request, context);
        return _providers.TryGetValue(request.Key, out var p) ? Task.FromResult(p) : throw NotFound(WfpError.ProviderNotFound, request);
    }

    public override Task<ProviderList> EnumProviders(EnumTemplate request, ServerCallContext context)
    {
        Check(nameof(EnumProviders), request, context);
        return Task.FromResult(new ProviderList { Items = { _providers.Values } });
    }

    public override Task<Sublayer> AddSublayer(Sublayer request, ServerCallContext context)
    {
        Check(nameof(AddSublayer), request, context);
        var stored = request.Clone();
        stored.Key = stored.Key.Length == 0 ? Guid.NewGuid().ToString("D") : stored.Key;
        _sublayers[stored.Key] = stored;
        return Task.FromResult(stored);
    }

    public override Task<Empty> DeleteSublayer(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(DeleteSublayer), request, context);
        return _sublayers.TryRemove(request.Key, out _) ? Task.FromResult(new Empty()) : throw NotFound(WfpError.SublayerNotFound, request);
    }

    public override Task<Sublayer> GetSublayer(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(GetSublayer), request, context);
        return _sublayers.TryGetValue(request.Key, out var s) ? Task.FromResult(s) : throw NotFound(WfpError.SublayerNotFound, request);
    }

    public override Task<SublayerList> EnumSublayers(EnumTemplate request, ServerCallContext context)
    {
        Check(nameof(EnumSublayers), request, context);
        var items = _sublayers.Values.Where(s => request.ProviderKey.Length == 0 || s.ProviderKey == request.ProviderKey);
        return Task.FromResult(new SublayerList { Items = { items } });
    }

    public override Task<Callout> AddCallout(Callout request, ServerCallContext context)
    {
        Check(nameof(AddCallout), request, context);
        var stored = request.Clone();
        stored.CalloutId = (uint)Interlocked.Increment(ref _nextId);
        stored.Key = stored.Key.Length == 0 ? Guid.NewGuid().ToString("D") : stored.Key;
        _callouts[stored.CalloutId] = stored;
        return Task.FromResult(stored);
    }

    public override Task<Empty> DeleteCallout(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(DeleteCallout), request, context);
        var match = _callouts.Values.FirstOrDefault(c => Matches(request, c.Key, c.CalloutId));
        return match is not null && _callouts.TryRemove(match.CalloutId, out _) ? Task.FromResult(new Empty()) : throw NotFound(WfpError.CalloutNotFound, request);
    }

    public override Task<Callout> GetCallout(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(GetCallout), request, context);
        var match = _callouts.Values.FirstOrDefault(c => Matches(request, c.Key, c.CalloutId));
        return match is not null ? Task.FromResult(match) : throw NotFound(WfpError.CalloutNotFound, request);
    }

    public override Task<CalloutList> EnumCallouts(EnumTemplate request, ServerCallContext context)
    {
        Check(nameof(EnumCallouts), request, context);
        var items = _callouts.Values.Where(c => request.LayerKey.Length == 0 || c.ApplicableLayer == request.LayerKey);
        return Task.FromResult(new CalloutList { Items = { items } });
    }

    public override Task<ProviderContext> AddProviderContext(ProviderContext request, ServerCallContext context)
    {
        Check(nameof(AddProviderContext), request, context);
        var stored = request.Clone();
        stored.ProviderContextId = (ulong)Interlocked.Increment(ref _nextId);
        stored.Key = stored.Key.Length == 0 ? Guid.NewGuid().ToString("D") : stored.Key;
        _contexts[stored.ProviderContextId] = stored;
        return Task.FromResult(stored);
    }

    public override Task<Empty> DeleteProviderContext(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(DeleteProviderContext), request, context);
        var match = _contexts.Values.FirstOrDefault(c => Matches(request, c.Key, c.ProviderContextId));
        return match is not null && _contexts.TryRemove(match.ProviderContextId, out _) ? Task.FromResult(new Empty()) : throw NotFound(WfpError.ProviderContextNotFound, request);
    }

    public override Task<ProviderContext> GetProviderContext(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(GetProviderContext), request, context);
        var match = _contexts.Values.FirstOrDefault(c => Matches(request, c.Key, c.ProviderContextId));
        return match is not null ? Task.FromResult(match) : throw NotFound(WfpError.ProviderContextNotFound, request);
    }

    public override Task<ProviderContextList> EnumProviderContexts(EnumTemplate request, ServerCallContext context)
    {
        Check(nameof(EnumProviderContexts), request, context);
        var items = _contexts.Values.Where(c => !request.HasType || c.Type == request.Type);
        return Task.FromResult(new ProviderContextList { Items = { items } });
    }

    public override Task<Filter> AddFilter(Filter request, ServerCallContext context)
    {
        Check(nameof(AddFilter), request, context);
        try
        {
            _ = ProtoMap.ToSpec(request); // what wfpd does first: a malformed filter fails here with its FWP_E_* error
        }
        catch (WfpException e)
        {
            throw WfpErrorTrailers.ToRpcException(e);
        }

        var stored = request.Clone();
        stored.FilterId = (ulong)Interlocked.Increment(ref _nextId);
        stored.Key = stored.Key.Length == 0 ? Guid.NewGuid().ToString("D") : stored.Key;
        stored.EffectiveWeight = 0x0F00_0000_0000_0000UL + stored.FilterId;
        _filters[stored.FilterId] = stored;
        return Task.FromResult(stored);
    }

    public override Task<Empty> DeleteFilter(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(DeleteFilter), request, context);
        var match = _filters.Values.FirstOrDefault(f => Matches(request, f.Key, f.FilterId));
        return match is not null && _filters.TryRemove(match.FilterId, out _) ? Task.FromResult(new Empty()) : throw NotFound(WfpError.FilterNotFound, request);
    }

    public override Task<Filter> GetFilter(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(GetFilter), request, context);
        var match = _filters.Values.FirstOrDefault(f => Matches(request, f.Key, f.FilterId));
        return match is not null ? Task.FromResult(match) : throw NotFound(WfpError.FilterNotFound, request);
    }

    public override Task<FilterList> EnumFilters(FilterEnumTemplate request, ServerCallContext context)
    {
        Check(nameof(EnumFilters), request, context);
        var items = _filters.Values.Where(f => request.LayerKey.Length == 0 || f.LayerKey == request.LayerKey).OrderBy(f => f.FilterId);
        return Task.FromResult(new FilterList { Items = { items } });
    }

    public override async Task SubscribeChanges(SubscribeChangesRequest request, IServerStreamWriter<ChangeEvent> responseStream, ServerCallContext context)
    {
        Check(nameof(SubscribeChanges), request, context);
        await context.WriteResponseHeadersAsync(new Metadata()); // tells the client the subscription is in place
        try
        {
            await foreach (var change in Changes.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(change);
            }
        }
        catch (OperationCanceledException)
        {
            SubscriptionEnded.TrySetResult();
        }
    }

    public override Task<EngineOption> GetEngineOption(EngineOptionRequest request, ServerCallContext context)
    {
        Check(nameof(GetEngineOption), request, context);
        return Task.FromResult(new EngineOption { Option = request.Option, Value = _options.GetValueOrDefault(request.Option) });
    }

    public override Task<Empty> SetEngineOption(EngineOption request, ServerCallContext context)
    {
        Check(nameof(SetEngineOption), request, context);
        _options[request.Option] = request.Value;
        return Task.FromResult(new Empty());
    }

    public override Task<NetEventList> EnumNetEvents(NetEventTemplate request, ServerCallContext context)
    {
        Check(nameof(EnumNetEvents), request, context);
        return Task.FromResult(new NetEventList { Items = { StoredNetEvents } });
    }

    public override async Task SubscribeNetEvents(NetEventTemplate request, IServerStreamWriter<NetEvent> responseStream, ServerCallContext context)
    {
        Check(nameof(SubscribeNetEvents), request, context);
        await context.WriteResponseHeadersAsync(new Metadata());
        try
        {
            await foreach (var e in NetEvents.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(e);
            }
        }
        catch (OperationCanceledException)
        {
            SubscriptionEnded.TrySetResult();
        }
    }

    public override Task<State> GetState(Empty request, ServerCallContext context)
    {
        Check(nameof(GetState), request, context);
        return Task.FromResult(new State { Filters = { _filters.Values }, Providers = { _providers.Values }, Generation = 7 });
    }

    public override Task<LayerList> EnumLayers(Empty request, ServerCallContext context) =>
        Ok(nameof(EnumLayers), request, context, new LayerList { Items = { Layers } });

    public override Task<Layer> GetLayer(ObjectRef request, ServerCallContext context)
    {
        Check(nameof(GetLayer), request, context);
        return Layers.FirstOrDefault(l => Matches(request, l.Key, l.LayerId)) is { } layer ? Task.FromResult(layer) : throw NotFound(WfpError.LayerNotFound, request);
    }

    public override Task<SessionList> EnumSessions(Empty request, ServerCallContext context) =>
        Ok(nameof(EnumSessions), request, context, new SessionList { Items = { Sessions } });

    public override Task<ChangeSubscriptionList> GetChangeSubscriptions(Empty request, ServerCallContext context) =>
        Ok(nameof(GetChangeSubscriptions), request, context, new ChangeSubscriptionList { Items = { Subscriptions } });

    private static bool Matches(ObjectRef r, string key, ulong id) => r.Key.Length > 0 ? string.Equals(r.Key, key, StringComparison.OrdinalIgnoreCase) : r.Id == id;

    private static RpcException NotFound(WfpError error, ObjectRef r) =>
        WfpErrorTrailers.ToRpcException(new WfpException(error, r.Key.Length > 0 ? $"no object has key {{{r.Key}}}" : $"no object has id {r.Id}"));

    private Task<T> Ok<T>(string method, object request, ServerCallContext context, T reply)
    {
        Check(method, request, context);
        return Task.FromResult(reply);
    }

    private void Check(string method, object request, ServerCallContext context)
    {
        Record(method, request, context);
        if (_unimplemented.ContainsKey(method))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"{method} is not implemented"));
        }

        if (_failures.TryGetValue(method, out var error))
        {
            throw WfpErrorTrailers.ToRpcException(error);
        }
    }

    private void Record(string method, object request, ServerCallContext context) =>
        _calls.Enqueue(new RecordedCall(method, context.RequestHeaders.GetValue(BfeClient.SessionHeader), request));
}
