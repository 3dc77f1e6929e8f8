using System.Collections.Concurrent;
using Grpc.Core;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>Remote callouts: callouts that run in this process while wfpd classifies (docs/CALLOUTS.md, Remote callouts).</summary>
public sealed partial class BfeClient
{
    private readonly Lock _calloutGate = new();
    private CalloutConnection? _callouts;

    /// <summary>
    /// FwpsCalloutRegister0: from now on, classifies that reach a filter naming <see cref="FwpsCallout0.CalloutKey"/>
    /// call <see cref="FwpsCallout0.ClassifyFn"/> here. Needs write access. Dispose the registration to unregister;
    /// disposing the client, or the connection dropping, unregisters too.
    /// </summary>
    /// <remarks>
    /// Every registration of one client shares one CalloutSession stream, read by one background task that calls the
    /// handlers one at a time, in the order wfpd sent the classifies. A handler must answer within wfpd's deadline
    /// (--remote-callout-deadline-ms, 100 ms by default): a late answer is dropped and that classify acted as if the
    /// callout were unregistered. A handler that throws answers an error, with the same effect, at once.
    /// </remarks>
    /// <param name="callout">The key, flags and functions.</param>
    /// <param name="cancellationToken">Stops waiting for wfpd's acknowledgement.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="WfpException">FWP_E_ALREADY_EXISTS when the key is registered (by anyone), E_ACCESSDENIED without write access, or a transport error.</exception>
    public async Task<FwpsCalloutRegistration> RegisterCalloutAsync(FwpsCallout0 callout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callout);
        ArgumentNullException.ThrowIfNull(callout.ClassifyFn);
        ThrowIfDisposed();
        var connection = Callouts();
        await connection.RegisterAsync(callout, cancellationToken).ConfigureAwait(false);
        return new FwpsCalloutRegistration(connection, callout.CalloutKey);
    }

    /// <summary>
    /// FwpsCompleteOperation0: a classify one of this client's callouts pended (<see cref="FwpsClassifyOut.Pend"/>)
    /// is run again by the data plane holding it; the callout then answers from what it decided meanwhile.
    /// </summary>
    /// <param name="completionHandle">The metadata's completion handle of the pended classify.</param>
    /// <param name="cancellationToken">Stops waiting for wfpd's acknowledgement.</param>
    /// <returns>A task that completes when wfpd has handed the completion to the data plane.</returns>
    /// <exception cref="WfpException">FWP_E_NOT_FOUND when this session pended no classify with that handle.</exception>
    public Task CompleteOperationAsync(ulong completionHandle, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Callouts().CompleteAsync(completionHandle, cancellationToken);
    }

    /// <summary>FwpsCalloutUnregisterByKey0 for a key this client registered (what disposing its registration does).</summary>
    /// <param name="calloutKey">The key.</param>
    /// <param name="cancellationToken">Stops waiting for wfpd's acknowledgement.</param>
    /// <returns>A task that completes when wfpd has unregistered the key.</returns>
    /// <exception cref="WfpException">FWP_E_CALLOUT_NOT_FOUND when this client has not registered the key.</exception>
    public Task UnregisterCalloutAsync(Guid calloutKey, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        CalloutConnection? connection;
        lock (_calloutGate)
        {
            connection = _callouts;
        }

        return connection is not null && connection.IsRegistered(calloutKey)
            ? connection.UnregisterAsync(calloutKey, cancellationToken)
            : Task.FromException(new WfpException(WfpError.CalloutNotFound, $"callout {{{calloutKey}}} is not registered by this client"));
    }

    /// <summary>A callout key's run-time counters in wfpd (how often it was called, and why calls acted unregistered).</summary>
    /// <param name="calloutKey">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The counters.</returns>
    public async Task<RemoteCalloutStats> GetCalloutStatsAsync(Guid calloutKey, CancellationToken cancellationToken = default)
    {
        var s = await Unary(o => Raw.GetCalloutStatsAsync(new V1.ObjectRef { Key = ProtoMap.KeyToProto(calloutKey) }, o), cancellationToken).ConfigureAwait(false);
        return new RemoteCalloutStats(
            calloutKey, s.Registered, s.Remote, s.Invocations, s.Faults, s.Timeouts, s.Disconnects, s.BadAnswers, s.ClientErrors, s.UnmatchedAnswers, s.Pended, s.Completed);
    }

    private CalloutConnection Callouts()
    {
        lock (_calloutGate)
        {
            if (_callouts is null || _callouts.HasEnded)
            {
                _callouts = new CalloutConnection(this);
            }

            return _callouts;
        }
    }

    /// <summary>One CalloutSession stream: the handlers of its keys, the acknowledgements awaited, the reader task.</summary>
    internal sealed class CalloutConnection
    {
        private readonly AsyncDuplexStreamingCall<V1.CalloutClientMessage, V1.CalloutServerMessage> _call;
        private readonly ConcurrentDictionary<Guid, FwpsCallout0> _handlers = new();
        private readonly ConcurrentDictionary<ulong, TaskCompletionSource<V1.CalloutAck>> _acks = new();
        private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);

        // One writer task: gRPC allows one write at a time, and a burst of answers goes out in one flush.
        private readonly System.Threading.Channels.Channel<V1.CalloutClientMessage> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<V1.CalloutClientMessage>();
        private long _nextToken;
        private volatile WfpException? _ended;

        public CalloutConnection(BfeClient client)
        {
            _call = client.Raw.CalloutSession(cancellationToken: client.Lifetime);
            _ = Task.Run(WriteAllAsync);
            _ = Task.Run(ReadAsync);
        }

        public bool HasEnded => _ended is not null;

        public bool IsRegistered(Guid key) => _ended is null && _handlers.ContainsKey(key);

        public async Task RegisterAsync(FwpsCallout0 callout, CancellationToken cancellationToken)
        {
            var key = callout.CalloutKey;
            if (key == Guid.Empty)
            {
                throw new WfpException(WfpError.NullPointer, "the callout key is missing");
            }

            // The handler is in place before wfpd can send the first classify for it.
            if (!_handlers.TryAdd(key, callout))
            {
                throw new WfpException(WfpError.AlreadyExists, $"callout {{{key}}} is already registered by this client");
            }

            try
            {
                await RequestAsync(t => new V1.CalloutClientMessage { Register = new V1.CalloutRegister { Token = t, CalloutKey = ProtoMap.KeyToProto(key), Flags = callout.Flags } }, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _handlers.TryRemove(new KeyValuePair<Guid, FwpsCallout0>(key, callout));
                throw;
            }
        }

        public async Task UnregisterAsync(Guid key, CancellationToken cancellationToken)
        {
            if (!_handlers.TryRemove(key, out _) || _ended is not null)
            {
                return;
            }

            await RequestAsync(t => new V1.CalloutClientMessage { Unregister = new V1.CalloutUnregister { Token = t, CalloutKey = ProtoMap.KeyToProto(key) } }, cancellationToken).ConfigureAwait(false);
        }

        public Task CompleteAsync(ulong completionHandle, CancellationToken cancellationToken) =>
            RequestAsync(t => new V1.CalloutClientMessage { Complete = new V1.CalloutComplete { Token = t, CompletionHandle = completionHandle } }, cancellationToken);

        private async Task RequestAsync(Func<ulong, V1.CalloutClientMessage> message, CancellationToken cancellationToken)
        {
            var token = (ulong)Interlocked.Increment(ref _nextToken);
            var ack = new TaskCompletionSource<V1.CalloutAck>(TaskCreationOptions.RunContinuationsAsynchronously);
            _acks[token] = ack;
            try
            {
                if (_ended is { } ended)
                {
                    throw ended;
                }

                Write(message(token));
                var answer = await ack.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (answer.ErrorCode != 0)
                {
                    throw new WfpException((WfpError)answer.ErrorCode, answer.Message);
                }
            }
            finally
            {
                _acks.TryRemove(token, out _);
            }
        }

        private void Write(V1.CalloutClientMessage message)
        {
            if (!_outgoing.Writer.TryWrite(message))
            {
                throw _ended ?? new WfpException(WfpError.SessionAborted, "the callout session has ended");
            }
        }

        private async Task WriteAllAsync()
        {
            var outgoing = _outgoing.Reader;
            try
            {
                while (await outgoing.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (outgoing.TryRead(out var message))
                    {
                        // Buffer while more are queued; the last of a burst flushes them all.
                        _call.RequestStream.WriteOptions = outgoing.Count > 0 ? BufferHint : null;
                        await _call.RequestStream.WriteAsync(message).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The call has ended: the reader sees it too and fails what waits.
            }
        }

        private async Task ReadAsync()
        {
            WfpException ended;
            try
            {
                while (await _call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
                {
                    var message = _call.ResponseStream.Current;
                    switch (message.MessageCase)
                    {
                        case V1.CalloutServerMessage.MessageOneofCase.Classify:
                            Write(new V1.CalloutClientMessage { Result = Classify(message.Classify) });
                            break;
                        case V1.CalloutServerMessage.MessageOneofCase.Ack:
                            if (_acks.TryGetValue(message.Ack.Token, out var ack))
                            {
                                ack.TrySetResult(message.Ack);
                            }

                            break;
                        case V1.CalloutServerMessage.MessageOneofCase.FlowDeleted:
                            FlowDeleted(message.FlowDeleted);
                            break;
                        default:
                            break;
                    }
                }

                ended = new WfpException(WfpError.SessionAborted, "wfpd ended the callout session");
            }
            catch (RpcException e)
            {
                ended = e.StatusCode == StatusCode.Cancelled
                    ? new WfpException(WfpError.SessionAborted, "the callout session was closed")
                    : WfpErrorTrailers.FromRpcException(e);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException)
            {
                ended = new WfpException(WfpError.SessionAborted, "the callout session was closed");
            }
            catch (WfpException e)
            {
                ended = e;
            }

            _ended = ended;
            _outgoing.Writer.TryComplete();
            foreach (var token in _acks.Keys)
            {
                if (_acks.TryGetValue(token, out var ack))
                {
                    ack.TrySetException(ended);
                }
            }

            _call.Dispose();
        }

        private V1.CalloutClassifyResult Classify(V1.CalloutClassifyRequest request)
        {
            var result = new V1.CalloutClassifyResult { RequestId = request.RequestId };
            try
            {
                var key = ProtoMap.ParseKey(request.CalloutKey, "classify.callout_key");
                if (!_handlers.TryGetValue(key, out var callout))
                {
                    result.Error = $"callout {{{key}}} is not registered by this client";
                    return result;
                }

                var context = ToContext(request, key);
                var classifyOut = new FwpsClassifyOut { ActionType = context.CurrentAction, Rights = context.CurrentRights };
                callout.ClassifyFn(context, classifyOut);
                result.Action = (uint)classifyOut.ActionType;
                result.ClearActionRight = (classifyOut.Rights & ClassifyOut.RightActionWrite) == 0;
                result.Flags = classifyOut.Flags;
                result.StreamAction = (uint)classifyOut.StreamAction;
                result.CountBytesRequired = classifyOut.CountBytesRequired;
                result.CountBytesEnforced = classifyOut.CountBytesEnforced;
                result.RemoveFlowContext = classifyOut.RemoveFlowContext;
                if (classifyOut.NewFlowContext is { } flowContext)
                {
                    result.AssociateFlowContext = true;
                    result.FlowContext = flowContext;
                }
            }
#pragma warning disable CA1031 // Any failure of the handler is answered, so that wfpd acts at once instead of at its deadline.
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = new V1.CalloutClassifyResult { RequestId = request.RequestId, Error = $"{e.GetType().Name}: {e.Message}" };
            }

            return result;
        }

        private void FlowDeleted(V1.CalloutFlowDeleted deleted)
        {
            if (Guid.TryParse(deleted.CalloutKey, out var key) && _handlers.TryGetValue(key, out var callout) && callout.FlowDeleteFn is { } flowDelete)
            {
                try
                {
                    flowDelete((ushort)deleted.LayerId, deleted.CalloutId, deleted.FlowContext);
                }
#pragma warning disable CA1031 // flowDeleteFn has no answer: a failure in it must not end the session.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        private static FwpsClassifyContext ToContext(V1.CalloutClassifyRequest request, Guid key)
        {
            var values = new FwpValue[request.IncomingValues.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = ProtoMap.ToValue(request.IncomingValues[i], $"classify.incoming_values[{i}]");
            }

            var m = request.Metadata ?? new V1.CalloutMetadata();
            var f = request.Filter ?? new V1.CalloutFilter();
            var d = request.LayerData ?? new V1.CalloutLayerData();
            return new FwpsClassifyContext
            {
                CalloutKey = key,
                LayerId = (ushort)request.LayerId,
                IncomingValues = values,
                Metadata = new ClassifyMetadata
                {
                    CurrentMetadataValues = m.CurrentMetadataValues,
                    Flags = m.Flags,
                    FlowHandle = m.FlowHandle,
                    CompletionHandle = m.CompletionHandle,
                    ProcessId = m.ProcessId,
                    PacketDirection = m.PacketDirection,
                    ProcessPath = m.ProcessPath is { } path ? ProtoMap.ToValue(path, "classify.metadata.process_path") : default,
                    Token = m.Token is { } token ? ProtoMap.ToToken(token, "classify.metadata.token") : null,
                },
                Filter = new FwpsFilter
                {
                    FilterId = f.FilterId,
                    FilterKey = ProtoMap.ParseOptionalKey(f.FilterKey, "classify.filter.filter_key") ?? Guid.Empty,
                    Weight = f.Weight,
                    SublayerWeight = (ushort)f.SublayerWeight,
                    Flags = f.Flags,
                    ActionType = (ActionType)f.ActionType,
                    Context = f.Context,
                    ProviderContextKey = ProtoMap.ParseOptionalKey(f.ProviderContextKey, "classify.filter.provider_context_key"),
                    ProviderContextData = f.ProviderContextData.ToByteArray(),
                },
                FlowContext = request.FlowContext,
                LayerData = new FwpsLayerData
                {
                    Kind = (LayerDataKind)d.Kind,
                    Packet = d.Packet.ToByteArray(),
                    IpHeaderSize = (int)d.IpHeaderSize,
                    TransportHeaderSize = (int)d.TransportHeaderSize,
                    DataOffset = (int)d.DataOffset,
                    InterfaceIndex = d.InterfaceIndex,
                    StreamFlags = (StreamDataFlags)d.StreamFlags,
                    StreamOffset = d.StreamOffset,
                    StreamData = d.StreamData.ToByteArray(),
                    MissedBytes = d.MissedBytes,
                },
                CurrentAction = (ActionType)request.CurrentAction,
                CurrentRights = request.CurrentRights,
            };
        }
    }
}

/// <summary>A callout key's run-time counters in wfpd (GetCalloutStats).</summary>
/// <param name="CalloutKey">The key.</param>
/// <param name="Registered">An implementation is registered now.</param>
/// <param name="Remote">It is registered over a CalloutSession.</param>
/// <param name="Invocations">classifyFn calls.</param>
/// <param name="Faults">Calls that acted as if the callout were unregistered.</param>
/// <param name="Timeouts">Remote calls with no answer within the deadline.</param>
/// <param name="Disconnects">Remote calls cut short by the session ending.</param>
/// <param name="BadAnswers">Answers wfpd could not use.</param>
/// <param name="ClientErrors">Answers saying the handler failed.</param>
/// <param name="UnmatchedAnswers">Answers to no waiting classify, in all of wfpd (late ones).</param>
/// <param name="Pended">Classifies the callout pended.</param>
/// <param name="Completed">Pended classifies completed.</param>
public sealed record RemoteCalloutStats(
    Guid CalloutKey,
    bool Registered,
    bool Remote,
    ulong Invocations,
    ulong Faults,
    ulong Timeouts,
    ulong Disconnects,
    ulong BadAnswers,
    ulong ClientErrors,
    ulong UnmatchedAnswers,
    ulong Pended,
    ulong Completed);

/// <summary>A callout registered with <see cref="BfeClient.RegisterCalloutAsync"/>; disposing it unregisters the key (FwpsCalloutUnregisterByKey0).</summary>
public sealed class FwpsCalloutRegistration : IAsyncDisposable, IDisposable
{
    private readonly BfeClient.CalloutConnection _connection;
    private int _disposed;

    internal FwpsCalloutRegistration(BfeClient.CalloutConnection connection, Guid calloutKey)
    {
        _connection = connection;
        CalloutKey = calloutKey;
    }

    /// <summary>The key.</summary>
    public Guid CalloutKey { get; }

    /// <summary>False once unregistered, or once the session carrying it has ended (wfpd unregistered it then).</summary>
    public bool IsRegistered => Volatile.Read(ref _disposed) == 0 && _connection.IsRegistered(CalloutKey);

    /// <summary>Unregisters the key and waits for wfpd to confirm; nothing to do when the session has ended already.</summary>
    /// <returns>A task that completes when the key is unregistered.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                await _connection.UnregisterAsync(CalloutKey, CancellationToken.None).ConfigureAwait(false);
            }
            catch (WfpException e) when (e.Error == WfpError.SessionAborted)
            {
                // The session ended meanwhile, and wfpd unregistered the key with it.
            }
        }
    }

    /// <summary>Unregisters the key (blocking).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
