using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Client;

/// <summary>FWPM_FIELD0 (https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_field0): one field a layer's filters can test.</summary>
/// <param name="FieldKey">fieldKey: the FWPM_CONDITION_* GUID.</param>
/// <param name="Type">type: FWPM_FIELD_RAW_DATA 0, FWPM_FIELD_IP_ADDRESS 1, FWPM_FIELD_FLAGS 2.</param>
/// <param name="DataType">dataType: the type of the value classify supplies.</param>
/// <param name="Name">The FWPM_CONDITION_* constant name (an OpenWfp addition).</param>
public sealed record FwpmField0(Guid FieldKey, uint Type, FwpDataType DataType, string Name);

/// <summary>FWPM_LAYER0 (https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_layer0).</summary>
/// <param name="LayerKey">layerKey.</param>
/// <param name="DisplayData">displayData.</param>
/// <param name="Flags">flags: FWPM_LAYER_FLAG_KERNEL 0x1, FWPM_LAYER_FLAG_BUILTIN 0x2, ….</param>
/// <param name="Fields">field (numFields of them).</param>
/// <param name="DefaultSubLayerKey">defaultSubLayerKey.</param>
/// <param name="LayerId">layerId: the FWPS_LAYER_* run-time id.</param>
/// <param name="Name">The FWPM_LAYER_* constant name (an OpenWfp addition).</param>
public sealed record FwpmLayer0(Guid LayerKey, DisplayData DisplayData, uint Flags, IReadOnlyList<FwpmField0> Fields, Guid DefaultSubLayerKey, ushort LayerId, string Name);

/// <summary>FWPM_PROVIDER_SUBSCRIPTION0 (fwpmtypes.h).</summary>
public sealed class FwpmProviderSubscription0
{
    /// <summary>enumTemplate: reserved on Windows; here its <see cref="FwpmProviderEnumTemplate0.ProviderKey"/> follows one provider.</summary>
    public FwpmProviderEnumTemplate0? EnumTemplate { get; set; }

    /// <summary>flags: FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD and/or _ON_DELETE; 0 for both.</summary>
    public uint Flags { get; set; }

    /// <summary>sessionKey: the subscribing session, as the SubscriptionsGet0 functions report it.</summary>
    public Guid SessionKey { get; set; }
}

/// <summary>FWPM_SUBLAYER_SUBSCRIPTION0 (fwpmtypes.h).</summary>
public sealed class FwpmSubLayerSubscription0
{
    /// <summary>enumTemplate: which sublayers (providerKey); null for all.</summary>
    public FwpmSubLayerEnumTemplate0? EnumTemplate { get; set; }

    /// <summary>flags: FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD and/or _ON_DELETE; 0 for both.</summary>
    public uint Flags { get; set; }

    /// <summary>sessionKey: the subscribing session, as the SubscriptionsGet0 functions report it.</summary>
    public Guid SessionKey { get; set; }
}

/// <summary>FWPM_CALLOUT_SUBSCRIPTION0 (fwpmtypes.h).</summary>
public sealed class FwpmCalloutSubscription0
{
    /// <summary>enumTemplate: which callouts (providerKey, layerKey); null for all.</summary>
    public FwpmCalloutEnumTemplate0? EnumTemplate { get; set; }

    /// <summary>flags: FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD and/or _ON_DELETE; 0 for both.</summary>
    public uint Flags { get; set; }

    /// <summary>sessionKey: the subscribing session, as the SubscriptionsGet0 functions report it.</summary>
    public Guid SessionKey { get; set; }
}

/// <summary>FWPM_PROVIDER_CONTEXT_SUBSCRIPTION0 (fwpmtypes.h).</summary>
public sealed class FwpmProviderContextSubscription0
{
    /// <summary>enumTemplate: which provider contexts (providerKey; the type is not applied to changes); null for all.</summary>
    public FwpmProviderContextEnumTemplate0? EnumTemplate { get; set; }

    /// <summary>flags: FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD and/or _ON_DELETE; 0 for both.</summary>
    public uint Flags { get; set; }

    /// <summary>sessionKey: the subscribing session, as the SubscriptionsGet0 functions report it.</summary>
    public Guid SessionKey { get; set; }
}

/// <summary>FWPM_PROVIDER_CHANGE0 (fwpmtypes.h).</summary>
/// <param name="ChangeType">changeType.</param>
/// <param name="ProviderKey">providerKey.</param>
public sealed record FwpmProviderChange0(FwpmChangeType ChangeType, Guid ProviderKey);

/// <summary>FWPM_SUBLAYER_CHANGE0 (fwpmtypes.h).</summary>
/// <param name="ChangeType">changeType.</param>
/// <param name="SubLayerKey">subLayerKey.</param>
public sealed record FwpmSubLayerChange0(FwpmChangeType ChangeType, Guid SubLayerKey);

/// <summary>FWPM_CALLOUT_CHANGE0 (fwpmtypes.h).</summary>
/// <param name="ChangeType">changeType.</param>
/// <param name="CalloutKey">calloutKey.</param>
/// <param name="CalloutId">calloutId.</param>
public sealed record FwpmCalloutChange0(FwpmChangeType ChangeType, Guid CalloutKey, uint CalloutId);

/// <summary>FWPM_PROVIDER_CONTEXT_CHANGE0 (fwpmtypes.h).</summary>
/// <param name="ChangeType">changeType.</param>
/// <param name="ProviderContextKey">providerContextKey.</param>
/// <param name="ProviderContextId">providerContextId.</param>
public sealed record FwpmProviderContextChange0(FwpmChangeType ChangeType, Guid ProviderContextKey, ulong ProviderContextId);

/// <summary>FWPM_PROVIDER_CHANGE_CALLBACK0 (fwpmu.h).</summary>
/// <param name="context">The context given to <see cref="Fwpm.ProviderSubscribeChanges0"/>.</param>
/// <param name="change">The change.</param>
public delegate void FwpmProviderChangeCallback0(object? context, FwpmProviderChange0 change);

/// <summary>FWPM_SUBLAYER_CHANGE_CALLBACK0 (fwpmu.h).</summary>
/// <param name="context">The context given to <see cref="Fwpm.SubLayerSubscribeChanges0"/>.</param>
/// <param name="change">The change.</param>
public delegate void FwpmSubLayerChangeCallback0(object? context, FwpmSubLayerChange0 change);

/// <summary>FWPM_CALLOUT_CHANGE_CALLBACK0 (fwpmu.h).</summary>
/// <param name="context">The context given to <see cref="Fwpm.CalloutSubscribeChanges0"/>.</param>
/// <param name="change">The change.</param>
public delegate void FwpmCalloutChangeCallback0(object? context, FwpmCalloutChange0 change);

/// <summary>FWPM_PROVIDER_CONTEXT_CHANGE_CALLBACK0 (fwpmu.h).</summary>
/// <param name="context">The context given to <see cref="Fwpm.ProviderContextSubscribeChanges0"/>.</param>
/// <param name="change">The change.</param>
public delegate void FwpmProviderContextChangeCallback0(object? context, FwpmProviderContextChange0 change);

/// <summary>One change subscription in force, any kind (<see cref="BfeClient.GetChangeSubscriptionsAsync"/>).</summary>
/// <param name="SessionKey">The subscribing session.</param>
/// <param name="ObjectTypes">The kinds it covers; empty for all.</param>
/// <param name="Flags">FWPM_SUBSCRIPTION_FLAG_*; 0 for adds and deletes.</param>
/// <param name="ProviderKey">Only objects of this provider, or null.</param>
/// <param name="LayerKey">Callouts and filters: only this layer's, or null.</param>
/// <param name="FilterTemplate">Filters: the template, or null.</param>
public sealed record BfeChangeSubscription(Guid SessionKey, IReadOnlyList<BfeObjectType> ObjectTypes, uint Flags, Guid? ProviderKey, Guid? LayerKey, FwpmFilterEnumTemplate0? FilterTemplate)
{
    /// <summary>Whether the subscription reports changes of <paramref name="type"/>.</summary>
    /// <param name="type">The kind.</param>
    /// <returns>True when it covers it.</returns>
    public bool Covers(BfeObjectType type) => ObjectTypes.Count == 0 || ObjectTypes.Contains(type);
}
