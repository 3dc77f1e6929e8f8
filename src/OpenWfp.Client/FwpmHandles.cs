using Grpc.Core;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Client;

/// <summary>
/// The engine HANDLE of <see cref="Fwpm.EngineOpen0"/>: one session with the daemon. A handle whose open failed, or
/// that was closed, is invalid, and every call with it returns <see cref="FwpmConstants.ERROR_INVALID_HANDLE"/>.
/// </summary>
public sealed class FwpmEngineHandle : IDisposable
{
    private BfeClient? _client;

    internal FwpmEngineHandle(BfeClient? client) => _client = client;

    /// <summary>True when the open failed or the handle was closed.</summary>
    public bool IsInvalid => Volatile.Read(ref _client) is null;

    /// <summary>The session's client, for the async API (<see cref="BfeClient"/>); null when invalid.</summary>
    public BfeClient? Client => Volatile.Read(ref _client);

    /// <summary>The session key the daemon assigned; null when invalid.</summary>
    public string? SessionKey => Client?.SessionKey;

    /// <summary>Closes the engine (<see cref="Fwpm.EngineClose0"/>) if it is still open.</summary>
    public void Dispose() => Fwpm.EngineClose0(this);

    internal BfeClient? Take() => Interlocked.Exchange(ref _client, null);
}

/// <summary>
/// An enumeration HANDLE of Fwpm*CreateEnumHandle0: a snapshot of the matching objects taken when the handle was
/// created (as BFE does; docs/WFPD.md, The API), read in pages with Fwpm*Enum0.
/// </summary>
public sealed class FwpmEnumHandle
{
    private readonly object _gate = new();
    private Array? _items;
    private int _position;

    internal FwpmEnumHandle(FwpmEngineHandle? engine, Array? items)
    {
        Engine = engine;
        _items = items;
    }

    /// <summary>True when the create failed or the handle was destroyed.</summary>
    public bool IsInvalid => Volatile.Read(ref _items) is null;

    internal FwpmEngineHandle? Engine { get; }

    /// <summary>The next up to <paramref name="count"/> entries, or null when the handle is not an enumeration of <typeparamref name="T"/>.</summary>
    internal T[]? Next<T>(uint count)
    {
        lock (_gate)
        {
            if (_items is not T[] items)
            {
                return null;
            }

            var n = (int)Math.Min(count, (uint)(items.Length - _position));
            var page = items.AsSpan(_position, n).ToArray();
            _position += n;
            return page;
        }
    }

    internal bool Destroy() => Interlocked.Exchange(ref _items, null) is not null;
}

/// <summary>The change HANDLE of Fwpm*SubscribeChanges0.</summary>
public sealed class FwpmChangeHandle
{
    internal FwpmChangeHandle(FwpmEngineHandle? engine, Subscription? subscription)
    {
        Engine = engine;
        Subscription = subscription;
    }

    /// <summary>True when the subscribe failed or the subscription was ended.</summary>
    public bool IsInvalid => Subscription is null || Subscription.IsStopped;

    internal FwpmEngineHandle? Engine { get; }

    internal Subscription? Subscription { get; }
}

/// <summary>The events HANDLE of <see cref="Fwpm.NetEventSubscribe0"/>.</summary>
public sealed class FwpmEventsHandle
{
    internal FwpmEventsHandle(FwpmEngineHandle? engine, Subscription? subscription)
    {
        Engine = engine;
        Subscription = subscription;
    }

    /// <summary>True when the subscribe failed or the subscription was ended.</summary>
    public bool IsInvalid => Subscription is null || Subscription.IsStopped;

    internal FwpmEngineHandle? Engine { get; }

    internal Subscription? Subscription { get; }
}

/// <summary>A running subscription: a stream read on the thread pool, each message handed to a callback in turn.</summary>
internal sealed class Subscription
{
    private readonly CancellationTokenSource _stop;
    private Task _loop = Task.CompletedTask;
    private int _callbackThread;
    private int _stopped;

    private Subscription(CancellationTokenSource stop) => _stop = stop;

    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    /// <summary>Starts a stream and, once the daemon has accepted it, a loop that delivers its messages.</summary>
    /// <exception cref="WfpException">The daemon refused the subscription.</exception>
    public static async Task<Subscription> StartAsync<T>(BfeClient client, Func<CallOptions, AsyncServerStreamingCall<T>> start, Action<T> deliver)
    {
        var stop = new CancellationTokenSource();
        AsyncServerStreamingCall<T> call;
        try
        {
            call = await client.StartStreamAsync(start, stop.Token).ConfigureAwait(false);
        }
        catch
        {
            stop.Dispose();
            throw;
        }

        var subscription = new Subscription(stop);
        subscription._loop = Task.Run(() => subscription.RunAsync(client, call, deliver));
        return subscription;
    }

    /// <summary>
    /// Ends the subscription and waits until no callback runs (FwpmFilterUnsubscribeChanges0); from inside a callback
    /// it does not wait for that callback.
    /// </summary>
    public bool Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return false;
        }

        _stop.Cancel();
        if (Volatile.Read(ref _callbackThread) != Environment.CurrentManagedThreadId)
        {
            _loop.GetAwaiter().GetResult();
            _stop.Dispose();
        }

        return true;
    }

    private async Task RunAsync<T>(BfeClient client, AsyncServerStreamingCall<T> call, Action<T> deliver)
    {
        using (call)
        {
            try
            {
                while (await client.MoveNextAsync(call, _stop.Token).ConfigureAwait(false))
                {
                    Volatile.Write(ref _callbackThread, Environment.CurrentManagedThreadId);
                    try
                    {
                        deliver(call.ResponseStream.Current);
                    }
                    catch (Exception)
                    {
                        // No caller could receive it; the subscription goes on with the next message.
                    }
                    finally
                    {
                        Volatile.Write(ref _callbackThread, 0);
                    }
                }
            }
            catch (WfpException)
            {
                // The daemon ended the stream with an error or went away: the subscription is over.
            }
            catch (ObjectDisposedException)
            {
                // The engine was closed.
            }
        }
    }
}
