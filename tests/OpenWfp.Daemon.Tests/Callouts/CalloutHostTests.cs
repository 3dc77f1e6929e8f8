using System.Diagnostics;
using System.Runtime.CompilerServices;
using OpenWfp.Bfe;
using OpenWfp.Bfe.Access;
using OpenWfp.Daemon.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Daemon;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Daemon.Tests.Callouts;

/// <summary>
/// wfpd's callout host in process (docs/CALLOUTS.md, Loading callouts, Containment): plug-ins loaded at start and
/// while running, unloaded on removal (the context collected), throwing and hanging callouts contained, bad files
/// skipped. The plug-ins are the test plug-in and the samples, copied from the build into a temporary directory.
/// </summary>
public sealed class CalloutHostTests : IDisposable
{
    private const string TestPlugin = "OpenWfp.Daemon.Tests.Callouts.dll";
    private static readonly Guid PermitKey = new("0d7e57a1-0000-4000-8000-000000000001");
    private static readonly Guid ThrowingKey = new("0d7e57a1-0000-4000-8000-000000000002");
    private static readonly Guid HangingKey = new("0d7e57a1-0000-4000-8000-000000000003");

    private readonly string _directory = WfpdProcess.NewStateDirectory();
    private readonly BaseFilteringEngine _bfe = new(new AccessPolicy());
    private readonly ListLogger _log = new();
    private CalloutPluginHost? _host;

    public void Dispose()
    {
        _host?.Dispose();
        _bfe.Dispose();
        WfpdProcess.DeleteDirectory(_directory);
    }

    [Fact]
    public void PluginInDirectoryAtStart_IsRegistered_WithItsManagementObject()
    {
        Copy(TestPlugin);
        var host = Start();

        Assert.Equal([Path.Combine(_directory, TestPlugin)], host.LoadedFiles);
        Assert.True(_bfe.Engine.Callouts.IsRegistered(PermitKey));
        var spec = _bfe.Engine.Current.CalloutsByKey[PermitKey];
        Assert.Equal("test.permit", spec.DisplayData.Name);
        Assert.Equal(Connect4.Key, spec.ApplicableLayer);
        Assert.NotEqual(0u, _bfe.Engine.Callouts.Slot(PermitKey).CalloutId);
        Assert.Equal(ActionType.Permit, ClassifyWith(PermitKey, port: 80));
        Assert.Contains($"callout plug-in {TestPlugin} loaded: {{{PermitKey}}} (test.permit)", _log.Text, StringComparison.Ordinal);

        // The type without a parameterless constructor is not registered.
        Assert.False(_bfe.Engine.Callouts.IsRegistered(new Guid("0d7e57a1-0000-4000-8000-000000000009")));
    }

    [Fact]
    public void PluginAddedWhileRunning_IsRegistered_AndRemoved_IsUnregisteredAndUnloaded()
    {
        var host = Start();
        var key = _bfe.Engine.AddCallout(new CalloutSpec { Key = PermitKey, DisplayData = new DisplayData("added first"), ApplicableLayer = Connect4.Key }).Key;
        _bfe.Engine.AddFilter(Filter("callout", FilterAction.Callout(ActionType.CalloutTerminating, key)));
        Assert.Equal(ActionType.Block, Classify(port: 80)); // unregistered: BLOCK

        var path = Copy(TestPlugin);
        Assert.True(WaitUntil(() => _bfe.Engine.Callouts.IsRegistered(PermitKey)), "the added plug-in was not registered");
        Assert.Equal(ActionType.Permit, Classify(port: 80));
        Assert.Equal("added first", _bfe.Engine.Current.CalloutsByKey[PermitKey].DisplayData.Name); // an existing object is kept

        File.Delete(path);
        var unloaded = host.Reconcile(path); // before the watcher's debounce: this call does the unload
        Assert.NotNull(unloaded);
        Assert.False(_bfe.Engine.Callouts.IsRegistered(PermitKey));
        Assert.Equal(ActionType.Block, Classify(port: 80));
        Assert.Empty(host.LoadedFiles);
        Assert.True(_log.WaitFor($"callout plug-in {TestPlugin} unloaded: {{{PermitKey}}}"));
        Assert.True(Collected(unloaded), "the plug-in's load context was not collected after unload");
    }

    [Fact]
    public void ChangedFile_IsLoadedAgain()
    {
        var path = Copy(TestPlugin);
        var host = Start();
        var before = _bfe.Engine.Callouts.Slot(PermitKey).Callout;
        Assert.NotNull(before);

        // Same bytes: nothing to do. Different bytes (a rebuilt plug-in): unloaded and loaded again.
        Assert.Null(host.Reconcile(path));
        File.AppendAllText(path, "\0");
        Assert.NotNull(host.Reconcile(path));
        Assert.True(_bfe.Engine.Callouts.IsRegistered(PermitKey));
        Assert.NotSame(before, _bfe.Engine.Callouts.Slot(PermitKey).Callout);
    }

    [Fact]
    public void ThrowingCallout_IsCounted_ActsUnregistered_AndIsLogged()
    {
        Copy(TestPlugin);
        Start();

        Assert.Equal(ActionType.Block, ClassifyWith(ThrowingKey, port: 80, permitIfUnregistered: false));
        Assert.Equal(1, _bfe.Engine.Callouts.FaultsOf(ThrowingKey));
        Assert.True(_log.WaitFor($"callout {{{ThrowingKey}}} (test.throwing) failed 1 time(s)"));

        // With PERMIT_IF_CALLOUT_UNREGISTERED the failed call permits: it acted as unregistered, not as a block.
        _bfe.Engine.DeleteFilterByKey(_bfe.Engine.Current.Filters.Single().Key);
        Assert.Equal(ActionType.Permit, ClassifyWith(ThrowingKey, port: 80, permitIfUnregistered: true));
        Assert.Equal(2, _bfe.Engine.Callouts.FaultsOf(ThrowingKey));
    }

    [Fact]
    public async Task HangingCallout_IsDeclaredHungWithinTheDeadline_ActsUnregistered_UntilReloaded()
    {
        var path = Copy(TestPlugin);
        var host = Start();
        var key = HangingKey;
        _bfe.Engine.AddFilter(Filter("callout", FilterAction.Callout(ActionType.CalloutTerminating, key)));
        Assert.Equal(ActionType.Permit, Classify(port: 80));

        var clock = Stopwatch.StartNew();
        var stuck = Task.Run(() => Classify(port: 1));
        Assert.True(WaitUntil(() => _bfe.Engine.Callouts.Slot(key).IsHung), "the hanging callout was not declared hung");
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(2500));
        Assert.False(stuck.IsCompleted);
        Assert.Equal(1, _bfe.Engine.Callouts.Slot(key).Hangs);
        Assert.True(_log.WaitFor($"callout {{{key}}} (test.hanging) hung: a classify call has run longer than 200 ms"));

        // Hung: the filter acts as if its callout were unregistered (BLOCK), without calling it.
        var invocations = _bfe.Engine.Callouts.Slot(key).Invocations;
        Assert.Equal(ActionType.Block, Classify(port: 80));
        Assert.Equal(invocations, _bfe.Engine.Callouts.Slot(key).Invocations);
        Assert.Equal(ActionType.Permit, await stuck); // the stuck call itself ends with its own answer

        // Removing and re-adding the plug-in clears the state.
        File.Move(path, path + ".off");
        host.Reconcile(path);
        File.Move(path + ".off", path);
        host.Reconcile(path);
        Assert.False(_bfe.Engine.Callouts.Slot(key).IsHung);
        Assert.Equal(ActionType.Permit, Classify(port: 80));
    }

    [Fact]
    public void BadFile_IsLoggedInOneLine_AndTheOthersLoad()
    {
        File.WriteAllText(Path.Combine(_directory, "broken.dll"), "not an assembly");
        Copy(TestPlugin);
        var host = Start();

        Assert.Equal([Path.Combine(_directory, TestPlugin)], host.LoadedFiles);
        var line = Assert.Single(_log.Text.Split('\n'), l => l.Contains("broken.dll", StringComparison.Ordinal));
        Assert.StartsWith("Warning: callout plug-in broken.dll: cannot load it (", line, StringComparison.Ordinal);
        Assert.True(_bfe.Engine.Callouts.IsRegistered(PermitKey));
    }

    [Fact]
    public void Samples_Load_WithTheirManagementObjects()
    {
        Copy("OpenWfp.Samples.Inspect.dll");
        Copy("OpenWfp.Samples.StmEdit.dll");
        Copy("OpenWfp.Samples.MsnMntr.dll");
        var host = Start();

        Assert.Equal(3, host.LoadedFiles.Count);
        var objects = _bfe.Engine.Current.CalloutsByKey.Values.Where(c => c.DisplayData.Name.Split('.')[0] is "inspect" or "stmedit" or "msnmntr").ToList();
        Assert.Equal(14, objects.Count);
        Assert.All(objects, o => Assert.True(_bfe.Engine.Callouts.IsRegistered(o.Key)));
        Assert.Equal(LayerCatalog.Layer("STREAM_V4").Key, objects.Single(o => o.DisplayData.Name == "stmedit.stream-v4").ApplicableLayer);
        Assert.True(objects.Single(o => o.DisplayData.Name == "inspect.ale-connect-v4").Flags.HasFlag(CalloutFlags.UsesProviderContext));
        Assert.Equal(
            OpenWfp.Engine.Callouts.CalloutRegistrationFlags.ConditionalOnFlow,
            _bfe.Engine.Callouts.Slot(objects.Single(o => o.DisplayData.Name == "msnmntr.stream-v4").Key).Flags);

        // Stopping wfpd unloads them all, stopping the Inspect sample's worker thread.
        host.Stop();
        Assert.Empty(host.LoadedFiles);
        Assert.All(objects, o => Assert.False(_bfe.Engine.Callouts.IsRegistered(o.Key)));
    }

    [Fact]
    public void MissingDirectory_IsAOneLineStartError()
    {
        var host = new CalloutPluginHost(_bfe, Path.Combine(_directory, "absent"), TimeSpan.FromMilliseconds(200), _log);
        var e = Assert.Throws<Hosting.DaemonStartException>(host.Start);
        Assert.Equal($"--callout-dir {Path.Combine(_directory, "absent")}: no such directory", e.Message);
    }

    private CalloutPluginHost Start()
    {
        _host = new CalloutPluginHost(_bfe, _directory, TimeSpan.FromMilliseconds(200), _log);
        _host.Start();
        return _host;
    }

    private string Copy(string plugin)
    {
        var target = Path.Combine(_directory, plugin);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "callout-plugins", plugin), target, overwrite: true);
        return target;
    }

    private ActionType ClassifyWith(Guid key, ushort port, bool permitIfUnregistered = false)
    {
        _bfe.Engine.AddFilter(Filter("callout", FilterAction.Callout(ActionType.CalloutTerminating, key),
            flags: permitIfUnregistered ? FilterFlags.PermitIfCalloutUnregistered : FilterFlags.None));
        return Classify(port);
    }

    private ActionType Classify(ushort port) =>
        _bfe.Engine.Classify(Connect4, Input(Connect4, ("IP_REMOTE_PORT", FwpValue.FromUInt16(port)))).Action;

    private static bool WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Collected(WeakReference context)
    {
        for (var i = 0; i < 20 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
        }

        return !context.IsAlive;
    }
}
