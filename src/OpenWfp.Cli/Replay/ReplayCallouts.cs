using OpenWfp.Callouts;
using OpenWfp.Engine;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Cli.Replay;

/// <summary>
/// The callouts a replay runs: OpenWfp's built-in callouts (openwfp.http-request, openwfp.dns) and those of
/// <c>--callout-assembly</c> files, registered on the replay's engine, with the offline injector and the events they
/// report. What they do per packet is shown after that packet's line.
/// </summary>
internal sealed class ReplayCallouts : ICalloutEvents
{
    private readonly List<CalloutEvent> _events = [];

    public ReplayCallouts(FilterEngine engine, IReadOnlyList<string> assemblies)
    {
        try
        {
            BuiltinCallouts.Register(engine, new BuiltinCalloutOptions { Events = this });
        }
        catch (WfpException e) when (e.Error == WfpError.AlreadyExists)
        {
            // The engine is shared with another runner that registered them already (wfp diff replays twice).
        }

        foreach (var path in assemblies)
        {
            CalloutAssemblies.Load(engine, path);
        }
    }

    /// <summary>Where callouts inject while replaying.</summary>
    public OfflineInjector Injector { get; } = new();

    /// <summary>Events reported so far.</summary>
    public long EventCount { get; private set; }

    public void OnEvent(CalloutEvent calloutEvent)
    {
        _events.Add(calloutEvent);
        EventCount++;
    }

    /// <summary>Takes the events reported since the last call.</summary>
    public IReadOnlyList<CalloutEvent> TakeEvents()
    {
        if (_events.Count == 0)
        {
            return [];
        }

        var taken = _events.ToArray();
        _events.Clear();
        return taken;
    }
}
