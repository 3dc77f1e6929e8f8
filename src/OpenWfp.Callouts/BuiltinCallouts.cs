using OpenWfp.Callouts.Dns;
using OpenWfp.Callouts.Http;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;

namespace OpenWfp.Callouts;

/// <summary>
/// The implementations of the callouts every engine holds (<see cref="OpenWfpCallouts"/>), registered on one engine:
/// <c>BuiltinCallouts.Register(engine, options)</c>, then read <see cref="Counters"/> or each callout's. docs/BUILTIN-CALLOUTS.md.
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
        Dns = new DnsCallout(options, events);
    }

    /// <summary>The options they were registered with.</summary>
    public BuiltinCalloutOptions Options { get; }

    /// <summary>openwfp.http-request.</summary>
    public HttpRequestCallout Http { get; }

    /// <summary>openwfp.dns; its <see cref="DnsCallout.Addresses"/> is the DNS address set.</summary>
    public DnsCallout Dns { get; }

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
        try
        {
            engine.Callouts.Register(OpenWfpCallouts.Dns.Key, builtins.Dns);
        }
        catch
        {
            engine.Callouts.Unregister(OpenWfpCallouts.HttpRequest.Key);
            throw;
        }

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

        foreach (var (name, value) in Dns.Counters.Snapshot())
        {
            list.Add(new($"{OpenWfpCallouts.Dns.Name}.{name}", value));
        }

        return list;
    }

    /// <summary>Unregisters both callouts; their filters then act as unregistered callouts.</summary>
    public void Unregister()
    {
        _engine.Callouts.Unregister(OpenWfpCallouts.HttpRequest.Key);
        _engine.Callouts.Unregister(OpenWfpCallouts.Dns.Key);
    }
}
