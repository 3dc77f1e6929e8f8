using System.Runtime.CompilerServices;
using Grpc.Core;
using OpenWfp.Protocol.Mapping;

namespace OpenWfp.Client;

/// <summary>Server streams: change subscriptions and net events (enumerated at once or followed as they are written).</summary>
public sealed partial class BfeClient
{
    /// <summary>How long a subscription that has its headers waits for a refusal in its first read.</summary>
    private static readonly TimeSpan RefusalProbe = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Fwpm*SubscribeChanges0: the adds and deletes other sessions commit, as they happen, until
    /// <paramref name="cancellationToken"/> is cancelled or the client is disposed.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The subscription is registered when enumeration starts. bfe.proto gives no acknowledgement that it is in place,
    /// so the first <c>MoveNextAsync</c> waits up to <see cref="BfeClientOptions.SubscriptionStartTimeout"/> for the
    /// daemon's response headers; a change committed before the daemon registered the subscription is not reported.
    /// </para>
    /// <para>
    /// A subscriber that falls too far behind (the daemon keeps a bounded queue per subscription) gets the changes queued
    /// so far, then a <see cref="Engine.Errors.WfpException"/> of FWP_E_NOTIFICATION_DROPPED, and the stream ends:
    /// enumerate again to catch up.
    /// </para>
    /// </remarks>
    /// <param name="objectTypes">The object types to report; null or empty for all.</param>
    /// <param name="flags">FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD / _ON_DELETE; 0 for both.</param>
    /// <param name="filterTemplate">For filters, which ones; null for all.</param>
    /// <param name="providerKey">Every kind: only objects of this provider (a provider: that one); null for any.</param>
    /// <param name="layerKey">Callouts and filters: only those of this layer; null for any.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The changes.</returns>
    public async IAsyncEnumerable<BfeChange> SubscribeChangesAsync(
        IReadOnlyCollection<BfeObjectType>? objectTypes = null,
        uint flags = 0,
        FwpmFilterEnumTemplate0? filterTemplate = null,
        Guid? providerKey = null,
        Guid? layerKey = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ClientMap.SubscribeRequest(objectTypes, flags, filterTemplate, providerKey, layerKey);
        using var call = await StartStreamAsync(o => Raw.SubscribeChanges(request, o), cancellationToken).ConfigureAwait(false);
        while (await MoveNextAsync(call, cancellationToken).ConfigureAwait(false))
        {
            yield return ClientMap.ToChange(call.ResponseStream.Current);
        }
    }

    /// <summary>The net events a template selects (FwpmNetEventEnum in one go), oldest first.</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The events.</returns>
    public async Task<IReadOnlyList<FwpmNetEvent>> EnumNetEventsAsync(FwpmNetEventEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumNetEventsAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ClientMap.ToNetEvent)];
    }

    /// <summary>FwpmNetEventSubscribe: net events as they are written, until cancelled or disposed (see the remarks on <see cref="SubscribeChangesAsync"/>).</summary>
    /// <param name="template">Which events; null for all.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The events.</returns>
    public async IAsyncEnumerable<FwpmNetEvent> SubscribeNetEventsAsync(FwpmNetEventEnumTemplate0? template = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ClientMap.ToProto(template);
        using var call = await StartStreamAsync(o => Raw.SubscribeNetEvents(request, o), cancellationToken).ConfigureAwait(false);
        while (await MoveNextAsync(call, cancellationToken).ConfigureAwait(false))
        {
            yield return ClientMap.ToNetEvent(call.ResponseStream.Current);
        }
    }

    /// <summary>Starts a server stream and waits (bounded) until the daemon has answered with headers or failed.</summary>
    internal async Task<AsyncServerStreamingCall<T>> StartStreamAsync<T>(Func<CallOptions, AsyncServerStreamingCall<T>> start, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        AsyncServerStreamingCall<T> call;
        try
        {
            call = start(new CallOptions(cancellationToken: linked.Token));
        }
        catch
        {
            linked.Dispose();
            throw;
        }

        var reader = call.ResponseStream;
        try
        {
            var headers = await call.ResponseHeadersAsync.WaitAsync(_options.SubscriptionStartTimeout, cancellationToken).ConfigureAwait(false);

            // A refusal (FWP_E_TXN_IN_PROGRESS, an unimplemented method, …) is a trailers-only response: headers and
            // status arrive together, and the first read fails at once. Look at that first read: wait for it when
            // the headers carry an FWP error, else briefly; a live stream's first read stays pending and is kept.
            var first = call.ResponseStream.MoveNext(CancellationToken.None);
            reader = new PrefetchedReader<T>(call.ResponseStream, first);
            if (WfpErrorTrailers.TryGetError(headers, out _))
            {
                await first.ConfigureAwait(false);
            }
            else
            {
                await Task.WhenAny(first, Task.Delay(RefusalProbe, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (first.IsFaulted)
                {
                    await first.ConfigureAwait(false);
                }
            }
        }
        catch (TimeoutException)
        {
            // The daemon sends headers with the first message only; the subscription is (very likely) in place.
        }
        catch (RpcException) when (_lifetime.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Disposed while starting: the stream reads as ended.
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            Dispose();
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException e)
        {
            Dispose();
            throw WfpErrorTrailers.FromRpcException(e);
        }
        catch
        {
            Dispose();
            throw;
        }

        return new AsyncServerStreamingCall<T>(reader, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, Dispose);

        void Dispose()
        {
            call.Dispose();
            linked.Dispose();
        }
    }

    /// <summary>The next message of a stream; false at its end, including the end that cancellation or disposal causes.</summary>
    internal async Task<bool> MoveNextAsync<T>(AsyncServerStreamingCall<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && (cancellationToken.IsCancellationRequested || _lifetime.IsCancellationRequested))
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || _lifetime.IsCancellationRequested)
        {
            return false;
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }
        catch (RpcException e)
        {
            throw WfpErrorTrailers.FromRpcException(e);
        }
    }

    /// <summary>A stream reader whose first MoveNext was started early (to see a refusal) and is handed out first.</summary>
    private sealed class PrefetchedReader<T>(IAsyncStreamReader<T> inner, Task<bool> first) : IAsyncStreamReader<T>
    {
        private Task<bool>? _first = first;

        public T Current => inner.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Interlocked.Exchange(ref _first, null) ?? inner.MoveNext(cancellationToken);
    }
}
