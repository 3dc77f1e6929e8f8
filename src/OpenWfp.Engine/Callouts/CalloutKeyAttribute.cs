namespace OpenWfp.Engine.Callouts;

/// <summary>
/// Marks an <see cref="ICallout"/> in a plug-in assembly with the callout key a host registers it under (wfpd's
/// <c>--callout-dir</c>; docs/CALLOUTS.md, Loading callouts). Repeat it to register one instance under several keys
/// (for example the V4 and V6 callouts of the same function).
/// </summary>
/// <remarks>
/// With <see cref="Name"/> and <see cref="Layer"/> the host also adds the FWPM_CALLOUT management object (not
/// persistent) when no callout with this key exists, so filters can name it at once; without them, add the object
/// yourself (<c>wfp add callout</c>), as a WFP driver's installer would.
/// </remarks>
/// <param name="key">The callout key, as GUID text.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class CalloutKeyAttribute(string key) : Attribute
{
    /// <summary>The callout key (FWPS_CALLOUT's calloutKey).</summary>
    public Guid Key { get; } = Guid.Parse(key);

    /// <summary>The management object's display name; null: the host adds no management object.</summary>
    public string? Name { get; init; }

    /// <summary>The management object's description.</summary>
    public string? Description { get; init; }

    /// <summary>applicableLayer: a layer name as <c>wfp</c> reads it (e.g. <c>STREAM_V4</c>) or its GUID.</summary>
    public string? Layer { get; init; }

    /// <summary>FWP_CALLOUT_FLAG_* of the run-time registration.</summary>
    public CalloutRegistrationFlags Flags { get; init; }

    /// <summary>Set FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT on the management object (filters then pass a provider context).</summary>
    public bool UsesProviderContext { get; init; }
}

/// <summary>
/// Optional for a callout that needs its engine beyond classify: flow contexts (FwpsFlowAssociateContext0's role,
/// <see cref="FilterEngine.FlowContexts"/>), other callouts' slots, or a worker to start and stop. A host calls
/// <see cref="Attach"/> before it registers the callout and <see cref="Detach"/> after it unregisters it (wfpd does
/// so when it loads and unloads a plug-in); a plug-in must stop its threads in <see cref="Detach"/> so it can unload.
/// </summary>
public interface ICalloutLifecycle
{
    /// <summary>The callout is about to be registered with <paramref name="engine"/>.</summary>
    public void Attach(FilterEngine engine);

    /// <summary>The callout was unregistered; stop workers and drop references to the engine.</summary>
    public void Detach()
    {
    }
}
