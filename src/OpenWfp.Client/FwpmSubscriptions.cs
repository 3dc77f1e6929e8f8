namespace OpenWfp.Client;

/// <summary>FWPM_CHANGE_TYPE (fwpmtypes.h).</summary>
public enum FwpmChangeType : uint
{
    /// <summary>FWPM_CHANGE_ADD: the object was added.</summary>
    Add = 1,

    /// <summary>FWPM_CHANGE_DELETE: the object was deleted.</summary>
    Delete = 2,
}

/// <summary>FWPM_FILTER_SUBSCRIPTION0 (fwpmtypes.h; docs/WFPD.md, The API: change subscriptions).</summary>
public sealed class FwpmFilterSubscription0
{
    /// <summary>enumTemplate: which filters to be told about; null for all.</summary>
    public FwpmFilterEnumTemplate0? EnumTemplate { get; set; }

    /// <summary>flags: <see cref="FwpmConstants.FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD"/> and/or <see cref="FwpmConstants.FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE"/>; 0 for both.</summary>
    public uint Flags { get; set; }

    /// <summary>sessionKey: output on Windows (FwpmFilterSubscriptionsGet0); not used here.</summary>
    public Guid SessionKey { get; set; }
}

/// <summary>FWPM_FILTER_CHANGE0 (fwpmtypes.h): one change a filter subscription reports.</summary>
/// <param name="ChangeType">changeType.</param>
/// <param name="FilterKey">filterKey.</param>
/// <param name="FilterId">filterId.</param>
public sealed record FwpmFilterChange0(FwpmChangeType ChangeType, Guid FilterKey, ulong FilterId);

/// <summary>FWPM_FILTER_CHANGE_CALLBACK0 (fwpmu.h): called on a thread-pool thread, one change at a time per subscription.</summary>
/// <param name="context">The context given to <see cref="Fwpm.FilterSubscribeChanges0"/>.</param>
/// <param name="change">The change.</param>
public delegate void FwpmFilterChangeCallback0(object? context, FwpmFilterChange0 change);

/// <summary>FWPM_NET_EVENT_SUBSCRIPTION0 (fwpmtypes.h).</summary>
public sealed class FwpmNetEventSubscription0
{
    /// <summary>enumTemplate: which events to be told about; null for all.</summary>
    public FwpmNetEventEnumTemplate0? EnumTemplate { get; set; }

    /// <summary>flags: unused, as on Windows.</summary>
    public uint Flags { get; set; }

    /// <summary>sessionKey: not used here.</summary>
    public Guid SessionKey { get; set; }
}

/// <summary>FWPM_NET_EVENT_CALLBACK0 (fwpmu.h): called on a thread-pool thread, one event at a time per subscription.</summary>
/// <param name="context">The context given to <see cref="Fwpm.NetEventSubscribe0"/>.</param>
/// <param name="netEvent">The event.</param>
public delegate void FwpmNetEventCallback0(object? context, FwpmNetEvent netEvent);

/// <summary>FWPM_ENGINE_OPTION (fwpmtypes.h; docs/WFPD.md, The API: engine options).</summary>
public enum FwpmEngineOption : uint
{
    /// <summary>FWPM_ENGINE_COLLECT_NET_EVENTS: 1 collects net events, 0 stops.</summary>
    CollectNetEvents = 0,

    /// <summary>FWPM_ENGINE_NET_EVENT_MATCH_ANY_KEYWORDS: FWPM_NET_EVENT_KEYWORD_* bits.</summary>
    NetEventMatchAnyKeywords = 1,

    /// <summary>FWPM_ENGINE_NAME_CACHE.</summary>
    NameCache = 2,

    /// <summary>FWPM_ENGINE_MONITOR_IPSEC_CONNECTIONS.</summary>
    MonitorIpsecConnections = 3,

    /// <summary>FWPM_ENGINE_PACKET_QUEUING.</summary>
    PacketQueuing = 4,

    /// <summary>FWPM_ENGINE_TXN_WATCHDOG_TIMEOUT_IN_MSEC.</summary>
    TxnWatchdogTimeoutInMsec = 5,
}
