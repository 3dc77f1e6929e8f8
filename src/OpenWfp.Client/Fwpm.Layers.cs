using static OpenWfp.Client.FwpmConstants;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>FwpmLayer*, FwpmSessionEnum0, and the change subscriptions of every object kind.</summary>
public static partial class Fwpm
{
    /// <summary>FwpmLayerCreateEnumHandle0: takes a snapshot of the layers.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Reserved (FWPM_LAYER_ENUM_TEMPLATE0); null.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint LayerCreateEnumHandle0(FwpmEngineHandle engineHandle, object? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumLayersAsync(), out enumHandle);

    /// <summary>FwpmLayerEnum0: the next layers of the snapshot.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint LayerEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out FwpmLayer0[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmLayerDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint LayerDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmLayerGetByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The layer's key.</param>
    /// <param name="layer">The layer; null on failure.</param>
    /// <returns>ERROR_SUCCESS or FWP_E_LAYER_NOT_FOUND.</returns>
    public static uint LayerGetByKey0(FwpmEngineHandle engineHandle, Guid key, out FwpmLayer0? layer) =>
        Run(engineHandle, c => c.GetLayerAsync(key), out layer);

    /// <summary>FwpmLayerGetById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The layer's run-time id.</param>
    /// <param name="layer">The layer; null on failure.</param>
    /// <returns>ERROR_SUCCESS or FWP_E_LAYER_NOT_FOUND.</returns>
    public static uint LayerGetById0(FwpmEngineHandle engineHandle, ushort id, out FwpmLayer0? layer) =>
        Run(engineHandle, c => c.GetLayerAsync(id), out layer);

    /// <summary>FwpmSessionCreateEnumHandle0: takes a snapshot of the open sessions.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Reserved (FWPM_SESSION_ENUM_TEMPLATE0); null.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint SessionCreateEnumHandle0(FwpmEngineHandle engineHandle, object? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumSessionsAsync(), out enumHandle);

    /// <summary>FwpmSessionEnum0: the next sessions of the snapshot.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint SessionEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out FwpmSession0[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmSessionDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint SessionDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmProviderSubscribeChanges0: <paramref name="callback"/> is called for each provider another session adds or deletes.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subscription">Which changes.</param>
    /// <param name="callback">Called on a thread-pool thread, one change at a time.</param>
    /// <param name="context">Passed to the callback.</param>
    /// <param name="changeHandle">The subscription handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderSubscribeChanges0(FwpmEngineHandle engineHandle, FwpmProviderSubscription0 subscription, FwpmProviderChangeCallback0 callback, object? context, out FwpmChangeHandle changeHandle) =>
        SubscribeChanges(
            engineHandle,
            subscription is null || callback is null ? null : ClientMap.SubscribeRequest([BfeObjectType.Provider], subscription.Flags, null, subscription.EnumTemplate?.ProviderKey, null),
            BfeObjectType.Provider,
            c => callback!(context, new FwpmProviderChange0(c.ChangeType, c.Key)),
            out changeHandle);

    /// <summary>FwpmProviderUnsubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle the subscription was made with.</param>
    /// <param name="changeHandle">The subscription handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint ProviderUnsubscribeChanges0(FwpmEngineHandle engineHandle, FwpmChangeHandle changeHandle) => FilterUnsubscribeChanges0(engineHandle, changeHandle);

    /// <summary>FwpmProviderSubscriptionsGet0: the provider subscriptions in force, every session's.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="entries">The subscriptions.</param>
    /// <param name="numEntries">Their number.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderSubscriptionsGet0(FwpmEngineHandle engineHandle, out FwpmProviderSubscription0[] entries, out uint numEntries) =>
        SubscriptionsGet(engineHandle, BfeObjectType.Provider, s => new FwpmProviderSubscription0
        {
            EnumTemplate = s.ProviderKey is null ? null : new FwpmProviderEnumTemplate0 { ProviderKey = s.ProviderKey },
            Flags = s.Flags,
            SessionKey = s.SessionKey,
        }, out entries, out numEntries);

    /// <summary>FwpmSubLayerSubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subscription">Which changes (providerKey).</param>
    /// <param name="callback">Called on a thread-pool thread, one change at a time.</param>
    /// <param name="context">Passed to the callback.</param>
    /// <param name="changeHandle">The subscription handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint SubLayerSubscribeChanges0(FwpmEngineHandle engineHandle, FwpmSubLayerSubscription0 subscription, FwpmSubLayerChangeCallback0 callback, object? context, out FwpmChangeHandle changeHandle) =>
        SubscribeChanges(
            engineHandle,
            subscription is null || callback is null ? null : ClientMap.SubscribeRequest([BfeObjectType.Sublayer], subscription.Flags, null, subscription.EnumTemplate?.ProviderKey, null),
            BfeObjectType.Sublayer,
            c => callback!(context, new FwpmSubLayerChange0(c.ChangeType, c.Key)),
            out changeHandle);

    /// <summary>FwpmSubLayerUnsubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle the subscription was made with.</param>
    /// <param name="changeHandle">The subscription handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint SubLayerUnsubscribeChanges0(FwpmEngineHandle engineHandle, FwpmChangeHandle changeHandle) => FilterUnsubscribeChanges0(engineHandle, changeHandle);

    /// <summary>FwpmSubLayerSubscriptionsGet0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="entries">The subscriptions.</param>
    /// <param name="numEntries">Their number.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint SubLayerSubscriptionsGet0(FwpmEngineHandle engineHandle, out FwpmSubLayerSubscription0[] entries, out uint numEntries) =>
        SubscriptionsGet(engineHandle, BfeObjectType.Sublayer, s => new FwpmSubLayerSubscription0
        {
            EnumTemplate = s.ProviderKey is null ? null : new FwpmSubLayerEnumTemplate0 { ProviderKey = s.ProviderKey },
            Flags = s.Flags,
            SessionKey = s.SessionKey,
        }, out entries, out numEntries);

    /// <summary>FwpmCalloutSubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subscription">Which changes (providerKey, layerKey).</param>
    /// <param name="callback">Called on a thread-pool thread, one change at a time.</param>
    /// <param name="context">Passed to the callback.</param>
    /// <param name="changeHandle">The subscription handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint CalloutSubscribeChanges0(FwpmEngineHandle engineHandle, FwpmCalloutSubscription0 subscription, FwpmCalloutChangeCallback0 callback, object? context, out FwpmChangeHandle changeHandle) =>
        SubscribeChanges(
            engineHandle,
            subscription is null || callback is null ? null : ClientMap.SubscribeRequest([BfeObjectType.Callout], subscription.Flags, null, subscription.EnumTemplate?.ProviderKey, subscription.EnumTemplate?.LayerKey),
            BfeObjectType.Callout,
            c => callback!(context, new FwpmCalloutChange0(c.ChangeType, c.Key, (uint)c.Id)),
            out changeHandle);

    /// <summary>FwpmCalloutUnsubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle the subscription was made with.</param>
    /// <param name="changeHandle">The subscription handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint CalloutUnsubscribeChanges0(FwpmEngineHandle engineHandle, FwpmChangeHandle changeHandle) => FilterUnsubscribeChanges0(engineHandle, changeHandle);

    /// <summary>FwpmCalloutSubscriptionsGet0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="entries">The subscriptions.</param>
    /// <param name="numEntries">Their number.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint CalloutSubscriptionsGet0(FwpmEngineHandle engineHandle, out FwpmCalloutSubscription0[] entries, out uint numEntries) =>
        SubscriptionsGet(engineHandle, BfeObjectType.Callout, s => new FwpmCalloutSubscription0
        {
            EnumTemplate = s.ProviderKey is null && s.LayerKey is null ? null : new FwpmCalloutEnumTemplate0 { ProviderKey = s.ProviderKey, LayerKey = s.LayerKey ?? Guid.Empty },
            Flags = s.Flags,
            SessionKey = s.SessionKey,
        }, out entries, out numEntries);

    /// <summary>FwpmProviderContextSubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subscription">Which changes (providerKey).</param>
    /// <param name="callback">Called on a thread-pool thread, one change at a time.</param>
    /// <param name="context">Passed to the callback.</param>
    /// <param name="changeHandle">The subscription handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderContextSubscribeChanges0(FwpmEngineHandle engineHandle, FwpmProviderContextSubscription0 subscription, FwpmProviderContextChangeCallback0 callback, object? context, out FwpmChangeHandle changeHandle) =>
        SubscribeChanges(
            engineHandle,
            subscription is null || callback is null ? null : ClientMap.SubscribeRequest([BfeObjectType.ProviderContext], subscription.Flags, null, subscription.EnumTemplate?.ProviderKey, null),
            BfeObjectType.ProviderContext,
            c => callback!(context, new FwpmProviderContextChange0(c.ChangeType, c.Key, c.Id)),
            out changeHandle);

    /// <summary>FwpmProviderContextUnsubscribeChanges0.</summary>
    /// <param name="engineHandle">The engine handle the subscription was made with.</param>
    /// <param name="changeHandle">The subscription handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint ProviderContextUnsubscribeChanges0(FwpmEngineHandle engineHandle, FwpmChangeHandle changeHandle) => FilterUnsubscribeChanges0(engineHandle, changeHandle);

    /// <summary>FwpmProviderContextSubscriptionsGet0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="entries">The subscriptions.</param>
    /// <param name="numEntries">Their number.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderContextSubscriptionsGet0(FwpmEngineHandle engineHandle, out FwpmProviderContextSubscription0[] entries, out uint numEntries) =>
        SubscriptionsGet(engineHandle, BfeObjectType.ProviderContext, s => new FwpmProviderContextSubscription0
        {
            EnumTemplate = s.ProviderKey is null ? null : new FwpmProviderContextEnumTemplate0 { ProviderKey = s.ProviderKey },
            Flags = s.Flags,
            SessionKey = s.SessionKey,
        }, out entries, out numEntries);

    /// <summary>FwpmFilterSubscriptionsGet0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="entries">The subscriptions.</param>
    /// <param name="numEntries">Their number.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint FilterSubscriptionsGet0(FwpmEngineHandle engineHandle, out FwpmFilterSubscription0[] entries, out uint numEntries) =>
        SubscriptionsGet(engineHandle, BfeObjectType.Filter, s => new FwpmFilterSubscription0
        {
            EnumTemplate = s.FilterTemplate,
            Flags = s.Flags,
            SessionKey = s.SessionKey,
        }, out entries, out numEntries);

    /// <summary>Starts a change subscription of one kind; a null request means a missing structure or callback.</summary>
    private static uint SubscribeChanges(FwpmEngineHandle engineHandle, V1.SubscribeChangesRequest? request, BfeObjectType type, Action<BfeChange> deliver, out FwpmChangeHandle changeHandle)
    {
        changeHandle = new FwpmChangeHandle(null, null);
        if (request is null)
        {
            return Null(engineHandle);
        }

        var code = Run(
            engineHandle,
            c => Subscription.StartAsync(c, o => c.Raw.SubscribeChanges(request, o), (V1.ChangeEvent e) =>
            {
                var change = ClientMap.ToChange(e);
                if (change.ObjectType == type || change.ObjectType == BfeObjectType.Unspecified)
                {
                    deliver(change);
                }
            }),
            out var started);
        if (started is not null)
        {
            changeHandle = new FwpmChangeHandle(engineHandle, started);
        }

        return code;
    }

    private static uint SubscriptionsGet<T>(FwpmEngineHandle engineHandle, BfeObjectType type, Func<BfeChangeSubscription, T> map, out T[] entries, out uint numEntries)
    {
        var code = Run(engineHandle, c => c.GetChangeSubscriptionsAsync(), out var all);
        entries = code == ERROR_SUCCESS ? [.. all!.Where(s => s.Covers(type)).Select(map)] : [];
        numEntries = (uint)entries.Length;
        return code;
    }
}
