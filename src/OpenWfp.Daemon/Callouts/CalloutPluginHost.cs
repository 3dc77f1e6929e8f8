using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using OpenWfp.Bfe;
using OpenWfp.Bfe.Access;
using OpenWfp.Daemon.Hosting;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Daemon.Callouts;

/// <summary>
/// wfpd's callout host (docs/CALLOUTS.md, Loading callouts): loads each <c>*.dll</c> of <c>--callout-dir</c> in its
/// own collectible context and registers its <see cref="ICallout"/> types by their <see cref="CalloutKeyAttribute"/>;
/// follows the directory (a new or changed file is loaded again, a removed one unregistered and unloaded); and runs
/// the watchdog that declares hung a callout whose call outlives <c>--callout-deadline-ms</c> and logs callout faults.
/// </summary>
internal sealed class CalloutPluginHost : IHostedService, IDisposable
{
    // Editors and copies write a file in several steps; acting once the directory has been quiet this long loads the
    // finished file, once.
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMilliseconds(100);

    // A callout that keeps throwing is logged at most this often (with the count since the last line).
    private static readonly TimeSpan FaultLogInterval = TimeSpan.FromSeconds(10);

    private readonly BaseFilteringEngine _bfe;
    private readonly string? _directory;
    private readonly TimeSpan _deadline;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LoadedPlugin> _loaded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, (long Faults, long LoggedAt)> _faultsLogged = [];
    private readonly ManualResetEventSlim _stop = new();
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private Thread? _watchdog;
    private bool _disposed;

    public CalloutPluginHost(BaseFilteringEngine bfe, DaemonConfig config, ILogger<CalloutPluginHost> log)
        : this(bfe, config.CalloutDirectory, TimeSpan.FromMilliseconds(config.CalloutDeadlineMs), log)
    {
    }

    internal CalloutPluginHost(BaseFilteringEngine bfe, string? directory, TimeSpan deadline, ILogger log)
    {
        _bfe = bfe;
        _directory = directory is null ? null : Path.GetFullPath(directory);
        _deadline = deadline;
        _log = log;
    }

    /// <summary>The plug-ins loaded now, by file name.</summary>
    internal IReadOnlyList<string> LoadedFiles
    {
        get
        {
            lock (_gate)
            {
                return [.. _loaded.Keys];
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            Stop();
            _stop.Dispose();
            _disposed = true;
        }
    }

    /// <summary>Loads the directory's plug-ins, then follows it; starts the watchdog.</summary>
    internal void Start()
    {
        if (_deadline <= TimeSpan.Zero)
        {
            throw new DaemonStartException($"--callout-deadline-ms {(long)_deadline.TotalMilliseconds}: must be at least 1");
        }

        if (_directory is not null)
        {
            if (!Directory.Exists(_directory))
            {
                throw new DaemonStartException($"--callout-dir {_directory}: no such directory");
            }

            foreach (var file in Directory.GetFiles(_directory, "*.dll").Order(StringComparer.Ordinal))
            {
                Reconcile(file);
            }

            _debounce = new Timer(_ => ReconcilePending());
            _watcher = new FileSystemWatcher(_directory, "*.dll")
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += (_, e) => Schedule(e.FullPath);
            _watcher.Changed += (_, e) => Schedule(e.FullPath);
            _watcher.Deleted += (_, e) => Schedule(e.FullPath);
            _watcher.Renamed += (_, e) =>
            {
                Schedule(e.OldFullPath);
                Schedule(e.FullPath);
            };
            _watcher.Error += (_, e) => _log.LogWarning("--callout-dir {Directory}: stopped following changes ({Message})", _directory, e.GetException().Message);
            _watcher.EnableRaisingEvents = true;
        }

        _watchdog = new Thread(Watch) { IsBackground = true, Name = "wfpd callout watchdog" };
        _watchdog.Start();
    }

    /// <summary>Stops following the directory and the watchdog, and unloads every plug-in.</summary>
    internal void Stop()
    {
        _watcher?.Dispose();
        _watcher = null;
        _debounce?.Dispose();
        _debounce = null;
        if (!_stop.IsSet)
        {
            _stop.Set();
        }

        _watchdog?.Join();
        _watchdog = null;
        lock (_gate)
        {
            foreach (var path in _loaded.Keys.ToList())
            {
                Unload(path);
            }
        }
    }

    private void Schedule(string path)
    {
        lock (_gate)
        {
            _pending.Add(path);
        }

        _debounce?.Change(Debounce, Timeout.InfiniteTimeSpan);
    }

    private void ReconcilePending()
    {
        string[] paths;
        lock (_gate)
        {
            paths = [.. _pending];
            _pending.Clear();
        }

        foreach (var path in paths)
        {
            Reconcile(path);
        }
    }

    /// <summary>
    /// Brings one file's registration in line with the directory: present and new or changed → (re)loaded; gone →
    /// unloaded. Returns the unloaded context, if any, for a caller that wants to watch it be collected.
    /// </summary>
    internal WeakReference? Reconcile(string path)
    {
        path = Path.GetFullPath(path);
        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        lock (_gate)
        {
            byte[]? image = null;
            try
            {
                if (File.Exists(path))
                {
                    image = File.ReadAllBytes(path);
                }
            }
            catch (IOException e)
            {
                _log.LogWarning("callout plug-in {File}: cannot read it ({Message})", Path.GetFileName(path), e.Message);
                return null;
            }

            var hash = image is null ? null : Convert.ToHexString(SHA256.HashData(image));
            if (_loaded.TryGetValue(path, out var current) && current.Hash == hash)
            {
                return null;
            }

            var unloaded = _loaded.ContainsKey(path) ? Unload(path) : null;
            if (image is not null && hash is not null)
            {
                Load(path, hash);
            }

            return unloaded;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Load(string path, string hash)
    {
        var file = Path.GetFileName(path);
        var context = new PluginLoadContext(path);
        var registered = new List<(Guid Key, ICallout Callout)>();
        try
        {
            var assembly = context.LoadCopy(path);
            foreach (var (type, keys) in CalloutPlugins.Discover(assembly))
            {
                var callout = (ICallout)Activator.CreateInstance(type)!;
                (callout as ICalloutLifecycle)?.Attach(_bfe.Engine);
                var any = false;
                foreach (var attribute in keys)
                {
                    if (Register(file, type, attribute, callout))
                    {
                        registered.Add((attribute.Key, callout));
                        any = true;
                    }
                }

                if (!any)
                {
                    (callout as ICalloutLifecycle)?.Detach();
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A plug-in is arbitrary code: whatever its loading, constructor or Attach throws, wfpd goes on without it.
            var reason = e is TargetInvocationException { InnerException: { } inner } ? inner.Message : e.Message;
            _log.LogWarning("callout plug-in {File}: cannot load it ({Reason}); it is ignored", file, OneLine(reason));
            foreach (var (key, callout) in registered)
            {
                _bfe.Engine.Callouts.Unregister(key);
                (callout as ICalloutLifecycle)?.Detach();
            }

            context.Unload();
            return;
        }

        if (registered.Count == 0)
        {
            _log.LogWarning("callout plug-in {File}: no public ICallout with a [CalloutKey] attribute and a public parameterless constructor; nothing registered", file);
            context.Unload();
            return;
        }

        _loaded[path] = new LoadedPlugin(hash, context, registered);
        if (_log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation("callout plug-in {File} loaded: {Keys}", file, string.Join(", ", registered.Select(r => Describe(r.Key))));
        }
    }

    private bool Register(string file, Type type, CalloutKeyAttribute attribute, ICallout callout)
    {
        if (attribute.Name is { } name && attribute.Layer is { } layerText && !_bfe.Engine.Current.CalloutsByKey.ContainsKey(attribute.Key))
        {
            if (!LayerCatalog.TryFindLayer(layerText, out var layer))
            {
                _log.LogWarning("callout plug-in {File}: {Type} names layer '{Layer}', which does not exist; no management object added for {{{Key}}}", file, type.FullName, layerText, attribute.Key);
            }
            else
            {
                AddManagementObject(attribute, name, layer);
            }
        }

        try
        {
            _bfe.Engine.Callouts.Register(attribute.Key, callout, attribute.Flags);
            return true;
        }
        catch (WfpException e)
        {
            _log.LogWarning("callout plug-in {File}: {Type} not registered as {{{Key}}}: {Message}", file, type.FullName, attribute.Key, e.Message);
            return false;
        }
    }

    private void AddManagementObject(CalloutKeyAttribute attribute, string name, LayerInfo layer)
    {
        var session = _bfe.OpenSession(CallerIdentity.System, "wfpd callout host");
        try
        {
            _bfe.AddCallout(session, new CalloutSpec
            {
                Key = attribute.Key,
                DisplayData = new DisplayData(name, attribute.Description),
                ApplicableLayer = layer.Key,
                Flags = attribute.UsesProviderContext ? CalloutFlags.UsesProviderContext : CalloutFlags.None,
            });
        }
        catch (WfpException e) when (e.Error == WfpError.AlreadyExists)
        {
            // Added meanwhile through the API: the object is there, which is all that is needed.
        }
        finally
        {
            _bfe.CloseSession(session);
        }
    }

    /// <summary>Unregisters a plug-in's callouts and unloads its context; its filters then act as unregistered callouts.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference Unload(string path)
    {
        var plugin = _loaded[path];
        _loaded.Remove(path);
        foreach (var (key, _) in plugin.Callouts)
        {
            _bfe.Engine.Callouts.Unregister(key);
        }

        foreach (var callout in plugin.Callouts.Select(c => c.Callout).Distinct())
        {
            try
            {
                (callout as ICalloutLifecycle)?.Detach();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.LogWarning("callout plug-in {File}: Detach failed ({Message})", Path.GetFileName(path), OneLine(e.Message));
            }
        }

        var keys = string.Join(", ", plugin.Callouts.Select(c => Describe(c.Key)));
        var weak = new WeakReference(plugin.Context, trackResurrection: false);
        plugin.Context.Unload();
        if (_log.IsEnabled(LogLevel.Information))
        {
            _log.LogInformation("callout plug-in {File} unloaded: {Keys}", Path.GetFileName(path), keys);
        }
        return weak;
    }

    private string Describe(Guid key) =>
        _bfe.Engine.Current.CalloutsByKey.TryGetValue(key, out var spec) && spec.DisplayData.Name.Length > 0
            ? $"{{{key}}} ({spec.DisplayData.Name})"
            : $"{{{key}}}";

    private void Watch()
    {
        while (!_stop.Wait(WatchdogPeriod))
        {
            CheckOnce();
        }
    }

    /// <summary>One watchdog pass: declares overdue callouts hung and logs new faults (rate-limited per callout).</summary>
    internal void CheckOnce()
    {
        var registry = _bfe.Engine.Callouts;
        foreach (var slot in registry.CheckDeadlines(_deadline))
        {
            _log.LogError(
                "callout {Callout} hung: a classify call has run longer than {Deadline} ms; its filters act as if it were unregistered until its plug-in is reloaded",
                Describe(slot.Key),
                (long)_deadline.TotalMilliseconds);
        }

        var now = Stopwatch.GetTimestamp();
        foreach (var slot in registry.RegisteredSlots())
        {
            var faults = slot.Faults;
            var seen = _faultsLogged.GetValueOrDefault(slot.Key);
            if (faults <= seen.Faults || (seen.LoggedAt != 0 && Stopwatch.GetElapsedTime(seen.LoggedAt, now) < FaultLogInterval))
            {
                continue;
            }

            _log.LogWarning(
                "callout {Callout} failed {Count} time(s) (threw, or gave no decision); those calls acted as if it were unregistered ({Total} faults in {Invocations} calls)",
                Describe(slot.Key),
                faults - seen.Faults,
                faults,
                slot.Invocations);
            _faultsLogged[slot.Key] = (faults, now);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private sealed record LoadedPlugin(string Hash, PluginLoadContext Context, IReadOnlyList<(Guid Key, ICallout Callout)> Callouts);
}
