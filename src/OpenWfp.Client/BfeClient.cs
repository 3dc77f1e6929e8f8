using System.Net.Sockets;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>
/// A session with wfpd, the OpenWfp base filtering engine, over gRPC on its Unix domain socket (bfe.proto).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="ConnectAsync(BfeClientOptions?, CancellationToken)"/> opens the session stream (OpenSession) and keeps it
/// open in the background for the life of the client; every other call carries the session key in the
/// <see cref="SessionHeader"/> request header. <see cref="DisposeAsync"/> ends the stream, which ends the session: the
/// daemon aborts its open transaction and, for a dynamic session, deletes what it added, as closing the engine handle
/// does on Windows (docs/WFPD.md).
/// </para>
/// <para>
/// Every call throws <see cref="WfpException"/> for a failure: the FWP_E_* error the daemon sent in the
/// "fwp-error-code" trailer, or, for a transport failure, the RPC_S_* error <see cref="WfpErrorTrailers.ErrorForStatus"/>
/// gives (e.g. RPC_S_SERVER_UNAVAILABLE 1722 when the daemon is not running). Calls may run concurrently.
/// </para>
/// <para>
/// The class is split by concern: this file is the transport (the channel on the socket, the session stream, unary
/// calls); <c>BfeClient.Objects.cs</c> adds, gets, deletes and enumerates objects; <c>BfeClient.Streams.cs</c> holds
/// the subscriptions and net events.
/// </para>
/// </remarks>
public sealed partial class BfeClient : IAsyncDisposable
{
    /// <summary>The request header that names the caller's session.</summary>
    public const string SessionHeader = "openwfp-session";

    /// <summary>The daemon's socket when neither the caller nor <see cref="SocketEnvironmentVariable"/> names one.</summary>
    public const string DefaultSocketPath = "/run/openwfp/bfe.sock";

    /// <summary>The environment variable that names the daemon's socket.</summary>
    public const string SocketEnvironmentVariable = "OPENWFP_SOCKET";

    private readonly GrpcChannel _channel;
    private readonly AsyncServerStreamingCall<V1.SessionEvent> _sessionCall;
    private readonly CancellationTokenSource _lifetime;
    private readonly BfeClientOptions _options;
    private Task _sessionReader = Task.CompletedTask;
    private int _disposed;
    private volatile bool _sessionOpen = true;

    private BfeClient(GrpcChannel channel, AsyncServerStreamingCall<V1.SessionEvent> sessionCall, CancellationTokenSource lifetime, V1.SessionOpened opened, string socketPath, BfeClientOptions options)
    {
        _channel = channel;
        _sessionCall = sessionCall;
        _lifetime = lifetime;
        _options = options;
        SessionKey = opened.SessionKey;
        Uid = opened.Uid;
        Pid = opened.Pid;
        CanWrite = opened.CanWrite;
        SocketPath = socketPath;
        var key = opened.SessionKey;
        Raw = new V1.Bfe.BfeClient(channel.Intercept(metadata =>
        {
            metadata.Add(SessionHeader, key);
            return metadata;
        }));
    }

    /// <summary>The session key the daemon assigned (GUID text), sent in <see cref="SessionHeader"/>.</summary>
    public string SessionKey { get; }

    /// <summary>The caller's uid as the daemon sees it (SO_PEERCRED).</summary>
    public uint Uid { get; }

    /// <summary>The caller's pid as the daemon sees it.</summary>
    public uint Pid { get; }

    /// <summary>Whether the daemon lets this caller change the policy (root or its writer group).</summary>
    public bool CanWrite { get; }

    /// <summary>The socket path the client connected to.</summary>
    public string SocketPath { get; }

    /// <summary>False once the session stream has ended: the client was disposed, or the daemon closed the session or went away.</summary>
    public bool IsSessionOpen => _sessionOpen && Volatile.Read(ref _disposed) == 0;

    /// <summary>
    /// The generated gRPC client on the same connection, for calls this class does not wrap (Classify, …). Its calls
    /// carry <see cref="SessionHeader"/> too; its failures are <see cref="RpcException"/>s, which
    /// <see cref="WfpErrorTrailers.FromRpcException"/> turns into <see cref="WfpException"/>s.
    /// </summary>
    public V1.Bfe.BfeClient Raw { get; }

    /// <summary>Cancelled when the client is disposed.</summary>
    internal CancellationToken Lifetime => _lifetime.Token;

    /// <summary>
    /// The socket path <paramref name="serverName"/> stands for: null or empty → <see cref="SocketEnvironmentVariable"/>,
    /// else <see cref="DefaultSocketPath"/>; <c>unix:/path</c> and <c>unix:///path</c> → <c>/path</c>; anything else is
    /// a path as is.
    /// </summary>
    /// <param name="serverName">FwpmEngineOpen0's serverName, or a socket path.</param>
    /// <returns>The path.</returns>
    public static string ResolveSocketPath(string? serverName)
    {
        var name = string.IsNullOrEmpty(serverName) ? Environment.GetEnvironmentVariable(SocketEnvironmentVariable) : serverName;
        if (string.IsNullOrEmpty(name))
        {
            return DefaultSocketPath;
        }

        if (name.StartsWith("unix:", StringComparison.Ordinal))
        {
            name = name["unix:".Length..];
            if (name.StartsWith("//", StringComparison.Ordinal))
            {
                name = name[2..];
            }
        }

        return name.Length == 0 ? DefaultSocketPath : name;
    }

    /// <summary>Connects to the daemon at <paramref name="socket"/> and opens a session.</summary>
    /// <param name="socket">The socket (see <see cref="ResolveSocketPath"/>); null for the default.</param>
    /// <param name="session">The session to open; null for a static, unnamed one.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The connected client.</returns>
    /// <exception cref="WfpException">The daemon could not be reached or refused the session.</exception>
    public static Task<BfeClient> ConnectAsync(string? socket, FwpmSession0? session = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(new BfeClientOptions { Socket = socket, Session = session }, cancellationToken);

    /// <summary>Connects to the daemon and opens a session (FwpmEngineOpen0).</summary>
    /// <param name="options">Where and how; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The connected client.</returns>
    /// <exception cref="WfpException">
    /// The daemon could not be reached (RPC_S_SERVER_UNAVAILABLE), did not answer within
    /// <see cref="BfeClientOptions.ConnectTimeout"/> (FWP_E_TIMEOUT) or refused the session (its FWP_E_* error).
    /// </exception>
    public static async Task<BfeClient> ConnectAsync(BfeClientOptions? options, CancellationToken cancellationToken = default)
    {
        options ??= new BfeClientOptions();
        var path = ResolveSocketPath(options.Socket);
        var channel = CreateChannel(path, options.MaxReceiveMessageSize);
        var lifetime = new CancellationTokenSource();
        AsyncServerStreamingCall<V1.SessionEvent>? call = null;
        try
        {
            var request = new V1.OpenSessionRequest
            {
                Flags = options.Session?.Flags ?? 0,
                TxnWaitTimeoutMs = options.Session?.TxnWaitTimeoutInMSec ?? 0,
            };
            if (options.Session?.DisplayData is { } displayData)
            {
                request.DisplayData = ProtoMap.ToProto(displayData);
            }

            call = new V1.Bfe.BfeClient(channel).OpenSession(request, cancellationToken: lifetime.Token);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(options.ConnectTimeout);
            V1.SessionEvent first;
            try
            {
                if (!await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(wait.Token).ConfigureAwait(false))
                {
                    var status = call.GetStatus();
                    throw status.StatusCode == StatusCode.OK
                        ? new WfpException(WfpError.SessionAborted, "the daemon ended the session stream before opening the session")
                        : WfpErrorTrailers.FromRpcException(new RpcException(status, call.GetTrailers()));
                }

                first = call.ResponseStream.Current;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new WfpException(WfpError.Timeout, $"the daemon at {path} did not open the session within {options.ConnectTimeout.TotalSeconds:0.###} s");
            }
            catch (RpcException e)
            {
                throw WfpErrorTrailers.FromRpcException(e);
            }

            if (first.EventCase != V1.SessionEvent.EventOneofCase.Opened || first.Opened.SessionKey.Length == 0)
            {
                throw new WfpException(WfpError.SessionAborted, "the daemon's first session message is not SessionOpened with a session key");
            }

            var client = new BfeClient(channel, call, lifetime, first.Opened, path, options);
            client._sessionReader = client.ReadSessionAsync();
            return client;
        }
        catch
        {
            await lifetime.CancelAsync().ConfigureAwait(false);
            call?.Dispose();
            channel.Dispose();
            lifetime.Dispose();
            throw;
        }
    }

    /// <summary>Ends the session (FwpmEngineClose0): cancels the session stream and every subscription, and closes the connection.</summary>
    /// <returns>A task that completes when the stream has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sessionOpen = false;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sessionReader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reader ends with the cancellation; nothing to report on close.
        }

        _sessionCall.Dispose();
        _channel.Dispose();
        _lifetime.Dispose();
    }

    private static GrpcChannel CreateChannel(string socketPath, int maxReceiveMessageSize)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxReceiveMessageSize,
        });
    }

    private async Task ReadSessionAsync()
    {
        try
        {
            while (await _sessionCall.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                // Later session events (none defined yet) are read and ignored, so the stream never backs up.
            }
        }
        catch (RpcException)
        {
            // Cancelled by DisposeAsync, or the daemon went away: either way the session is over.
        }
        catch (OperationCanceledException)
        {
            // Likewise.
        }
        finally
        {
            _sessionOpen = false;
        }
    }

    private async Task<T> Unary<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            using var c = call(new CallOptions(cancellationToken: linked.Token));
            return await c.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw WfpErrorTrailers.FromRpcException(e);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
