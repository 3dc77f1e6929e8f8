using System.Collections.Concurrent;
using System.Threading.Channels;
using OpenWfp.Bfe.Access;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Callouts;

/// <summary>
/// One CalloutSession stream (docs/CALLOUTS.md, Remote callouts): the keys it registered, the classifies waiting for
/// its answers, the classifies it pended, and the messages queued for it. The transport (BfeService) feeds it the
/// client's messages with <see cref="Handle"/>, sends what <see cref="Outgoing"/> yields, and calls
/// <see cref="Close"/> when the stream ends.
/// </summary>
internal sealed class RemoteCalloutSession
{
    private readonly RemoteCalloutHub _hub;
    private readonly ILogger _log;
    private readonly Channel<CalloutServerMessage> _outgoing = Channel.CreateUnbounded<CalloutServerMessage>();
    private readonly ConcurrentDictionary<ulong, PendingClassify> _waiting = new();
    private readonly ConcurrentDictionary<ulong, (IPacketInjector Injector, RemoteCalloutCounters Counters)> _pended = new();
    private readonly ConcurrentQueue<PendingClassify> _pool = new();
    private readonly Dictionary<Guid, RemoteCallout> _registered = [];
    private long _nextRequestId;
    private volatile bool _closed;

    internal RemoteCalloutSession(RemoteCalloutHub hub, CallerIdentity caller, ILogger log)
    {
        _hub = hub;
        Caller = caller;
        _log = log;
    }

    /// <summary>The client, from its socket credentials.</summary>
    public CallerIdentity Caller { get; }

    /// <summary>The hub the session belongs to.</summary>
    public RemoteCalloutHub Hub => _hub;

    /// <summary>What to send to the client, in order (one reader; Count tells it whether more are queued).</summary>
    public ChannelReader<CalloutServerMessage> Outgoing => _outgoing.Reader;

    /// <summary>True once the stream has ended.</summary>
    public bool IsClosed => _closed;

    /// <summary>The keys registered now.</summary>
    public IReadOnlyCollection<Guid> Keys
    {
        get
        {
            lock (_registered)
            {
                return [.. _registered.Keys];
            }
        }
    }

    /// <summary>One message from the client.</summary>
    public void Handle(CalloutClientMessage message)
    {
        switch (message.MessageCase)
        {
            case CalloutClientMessage.MessageOneofCase.Result:
                Answer(message.Result);
                break;
            case CalloutClientMessage.MessageOneofCase.Register:
                Ack(message.Register.Token, () => Register(message.Register));
                break;
            case CalloutClientMessage.MessageOneofCase.Unregister:
                Ack(message.Unregister.Token, () => Unregister(message.Unregister));
                break;
            case CalloutClientMessage.MessageOneofCase.Complete:
                Ack(message.Complete.Token, () => Complete(message.Complete.CompletionHandle));
                break;
            default:
                // An empty or newer message: nothing to do, and nothing that could be answered.
                break;
        }
    }

    /// <summary>The stream ended: unregisters every key, and every waiting classify acts as unregistered now.</summary>
    public void Close()
    {
        _closed = true;
        _outgoing.Writer.TryComplete();
        RemoteCallout[] callouts;
        lock (_registered)
        {
            callouts = [.. _registered.Values];
            _registered.Clear();
        }

        foreach (var callout in callouts)
        {
            Release(callout);
        }

        foreach (var id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out var pending))
            {
                pending.Fail();
            }
        }

        _pended.Clear();
        while (_pool.TryDequeue(out var idle))
        {
            idle.Dispose();
        }

        if (callouts.Length > 0 && _log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation("remote callouts of uid {Uid} pid {Pid} unregistered: their session ended ({Keys})", Caller.Uid, Caller.Pid, string.Join(", ", callouts.Select(c => c.Key)));
        }
    }

    /// <summary>
    /// Sends a classify and waits for its answer up to the hub's deadline. Returns the answer, or null when there is
    /// none to use (the reason is counted).
    /// </summary>
    /// <param name="request">The request (its id is set here).</param>
    /// <param name="counters">The callout key's counters.</param>
    /// <param name="injector">The classify's injector when it can be pended (a completion handle in its metadata).</param>
    internal CalloutClassifyResult? Call(CalloutClassifyRequest request, RemoteCalloutCounters counters, IPacketInjector? injector)
    {
        if (_closed)
        {
            counters.CountDisconnect();
            return null;
        }

        if (!_pool.TryDequeue(out var pending))
        {
            pending = new PendingClassify();
        }

        var id = (ulong)Interlocked.Increment(ref _nextRequestId);
        request.RequestId = id;
        pending.Injector = injector;
        pending.Counters = counters;
        pending.CompletionHandle = request.Metadata.CompletionHandle;
        _waiting[id] = pending;

        // Close() sets _closed before it sweeps _waiting: a request added after the sweep sees it here.
        if (_closed || !_outgoing.Writer.TryWrite(new CalloutServerMessage { Classify = request }))
        {
            if (_waiting.TryRemove(id, out _))
            {
                counters.CountDisconnect();
                Return(pending);
                return null;
            }
        }

        if (!pending.Done.Wait(_hub.Deadline))
        {
            if (_waiting.TryRemove(id, out _))
            {
                counters.CountTimeout();
                Return(pending);
                return null;
            }

            // The answer (or the close) is being delivered right now: it sets the event in a moment.
            pending.Done.Wait();
        }

        var result = pending.Result;
        Return(pending);
        if (result is null)
        {
            counters.CountDisconnect();
        }

        return result;
    }

    /// <summary>Forgets a pend the proxy refused (the answer was not usable).</summary>
    internal void Unpend(ulong completionHandle) => _pended.TryRemove(completionHandle, out _);

    /// <summary>Queues a message for the client; false once the session has ended.</summary>
    internal bool Send(CalloutServerMessage message) => !_closed && _outgoing.Writer.TryWrite(message);

    private void Answer(CalloutClassifyResult result)
    {
        if (_waiting.TryRemove(result.RequestId, out var pending))
        {
            // Kept before the waiter wakes: the client may send Complete right after this answer.
            if ((result.Flags & ClassifyOut.FlagPend) != 0 && pending.Injector is { } injector)
            {
                _pended[pending.CompletionHandle] = (injector, pending.Counters!);
            }

            pending.Complete(result);
        }
        else
        {
            _hub.CountUnmatchedAnswer();
        }
    }

    private void Register(CalloutRegister register)
    {
        _hub.Access.DemandWrite(Caller, "register a callout");
        var key = ProtoMap.ParseKey(register.CalloutKey, "register.callout_key");
        if (key == Guid.Empty)
        {
            throw new WfpException(WfpError.NullPointer, "register.callout_key: missing");
        }

        var callout = new RemoteCallout(this, key, _hub.CountersOf(key));
        lock (_registered)
        {
            if (_closed)
            {
                throw new WfpException(WfpError.SessionAborted, "the callout session has ended");
            }

            _hub.Engine.Callouts.Register(key, callout, (CalloutRegistrationFlags)register.Flags);
            _registered[key] = callout;
        }

        if (_log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation("remote callout {Key} registered by uid {Uid} pid {Pid}", key, Caller.Uid, Caller.Pid);
        }
    }

    private void Unregister(CalloutUnregister unregister)
    {
        var key = ProtoMap.ParseKey(unregister.CalloutKey, "unregister.callout_key");
        RemoteCallout? callout;
        lock (_registered)
        {
            if (!_registered.Remove(key, out callout))
            {
                throw new WfpException(WfpError.CalloutNotFound, $"callout {{{key}}} is not registered by this session");
            }
        }

        Release(callout);
    }

    private void Complete(ulong completionHandle)
    {
        if (!_pended.TryRemove(completionHandle, out var pended))
        {
            throw new WfpException(WfpError.NotFound, $"completion handle {completionHandle} is not one this session pended (or it was completed already)");
        }

        var status = pended.Injector.CompletePended(completionHandle);
        pended.Counters.CountCompleted();
        if (status != InjectStatus.Ok)
        {
            throw new WfpException(status == InjectStatus.NoFlow ? WfpError.NotFound : WfpError.InvalidParameter, $"completion handle {completionHandle}: the data plane did not complete it ({status})");
        }
    }

    private void Release(RemoteCallout callout)
    {
        // Only our own registration: after an explicit unregister another session may hold the key.
        var slot = _hub.Engine.Callouts.Slot(callout.Key);
        lock (slot)
        {
            if (ReferenceEquals(slot.Callout, callout))
            {
                _hub.Engine.Callouts.Unregister(callout.Key);
            }
        }
    }

    private void Ack(ulong token, Action action)
    {
        var ack = new CalloutAck { Token = token };
        try
        {
            action();
        }
        catch (WfpException e)
        {
            ack.ErrorCode = (uint)e.Error;
            ack.Error = WfpErrorInfo.NameOf(e.Error);
            ack.Message = e.Message;
            if (e.Error == WfpError.AccessDenied)
            {
                _log.LogWarning("refused a remote callout registration from uid {Uid} pid {Pid}: {Message}", Caller.Uid, Caller.Pid, e.Message);
            }
        }

        Send(new CalloutServerMessage { Ack = ack });
    }

    private void Return(PendingClassify pending)
    {
        pending.Reset();
        _pool.Enqueue(pending);
    }

    /// <summary>A classify waiting for its answer: reused, so that waiting allocates no event per classify.</summary>
    private sealed class PendingClassify : IDisposable
    {
        // Spin briefly before blocking: an answer over a local socket often arrives within tens of microseconds.
        public readonly ManualResetEventSlim Done = new(false, spinCount: 100);

        public CalloutClassifyResult? Result { get; private set; }

        public IPacketInjector? Injector { get; set; }

        public RemoteCalloutCounters? Counters { get; set; }

        public ulong CompletionHandle { get; set; }

        public void Complete(CalloutClassifyResult result)
        {
            Result = result;
            Done.Set();
        }

        public void Fail()
        {
            Result = null;
            Done.Set();
        }

        public void Dispose() => Done.Dispose();

        public void Reset()
        {
            Result = null;
            Injector = null;
            Counters = null;
            Done.Reset();
        }
    }
}
