using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Model;

namespace OpenWfp.Shim;

/// <summary>How a <see cref="PacketShim"/> maps packets to layers and keeps flows.</summary>
public sealed class ShimOptions
{
    /// <summary>This host's addresses (<c>--local</c>); empty means direction comes from the capture or each flow's first packet.</summary>
    public LocalNetworks LocalNetworks { get; init; } = LocalNetworks.None;

    /// <summary>
    /// The decision for frames that cannot be classified at all (link or IP header truncated or malformed, unknown
    /// link type). Permit by default, like a stack that never delivers such a frame to WFP; live data planes that
    /// fail closed set <see cref="ActionType.Block"/>.
    /// </summary>
    public ActionType UnparsedDecision { get; init; } = ActionType.Permit;

    /// <summary>Most ALE flows kept at once; the least recently seen flow of a full probe window is evicted.</summary>
    public int FlowCapacity { get; init; } = 65_536;

    /// <summary>Idle time after which a TCP flow is forgotten (a new packet then starts a new flow).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Idle time after which a UDP, ICMP or other flow — or a blocked flow — is forgotten (Windows' default for UDP and ICMP flows is 60 s; docs/LAYERS.md, Lifetime).</summary>
    public TimeSpan DatagramIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a TCP flow is kept after a RST or FINs from both sides (for late retransmissions).</summary>
    public TimeSpan ClosedTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after this host sends to a multicast or broadcast address replies from anyone to the sending port are
    /// let in without ALE_AUTH_RECV_ACCEPT (docs/SHIM.md, "Multicast and broadcast"). Four seconds is WFP's default
    /// (Microsoft Learn, "ALE Multicast/Broadcast Traffic"); only further outbound traffic extends it.
    /// </summary>
    public TimeSpan MulticastResponseWindow { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Most datagrams reassembled at once (docs/SHIM.md, "Fragments"); each takes a 66 KiB buffer the first time it is
    /// needed, so this bounds reassembly memory. When full, the oldest pending datagram is dropped.
    /// </summary>
    public int ReassemblyMaxDatagrams { get; init; } = 64;

    /// <summary>
    /// How long fragments wait for the rest of their datagram, and how long a dropped datagram's late fragments are
    /// still dropped. 60 s is RFC 8200's reassembly timeout and longer than Linux's 30 s (ipfrag_time), so this host
    /// never forgets a datagram a receiver is still assembling.
    /// </summary>
    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Interface index used when neither the caller nor the capture (SLL2) gives one.</summary>
    public uint DefaultInterfaceIndex { get; init; } = 1;

    /// <summary>Finds the application and user behind a new flow (live data planes); null leaves ALE_APP_ID and ALE_USER_ID empty.</summary>
    public IFlowOwnerSource? FlowOwners { get; init; }

    /// <summary>
    /// Most bytes one direction of one TCP connection may hold for STREAM (out-of-order data and data a callout asked
    /// more of); past it the callout is called with FWPS_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED (docs/SHIM.md, "Stream").
    /// </summary>
    public int StreamMaxBytesPerDirection { get; init; } = 256 * 1024;

    /// <summary>
    /// Most bytes all connections of this shim may hold for STREAM. Past it, the connection that needs more is reset
    /// (fail-closed: its data is never delivered uninspected) and counted (docs/SHIM.md, "Stream").
    /// </summary>
    public long StreamMaxBytesTotal { get; init; } = 64L * 1024 * 1024;

    /// <summary>Where callouts inject packets and stream data (the live data plane, or a recorder offline); null: injection fails with <see cref="InjectStatus.NotSupported"/>.</summary>
    public IPacketInjector? Injector { get; init; }
}
