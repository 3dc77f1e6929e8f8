using System.Net;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;

namespace OpenWfp.Client;

/// <summary>
/// One net event (FWPM_NET_EVENT header with its CLASSIFY_DROP / CLASSIFY_ALLOW member, fwpmtypes.h; docs/WFPD.md, Net events), flattened, with
/// the per-sublayer terminating filters that netsh shows as <c>terminatingFiltersInfo</c>.
/// </summary>
public sealed record FwpmNetEvent
{
    /// <summary>header.timeStamp.</summary>
    public DateTimeOffset TimeStamp { get; init; }

    /// <summary>type: FWPM_NET_EVENT_TYPE (<see cref="FwpmConstants.FWPM_NET_EVENT_TYPE_CLASSIFY_DROP"/>, <see cref="FwpmConstants.FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW"/>).</summary>
    public uint Type { get; init; }

    /// <summary>header.ipVersion: 4 or 6; 0 when not set.</summary>
    public uint IpVersion { get; init; }

    /// <summary>header.ipProtocol.</summary>
    public byte IpProtocol { get; init; }

    /// <summary>header.localAddrV4/V6, or null when not set.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>header.remoteAddrV4/V6, or null when not set.</summary>
    public IPAddress? RemoteAddress { get; init; }

    /// <summary>header.localPort.</summary>
    public ushort LocalPort { get; init; }

    /// <summary>header.remotePort.</summary>
    public ushort RemotePort { get; init; }

    /// <summary>header.appId (the ALE_APP_ID blob), or null.</summary>
    public byte[]? AppId { get; init; }

    /// <summary>header.userId, or null.</summary>
    public Sid? UserId { get; init; }

    /// <summary>filterId: the filter that decided.</summary>
    public ulong FilterId { get; init; }

    /// <summary>layerId: the run-time layer id.</summary>
    public ushort LayerId { get; init; }

    /// <summary>The layer's name (OpenWfp extension).</summary>
    public string LayerName { get; init; } = "";

    /// <summary>msFwpDirection: <see cref="FwpmConstants.FWP_DIRECTION_IN"/>, <see cref="FwpmConstants.FWP_DIRECTION_OUT"/> or <see cref="FwpmConstants.FWP_DIRECTION_FORWARD"/>.</summary>
    public uint Direction { get; init; }

    /// <summary>isLoopback.</summary>
    public bool IsLoopback { get; init; }

    /// <summary>reauthReason.</summary>
    public uint ReauthReason { get; init; }

    /// <summary>OpenWfp extension: the run-time id of the callout whose filter decided, 0 if none.</summary>
    public uint CalloutId { get; init; }

    /// <summary>OpenWfp extension: what that callout said about its decision (an HTTP request line, a DNS name), or null.</summary>
    public string? CalloutDetail { get; init; }

    /// <summary>The terminating filter of each sublayer that had one.</summary>
    public IReadOnlyList<FwpmTerminatingFilter> TerminatingFilters { get; init; } = [];

    /// <summary>The daemon's sequence number: one more per event written; a gap means events were overwritten.</summary>
    public ulong Sequence { get; init; }
}

/// <summary>One entry of a net event's terminating filters.</summary>
/// <param name="FilterId">The filter.</param>
/// <param name="SublayerKey">Its sublayer.</param>
/// <param name="Action">Its action (FWP_ACTION_TYPE).</param>
public sealed record FwpmTerminatingFilter(ulong FilterId, Guid SublayerKey, ActionType Action);
