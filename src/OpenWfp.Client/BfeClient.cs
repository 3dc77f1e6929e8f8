using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
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
/// daemon aborts its open transaction and, for a dynamic session, deletes what it added (SPEC §9.1).
/// </para>
/// <para>
/// Every call throws <see cref="WfpException"/> for a failure: the FWP_E_* error the daemon sent in the
/// "fwp-error-code" trailer, or, for a transport failure, the RPC_S_* error <see cref="WfpErrorTrailers.ErrorForStatus"/>
/// gives (e.g. RPC_S_SERVER_UNAVAILABLE 1722 when the daemon is not running). Calls may run concurrently.
/// </para>
/// </remarks>
public sealed class BfeClient : IAsyncDisposable
{
    /// <summary>The request header that names the caller's session.</summary>
    public const string SessionHeader = "openwfp-session";

    /// <summary>The daemon's socket when neither the caller nor <see cref="SocketEnvironmentVariable"/> names one.</summary>
    public const string DefaultSocketPath = "/run/openwfp/bfe.sock";

    /// <summary>The environment variable that names the daemon's socket.</summary>
    public const string SocketEnvironmentVariable = "OPENWFP_SOCKET";

    /// <summary>ERROR_NOT_SUPPORTED: the error for a security descriptor on add, which bfe.proto cannot carry yet.</summary>
    private const WfpError NotSupported = (WfpError)FwpmConstants.ERROR_NOT_SUPPORTED;

    /// <summary>How long a subscription that has its headers waits for a refusal in its first read.</summary>
    private static readonly TimeSpan RefusalProbe = TimeSpan.FromMilliseconds(50);

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

    /// <summary>FwpmTransactionBegin0.</summary>
    /// <param name="flags">0, or <see cref="FwpmConstants.FWPM_TXN_READ_ONLY"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task BeginTransactionAsync(uint flags = 0, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.BeginTransactionAsync(new V1.BeginTransactionRequest { Flags = flags }, o), cancellationToken);

    /// <summary>FwpmTransactionCommit0.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task CommitTransactionAsync(CancellationToken cancellationToken = default) =>
        Unary(o => Raw.CommitTransactionAsync(new V1.Empty(), o), cancellationToken);

    /// <summary>FwpmTransactionAbort0.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task AbortTransactionAsync(CancellationToken cancellationToken = default) =>
        Unary(o => Raw.AbortTransactionAsync(new V1.Empty(), o), cancellationToken);

    /// <summary>FwpmProviderAdd0.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="securityDescriptor">Must be null: bfe.proto has no field for it yet (ERROR_NOT_SUPPORTED otherwise).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider as stored (with its key).</returns>
    public async Task<ProviderSpec> AddProviderAsync(ProviderSpec provider, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        RejectSecurityDescriptor(securityDescriptor);
        var reply = await Unary(o => Raw.AddProviderAsync(ProtoMap.ToProto(provider), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmProviderDeleteByKey0.</summary>
    /// <param name="key">The provider's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteProviderAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteProviderAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmProviderGetByKey0.</summary>
    /// <param name="key">The provider's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider.</returns>
    public async Task<ProviderSpec> GetProviderAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetProviderAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>Every provider (FwpmProviderEnum0 in one go).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The providers.</returns>
    public async Task<IReadOnlyList<ProviderSpec>> EnumProvidersAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumProvidersAsync(new V1.EnumTemplate(), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmSubLayerAdd0.</summary>
    /// <param name="sublayer">The sublayer.</param>
    /// <param name="securityDescriptor">Must be null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sublayer as stored.</returns>
    public async Task<SublayerSpec> AddSublayerAsync(SublayerSpec sublayer, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sublayer);
        RejectSecurityDescriptor(securityDescriptor);
        var reply = await Unary(o => Raw.AddSublayerAsync(ProtoMap.ToProto(sublayer), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmSubLayerDeleteByKey0.</summary>
    /// <param name="key">The sublayer's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteSublayerAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteSublayerAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmSubLayerGetByKey0.</summary>
    /// <param name="key">The sublayer's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sublayer.</returns>
    public async Task<SublayerSpec> GetSublayerAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetSublayerAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The sublayers a template selects (FwpmSubLayerEnum0 in one go).</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sublayers.</returns>
    public async Task<IReadOnlyList<SublayerSpec>> EnumSublayersAsync(FwpmSubLayerEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumSublayersAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmCalloutAdd0.</summary>
    /// <param name="callout">The callout.</param>
    /// <param name="securityDescriptor">Must be null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callout as stored, with its run-time id.</returns>
    public async Task<CalloutSpec> AddCalloutAsync(CalloutSpec callout, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callout);
        RejectSecurityDescriptor(securityDescriptor);
        var reply = await Unary(o => Raw.AddCalloutAsync(ProtoMap.ToProto(callout), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmCalloutDeleteByKey0.</summary>
    /// <param name="key">The callout's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteCalloutAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteCalloutAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmCalloutDeleteById0.</summary>
    /// <param name="id">The callout's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteCalloutAsync(uint id, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteCalloutAsync(ById(id), o), cancellationToken);

    /// <summary>FwpmCalloutGetByKey0.</summary>
    /// <param name="key">The callout's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callout.</returns>
    public async Task<CalloutSpec> GetCalloutAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetCalloutAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmCalloutGetById0.</summary>
    /// <param name="id">The callout's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callout.</returns>
    public async Task<CalloutSpec> GetCalloutAsync(uint id, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetCalloutAsync(ById(id), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The callouts a template selects (FwpmCalloutEnum0 in one go).</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callouts.</returns>
    public async Task<IReadOnlyList<CalloutSpec>> EnumCalloutsAsync(FwpmCalloutEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumCalloutsAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmProviderContextAdd0.</summary>
    /// <param name="context">The provider context.</param>
    /// <param name="securityDescriptor">Must be null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The context as stored, with its run-time id.</returns>
    public async Task<ProviderContextSpec> AddProviderContextAsync(ProviderContextSpec context, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        RejectSecurityDescriptor(securityDescriptor);
        var reply = await Unary(o => Raw.AddProviderContextAsync(ProtoMap.ToProto(context), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmProviderContextDeleteByKey0.</summary>
    /// <param name="key">The context's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteProviderContextAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteProviderContextAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmProviderContextDeleteById0.</summary>
    /// <param name="id">The context's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteProviderContextAsync(ulong id, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteProviderContextAsync(ById(id), o), cancellationToken);

    /// <summary>FwpmProviderContextGetByKey0.</summary>
    /// <param name="key">The context's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider context.</returns>
    public async Task<ProviderContextSpec> GetProviderContextAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetProviderContextAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmProviderContextGetById0.</summary>
    /// <param name="id">The context's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider context.</returns>
    public async Task<ProviderContextSpec> GetProviderContextAsync(ulong id, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetProviderContextAsync(ById(id), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The provider contexts a template selects (FwpmProviderContextEnum0 in one go).</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider contexts.</returns>
    public async Task<IReadOnlyList<ProviderContextSpec>> EnumProviderContextsAsync(FwpmProviderContextEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumProviderContextsAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmFilterAdd0.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="securityDescriptor">Must be null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filter as stored: with its key, filter id and effective weight.</returns>
    public async Task<FilterSpec> AddFilterAsync(FilterSpec filter, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        RejectSecurityDescriptor(securityDescriptor);
        var reply = await Unary(o => Raw.AddFilterAsync(ProtoMap.ToProto(filter), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmFilterDeleteByKey0.</summary>
    /// <param name="key">The filter's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteFilterAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteFilterAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmFilterDeleteById0.</summary>
    /// <param name="id">The filter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteFilterAsync(ulong id, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteFilterAsync(ById(id), o), cancellationToken);

    /// <summary>FwpmFilterGetByKey0.</summary>
    /// <param name="key">The filter's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filter.</returns>
    public async Task<FilterSpec> GetFilterAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetFilterAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmFilterGetById0.</summary>
    /// <param name="id">The filter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filter.</returns>
    public async Task<FilterSpec> GetFilterAsync(ulong id, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetFilterAsync(ById(id), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The filters a template selects (FwpmFilterEnum0 in one go). An action mask of 0 selects none, as on Windows.</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filters.</returns>
    public async Task<IReadOnlyList<FilterSpec>> EnumFiltersAsync(FwpmFilterEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        if (template is { ActionMask: 0 })
        {
            ThrowIfDisposed();
            return [];
        }

        var reply = await Unary(o => Raw.EnumFiltersAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>
    /// Fwpm*SubscribeChanges0: the adds and deletes other sessions commit, as they happen, until
    /// <paramref name="cancellationToken"/> is cancelled or the client is disposed.
    /// </summary>
    /// <remarks>
    /// The subscription is registered when enumeration starts. bfe.proto gives no acknowledgement that it is in place,
    /// so the first <c>MoveNextAsync</c> waits up to <see cref="BfeClientOptions.SubscriptionStartTimeout"/> for the
    /// daemon's response headers; a change committed before the daemon registered the subscription is not reported.
    /// </remarks>
    /// <param name="objectTypes">The object types to report; null or empty for all.</param>
    /// <param name="flags">FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD / _ON_DELETE; 0 for both.</param>
    /// <param name="filterTemplate">For filters, which ones; null for all.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The changes.</returns>
    public async IAsyncEnumerable<BfeChange> SubscribeChangesAsync(
        IReadOnlyCollection<BfeObjectType>? objectTypes = null,
        uint flags = 0,
        FwpmFilterEnumTemplate0? filterTemplate = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new V1.SubscribeChangesRequest { Flags = flags, FilterTemplate = ClientMap.ToProto(filterTemplate) };
        foreach (var type in objectTypes ?? [])
        {
            request.ObjectTypes.Add((uint)type);
        }

        using var call = await StartStreamAsync(o => Raw.SubscribeChanges(request, o), cancellationToken).ConfigureAwait(false);
        while (await MoveNextAsync(call, cancellationToken).ConfigureAwait(false))
        {
            yield return ClientMap.ToChange(call.ResponseStream.Current);
        }
    }

    /// <summary>FwpmEngineGetOption0 for a UINT32 option.</summary>
    /// <param name="option">The option.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The option's value.</returns>
    public async Task<uint> GetEngineOptionAsync(FwpmEngineOption option, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.GetEngineOptionAsync(new V1.EngineOptionRequest { Option = (uint)option }, o), cancellationToken).ConfigureAwait(false);
        return reply.Value;
    }

    /// <summary>FwpmEngineSetOption0 for a UINT32 option.</summary>
    /// <param name="option">The option.</param>
    /// <param name="value">The new value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetEngineOptionAsync(FwpmEngineOption option, uint value, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.SetEngineOptionAsync(new V1.EngineOption { Option = (uint)option, Value = value }, o), cancellationToken);

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

    /// <summary>Every object at once, as one read transaction sees it (what <c>wfp show state</c> shows).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state.</returns>
    public async Task<BfeState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var s = await Unary(o => Raw.GetStateAsync(new V1.Empty(), o), cancellationToken).ConfigureAwait(false);
        return new BfeState(
            [.. s.Providers.Select(ProtoMap.ToSpec)],
            [.. s.Sublayers.Select(ProtoMap.ToSpec)],
            [.. s.Callouts.Select(ProtoMap.ToSpec)],
            [.. s.ProviderContexts.Select(ProtoMap.ToSpec)],
            [.. s.Filters.Select(ProtoMap.ToSpec)],
            s.Generation);
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

    private static V1.ObjectRef ByKey(Guid key) => new() { Key = ProtoMap.KeyToProto(key) };

    private static V1.ObjectRef ById(ulong id) => new() { Id = id };

    private static void RejectSecurityDescriptor(SecurityDescriptor? securityDescriptor)
    {
        if (securityDescriptor is not null)
        {
            throw new WfpException(NotSupported, "a security descriptor cannot be sent to the daemon yet (bfe.proto has no field for it); pass null");
        }
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

    /// <summary>A stream reader whose first MoveNext was started early (to see a refusal) and is handed out first.</summary>
    private sealed class PrefetchedReader<T>(IAsyncStreamReader<T> inner, Task<bool> first) : IAsyncStreamReader<T>
    {
        private Task<bool>? _first = first;

        public T Current => inner.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Interlocked.Exchange(ref _first, null) ?? inner.MoveNext(cancellationToken);
    }
}
