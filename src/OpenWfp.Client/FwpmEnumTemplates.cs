using OpenWfp.Engine.Model;

namespace OpenWfp.Client;

/// <summary>FWPM_FILTER_ENUM_TEMPLATE0 (fwpmtypes.h; docs/WFPD.md, The API): which filters an enumeration or subscription covers.</summary>
public sealed class FwpmFilterEnumTemplate0
{
    /// <summary>providerKey: only filters of this provider; null for all.</summary>
    public Guid? ProviderKey { get; set; }

    /// <summary>layerKey: only filters of this layer; <see cref="Guid.Empty"/> for all layers (an OpenWfp relaxation: Windows requires a layer).</summary>
    public Guid LayerKey { get; set; }

    /// <summary>enumType: <see cref="FwpmConstants.FWP_FILTER_ENUM_FULLY_CONTAINED"/> or <see cref="FwpmConstants.FWP_FILTER_ENUM_OVERLAPPING"/>.</summary>
    public uint EnumType { get; set; }

    /// <summary>flags: FWP_FILTER_ENUM_FLAG_*.</summary>
    public uint Flags { get; set; }

    /// <summary>filterCondition: the condition space the filters must contain or overlap; empty for all.</summary>
    public IReadOnlyList<FilterCondition> FilterConditions { get; set; } = [];

    /// <summary>actionMask: a filter is returned iff <c>(action.type &amp; actionMask) != 0</c>; 0xFFFFFFFF (the default) for all, 0 for none.</summary>
    public uint ActionMask { get; set; } = 0xFFFFFFFF;

    /// <summary>calloutKey: only filters whose action uses this callout; null for any.</summary>
    public Guid? CalloutKey { get; set; }

    /// <summary>OpenWfp extension: only filters of this sublayer; null for all.</summary>
    public Guid? SublayerKey { get; set; }
}

/// <summary>FWPM_PROVIDER_ENUM_TEMPLATE0 (fwpmtypes.h): reserved on Windows, where every provider is enumerated.</summary>
public sealed class FwpmProviderEnumTemplate0
{
    /// <summary>reserved.</summary>
    public ulong Reserved { get; set; }

    /// <summary>OpenWfp extension: only the provider with this key (for a change subscription: its changes); null for all.</summary>
    public Guid? ProviderKey { get; set; }
}

/// <summary>FWPM_SUBLAYER_ENUM_TEMPLATE0 (fwpmtypes.h).</summary>
public sealed class FwpmSubLayerEnumTemplate0
{
    /// <summary>providerKey: only sublayers of this provider; null for all.</summary>
    public Guid? ProviderKey { get; set; }
}

/// <summary>FWPM_CALLOUT_ENUM_TEMPLATE0 (fwpmtypes.h).</summary>
public sealed class FwpmCalloutEnumTemplate0
{
    /// <summary>providerKey: only callouts of this provider; null for all.</summary>
    public Guid? ProviderKey { get; set; }

    /// <summary>layerKey: only callouts applicable at this layer; <see cref="Guid.Empty"/> for all.</summary>
    public Guid LayerKey { get; set; }
}

/// <summary>FWPM_PROVIDER_CONTEXT_ENUM_TEMPLATE0 (fwpmtypes.h).</summary>
public sealed class FwpmProviderContextEnumTemplate0
{
    /// <summary>providerKey: only contexts of this provider; null for all.</summary>
    public Guid? ProviderKey { get; set; }

    /// <summary>providerContextType: only contexts of this type; null for all (Windows: FWPM_PROVIDER_CONTEXT_TYPE_MAX).</summary>
    public ProviderContextType? ProviderContextType { get; set; }
}

/// <summary>FWPM_NET_EVENT_ENUM_TEMPLATE0 (fwpmtypes.h; docs/WFPD.md, Net events): which net events to return.</summary>
public sealed class FwpmNetEventEnumTemplate0
{
    /// <summary>startTime: the oldest event to return; null from the oldest kept.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>endTime: the newest event to return; null up to now.</summary>
    public DateTimeOffset? EndTime { get; set; }

    /// <summary>
    /// filterCondition, AND-ed: IP_PROTOCOL, IP_LOCAL/REMOTE_ADDRESS, IP_LOCAL/REMOTE_PORT, ALE_APP_ID, ALE_USER_ID,
    /// NET_EVENT_TYPE.
    /// </summary>
    public IReadOnlyList<FilterCondition> FilterConditions { get; set; } = [];

    /// <summary>OpenWfp extension: at most this many events; 0 for all that match.</summary>
    public uint MaxCount { get; set; }

    /// <summary>OpenWfp extension: only events at this layer (its FWPS run-time id); null for every layer.</summary>
    public ushort? LayerId { get; set; }

    /// <summary>OpenWfp extension: only events this filter decided; 0 for any.</summary>
    public ulong FilterId { get; set; }
}
