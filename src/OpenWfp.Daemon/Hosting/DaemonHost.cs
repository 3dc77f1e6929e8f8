using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenWfp.Bfe;
using OpenWfp.Bfe.Persistence;
using OpenWfp.Daemon.Callouts;
using OpenWfp.Daemon.Services;
using OpenWfp.Dataplane.Live;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Netlink;

namespace OpenWfp.Daemon.Hosting;

/// <summary>
/// Builds and runs wfpd: the store is opened and the boot-time policy applied before anything listens; the
/// persistent policy replaces it while the host starts (before the socket accepts and before systemd hears READY);
/// SIGTERM/SIGINT stop it cleanly and remove the socket.
/// </summary>
internal static class DaemonHost
{
    public const string StoreFileName = "policy.db";

    public static async Task<int> RunAsync(DaemonConfig config, CancellationToken cancel)
    {
        CheckSocketPath(config.Socket);
        CreateDirectory(config.StateDirectory, "--state-dir", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        using var stateLock = StateDirectoryLock.Acquire(config.StateDirectory, config.Socket);
        var storePath = Path.Combine(config.StateDirectory, StoreFileName);
        IPolicyStore store;
        try
        {
            store = SqlitePolicyStore.Open(storePath);
        }
        catch (PolicyStoreException e)
        {
            // Only a store that exists holds policy worth keeping; when there is none, the directory is the problem.
            throw new DaemonStartException(File.Exists(storePath)
                ? $"{e.Message} (the file is kept as it is; move it aside to start with an empty policy)"
                : $"{e.Message}; {StateDirectoryLock.Fix(e.InnerException ?? e, "--state-dir")}");
        }

        if (config.Dataplane && LiveDataplane.Prerequisites() is { } missing)
        {
            throw new DaemonStartException(missing);
        }

        if (config.RemoteCalloutDeadlineMs is <= 0 or > 60_000)
        {
            throw new DaemonStartException($"remoteCalloutDeadlineMs {config.RemoteCalloutDeadlineMs}: must be 1 to 60000 milliseconds");
        }

        using var bfe = new BaseFilteringEngine(config.ToAccessPolicy(), store);
        var bootProblems = bfe.ApplyBootTimePolicy();
        PrepareSocket(config.Socket);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Host.UseSystemd();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The generic host's own lines ("Content root path", "Press Ctrl+C") say nothing about wfpd, and a start-up
        // failure is reported once, as one line, by the caller: the host's copy of it carries a stack trace.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(config.Socket, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(PeerCredentials.Middleware);
            });
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddSingleton(bfe);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(new RemoteCalloutHub(bfe.Engine, bfe.Access, TimeSpan.FromMilliseconds(config.RemoteCalloutDeadlineMs)));
        builder.Services.AddHostedService<PolicyStartup>();
        // Callouts are registered before the data plane starts deciding packets (docs/CALLOUTS.md, Loading callouts).
        builder.Services.AddHostedService<Callouts.BuiltinCalloutHost>();
        builder.Services.AddHostedService<Callouts.CalloutPluginHost>();
        builder.Services.AddSingleton<DataplaneService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DataplaneService>());
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = config.MaxRequestBytes;
            o.Interceptors.Add<ErrorInterceptor>();
        });

        await using var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("wfpd");
        foreach (var problem in bootProblems)
        {
            log.LogWarning("store {Store}: {Problem}", storePath, problem);
        }

        app.MapGrpcService<BfeService>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            SetSocketAccess(config, log);
            if (log.IsEnabled(LogLevel.Information))
            {
                log.LogInformation(
                "ready: socket {Socket}, store {Store}, {Filters} filters ({Boot} boot-time), data plane {Dataplane}",
                config.Socket,
                storePath,
                bfe.Engine.Current.FilterCount,
                bfe.BootTimeFilters.Count,
                config.Dataplane ? "on" : "off (--no-dataplane)");
            }
        });

        try
        {
            try
            {
                await app.StartAsync(cancel);
            }
            catch (Exception e) when (e is IOException or SocketException && !cancel.IsCancellationRequested)
            {
                // Kestrel binds after the probe in PrepareSocket; this covers a directory changed in between. Only the
                // start is covered: an I/O error while serving is not a failure to listen.
                var reason = SocketReason(e.InnerException as SocketException ?? e as SocketException, config.Socket) ?? e.Message;
                throw new DaemonStartException($"{config.Socket}: cannot listen ({reason}); {SocketFix(reason)}");
            }

            await app.WaitForShutdownAsync(cancel);
        }
        finally
        {
            TryDelete(config.Socket);
        }

        log.LogInformation("stopped");
        return 0;
    }

    private static void CreateDirectory(string path, string option, UnixFileMode mode)
    {
        try
        {
            Directory.CreateDirectory(path, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"{path}: cannot create the directory ({StateDirectoryLock.Describe(e)}); {StateDirectoryLock.Fix(e, option)}");
        }
    }

    /// <summary>A Unix socket's path must fit in sockaddr_un.sun_path (108 bytes with its NUL; unix(7)).</summary>
    private static void CheckSocketPath(string path)
    {
        const int SunPathBytes = 108;
        var bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        if (bytes == 0 || bytes >= SunPathBytes)
        {
            throw new DaemonStartException(
                $"{path}: a Unix socket path must be 1 to {SunPathBytes - 1} bytes long, this one is {bytes}; choose a shorter --socket");
        }
    }

    /// <summary>A socket file left by a crashed run is removed; one that answers belongs to a running wfpd.</summary>
    private static void PrepareSocket(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        CreateDirectory(directory, "--socket", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (File.Exists(path))
        {
            using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                try
                {
                    probe.Connect(new UnixDomainSocketEndPoint(path));
                    throw new DaemonStartException($"{path}: another wfpd is already serving this socket");
                }
                catch (SocketException)
                {
                    // Nobody listens: a leftover from a run that did not stop cleanly.
                }
            }

            TryDelete(path);
        }

        // Bind once here, where a failure can be told in one line: inside the web host it surfaces as a logged
        // start-up failure with a stack trace, and a read-only file system as "Unknown socket error".
        using var bind = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            bind.Bind(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            var reason = SocketReason(e, path) ?? e.Message;
            throw new DaemonStartException($"{path}: cannot create the socket ({reason}); {SocketFix(reason)}");
        }

        bind.Close();
        TryDelete(path);
    }

    private static string SocketFix(string reason) => reason == "read-only file system"
        ? "choose a --socket on a writable file system"
        : "run wfpd as a user that can write there, or choose another --socket";

    /// <summary>Why a bind failed, in words: .NET maps some errnos (EROFS among them) to "Unknown socket error".</summary>
    private static string? SocketReason(SocketException? e, string path)
    {
        if (e is null)
        {
            return null;
        }

        if (e.SocketErrorCode == SocketError.AccessDenied)
        {
            return "permission denied";
        }

        if (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return "the path is in use";
        }

        // Creating a plain file in the same directory fails for the same reason, and .NET names that reason.
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var probe = Path.Combine(directory, $".wfpd-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            return StateDirectoryLock.Describe(io);
        }

        return e.Message;
    }

    /// <summary>Mode 0660 and the configured group (docs/WFPD.md, Access control): only root and that group can connect.</summary>
    private static void SetSocketAccess(DaemonConfig config, ILogger log)
    {
        try
        {
            File.SetUnixFileMode(config.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            var group = config.SocketGroup ?? config.WriterGroup;
            if (DaemonConfig.GroupId(group) is { } gid && Native.Chown(config.Socket, -1, (int)gid) != 0)
            {
                log.LogWarning("socket {Socket}: could not give it group {Group}", config.Socket, group);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("socket {Socket}: could not set its mode: {Message}", config.Socket, e.Message);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Start-up phase 2 (before the socket accepts calls): the persistent policy replaces the boot-time policy.</summary>
internal sealed class PolicyStartup(BaseFilteringEngine bfe, ILogger<PolicyStartup> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in bfe.ApplyPersistentPolicy())
        {
            log.LogWarning("store: {Problem}", problem);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Start-up phase 3 (after the persistent policy is in force, before the socket accepts calls): the live data plane
/// binds its queues and installs its rules. On stop (SIGTERM, SIGINT) it removes them. A failure to start stops wfpd
/// with one line saying what is missing.
/// </summary>
internal sealed class DataplaneService(BaseFilteringEngine bfe, DaemonConfig config, ILogger<DataplaneService> log, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    private LiveDataplane? _dataplane;

    public LiveDataplane? Dataplane => _dataplane;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!config.Dataplane)
        {
            return Task.CompletedTask;
        }

        MarkBits marks;
        try
        {
            marks = MarkBits.FromBase(config.MarkShift);
        }
        catch (ArgumentException e)
        {
            throw new DaemonStartException($"markShift {config.MarkShift}: {e.Message}");
        }

        var dataplane = new LiveDataplane(bfe.Engine, bfe.NetEvents, new DataplaneOptions
        {
            QueueNumber = config.QueueNumber,
            QueueCount = config.QueueCount,
            FailOpen = config.FailOpen,
            Marks = marks,
            ProcessIdentity = config.ProcessIdentity,
            Log = Log,
        });
        try
        {
            dataplane.Start();
        }
        catch (Exception e) when (e is NetlinkException or RulesException)
        {
            dataplane.Dispose();
            throw new DaemonStartException(e.Message);
        }

        _dataplane = dataplane;
        lifetime.ApplicationStopping.Register(StopDataplane);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        StopDataplane();
        return Task.CompletedTask;
    }

    public void Dispose() => StopDataplane();

    private void StopDataplane()
    {
        var dataplane = Interlocked.Exchange(ref _dataplane, null);
        if (dataplane is null)
        {
            return;
        }

        var s = dataplane.Stats();
        dataplane.Dispose();
        if (log.IsEnabled(LogLevel.Information))
        {
            log.LogInformation(
                "data plane stopped, rules removed: {Packets} packets decided ({Permitted} permitted, {Blocked} blocked, {Unparsed} unparsed), {Unreadable} unreadable kernel messages, {Flows} connections, {Reauth} reauthorizations",
                s.Packets,
                s.Permitted,
                s.Blocked,
                s.UnparsedPackets,
                s.UnreadableMessages,
                s.Flows,
                s.Reauthorizations);
        }
    }

    private void Log(DataplaneLogLevel level, string message)
    {
        var l = level switch
        {
            DataplaneLogLevel.Error => LogLevel.Error,
            DataplaneLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Information,
        };
        if (log.IsEnabled(l))
        {
#pragma warning disable CA2254 // The data plane's lines are complete sentences; they carry no structured fields.
            log.Log(l, message);
#pragma warning restore CA2254
        }
    }
}
