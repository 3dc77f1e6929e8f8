using OpenWfp.Callouts.Http;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;

namespace OpenWfp.Callouts;

/// <summary>
/// The implementations of the callouts every engine holds (<see cref="OpenWfpCallouts"/>), registered on one engine:
/// <c>BuiltinCallouts.Register(engine, options)</c>, then read <see cref="Http"/>'s counters. docs/BUILTIN-CALLOUTS.md.
/// </summary>
public sealed class BuiltinCallouts
{
    private readonly FilterEngine _engine;

    private BuiltinCallouts(FilterEngine engine, BuiltinCalloutOptions options)
    {
        _engine = engine;
        Options = options;
        var events = new EventSink(options.Events);
        Http = new HttpRequestCallout(engine, options, events);
    }

    /// <summary>The options they were registered with.</summary>
    public BuiltinCalloutOptions Options { get; }

    /// <summary>openwfp.http-request.</summary>
    public HttpRequestCallout Http { get; }

    /// <summary>
    /// Registers openwfp.http-request and openwfp.dns on <paramref name="engine"/>'s callout registry. Filters added
    /// before this were not notified; their configuration is compiled when they are first classified.
    /// </summary>
    /// <exception cref="Engine.Errors.WfpException">FWP_E_ALREADY_EXISTS when an implementation is registered already.</exception>
    public static BuiltinCallouts Register(FilterEngine engine, BuiltinCalloutOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var builtins = new BuiltinCallouts(engine, options ?? new BuiltinCalloutOptions());
        engine.Callouts.Register(OpenWfpCallouts.HttpRequest.Key, builtins.Http);
        return builtins;
    }

    /// <summary>Every counter, named <c>callout.counter</c> (e.g. <c>openwfp.http-request.Blocked</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Counters()
    {
        var list = new List<KeyValuePair<string, long>>();
        foreach (var (name, value) in Http.Counters.Snapshot())
        {
            list.Add(new($"{OpenWfpCallouts.HttpRequest.Name}.{name}", value));
        }

        return list;
    }

    /// <summary>Unregisters both callouts; their filters then act as unregistered callouts.</summary>
    public void Unregister()
    {
        _engine.Callouts.Unregister(OpenWfpCallouts.HttpRequest.Key);
    }
}
