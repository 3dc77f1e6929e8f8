using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Callouts;

/// <summary>
/// FWPS_FILTER: the run-time copy of a filter that a callout receives in classify and notify. Built when the
/// policy is compiled, never per packet.
/// </summary>
public sealed class RuntimeFilter
{
    internal RuntimeFilter(FilterSpec spec, ushort sublayerWeight, RuntimeFilterFlags flags, uint calloutId, ulong context, ProviderContextSpec? providerContext)
    {
        Spec = spec;
        SublayerWeight = sublayerWeight;
        Flags = flags;
        CalloutId = calloutId;
        Context = context;
        ProviderContext = providerContext;
    }

    /// <summary>The management object the run-time filter was made from.</summary>
    public FilterSpec Spec { get; }

    /// <summary>filterId.</summary>
    public ulong FilterId => Spec.FilterId;

    /// <summary>The filter's key (the notify function's filterKey).</summary>
    public Guid FilterKey => Spec.Key;

    /// <summary>weight: the effective weight.</summary>
    public ulong Weight => Spec.EffectiveWeight;

    /// <summary>subLayerWeight.</summary>
    public ushort SublayerWeight { get; }

    /// <summary>flags: FWPS_FILTER_FLAG_*.</summary>
    public RuntimeFilterFlags Flags { get; }

    /// <summary>action.calloutId.</summary>
    public uint CalloutId { get; }

    /// <summary>action.type.</summary>
    public ActionType ActionType => Spec.Action.Type;

    /// <summary>context: rawContext, or the provider context's id when the filter has one.</summary>
    public ulong Context { get; }

    /// <summary>providerContext (only for callouts added with FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT).</summary>
    public ProviderContextSpec? ProviderContext { get; }

    /// <summary>A per-filter context a callout may store at ADD_FILTER notification time (WDK: filter->context).</summary>
    public object? CalloutContext { get; set; }
}
