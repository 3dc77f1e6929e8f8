using OpenWfp.Engine.Model;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

/// <summary>How the shim placed a packet relative to this host.</summary>
public enum TrafficDirection : byte
{
    /// <summary>Not decided (the frame did not parse, or carries no IP).</summary>
    Unknown = 0,
    /// <summary>Sent by this host: ALE_AUTH_CONNECT, OUTBOUND_TRANSPORT, OUTBOUND_IPPACKET, OUTBOUND_MAC_FRAME.</summary>
    Outbound = 1,
    /// <summary>Received by this host: INBOUND_MAC_FRAME, INBOUND_IPPACKET, INBOUND_TRANSPORT, ALE_AUTH_RECV_ACCEPT.</summary>
    Inbound = 2,
    /// <summary>Both ends are this host: the outbound layers, then the inbound ones, with FLAGS IS_LOOPBACK.</summary>
    Loopback = 3,
    /// <summary>Neither end is this host: IPFORWARD.</summary>
    Forward = 4,
}

/// <summary>Why the shim decided as it did.</summary>
public enum ShimReason : byte
{
    /// <summary>Every layer the packet met was classified (or had no filters); the verdict is theirs.</summary>
    Classified = 0,
    /// <summary>The packet belongs to a flow an ALE layer blocked earlier: dropped without classifying again.</summary>
    FlowBlocked = 1,
    /// <summary>A fragment of a datagram that was dropped (one of its fragments, or the rebuilt datagram, was blocked).</summary>
    FragmentOfBlocked = 2,
    /// <summary>The frame could not be parsed far enough to classify: the configured default decision.</summary>
    Unparsed = 3,
    /// <summary>
    /// A fragment that passed the IP packet layers and is held until its datagram is whole (permitted: a receiver
    /// cannot deliver anything before the fragment that completes the datagram, which carries the datagram's verdict).
    /// </summary>
    FragmentHeld = 4,
    /// <summary>A fragment that overlaps its datagram's earlier fragments with different bytes: the whole datagram is dropped.</summary>
    FragmentOverlap = 5,
    /// <summary>A fragment that cannot belong to a valid datagram (bad length, beyond the end, too large), or the datagram's table slot was needed: dropped with its datagram.</summary>
    FragmentInvalid = 6,
    /// <summary>
    /// The packet's verdict waits (a stream callout asked for more data or deferred, or an ALE callout pended): the
    /// data plane keeps it and gets its verdict later from <see cref="PacketShim.DrainReleases"/>, by its packet tag.
    /// </summary>
    Held = 7,
    /// <summary>A stream callout dropped the connection (FWPS_STREAM_ACTION_DROP_CONNECTION), or its stream ran out of buffer: both ends are reset.</summary>
    ConnectionDropped = 8,
}

/// <summary>The verdict of a packet the shim held, once decided.</summary>
/// <param name="PacketTag">The tag the data plane gave the packet in <see cref="PacketShim.Process"/>.</param>
/// <param name="Action">PERMIT or BLOCK.</param>
/// <param name="Reclassify">
/// True for a pended ALE classification the callout completed: the data plane sends the packet through the layers
/// again (live: NF_REPEAT without a mark, so it is queued again), and the callout answers then.
/// </param>
/// <param name="ResetConnection">True when the connection is to be reset (both ends) rather than the packet just dropped.</param>
public readonly record struct ShimRelease(ulong PacketTag, ActionType Action, bool Reclassify, bool ResetConnection);

/// <summary>The shim's decision for one packet.</summary>
public readonly record struct ShimVerdict
{
    /// <summary>No layer.</summary>
    public const ushort NoLayer = ushort.MaxValue;

    /// <summary><see cref="ActionType.Permit"/> or <see cref="ActionType.Block"/>.</summary>
    public ActionType Action { get; init; }

    /// <summary>Why.</summary>
    public ShimReason Reason { get; init; }

    /// <summary>
    /// The layer that blocked; for a permit, the last layer whose filter explicitly permitted; <see cref="NoLayer"/> when
    /// no filter matched anywhere.
    /// </summary>
    public ushort LayerId { get; init; }

    /// <summary>The deciding filter (as <see cref="LayerId"/>), 0 when none.</summary>
    public ulong FilterId { get; init; }

    /// <summary>True when the block carried FWPS_CLASSIFY_OUT_FLAG_ABSORB (silent drop).</summary>
    public bool Absorbed { get; init; }

    /// <summary>The direction the shim gave the packet.</summary>
    public TrafficDirection Direction { get; init; }

    /// <summary>The ALE flow the packet belongs to (0 when none).</summary>
    public ulong FlowId { get; init; }

    /// <summary>
    /// True when the packet's flow is permitted and past ALE_FLOW_ESTABLISHED (a non-TCP flow once authorized, a TCP
    /// flow once its handshake completed): no later packet of it needs an ALE layer. A live data plane then keeps the
    /// rest of the flow in the kernel.
    /// </summary>
    public bool FlowEstablished { get; init; }

    /// <summary>
    /// True when an ALE layer blocked the packet's flow (now or earlier), as opposed to a per-packet layer blocking
    /// this packet only: every later packet of the flow is dropped too.
    /// </summary>
    public bool FlowBlocked { get; init; }

    /// <summary>The parser's status for the frame.</summary>
    public ParseStatus ParseStatus { get; init; }

    /// <summary>
    /// The packet's protocol, addresses and ports, oriented to this host as the shim classified it: local is this
    /// host's end, and <see cref="FlowTuple.Outbound"/> says whether the packet was seen leaving it (for loopback
    /// traffic, the side that decided: the sending side when the outbound layers blocked, else the receiving side; a
    /// forwarded packet is oriented as sent by its source). ICMP carries its type and code as the local and remote
    /// port, as IP_LOCAL_PORT and IP_REMOTE_PORT do. Default (IP version 0) when the frame carried no IP packet the
    /// shim could read. A live data plane uses it instead of parsing the packet again.
    /// </summary>
    public FlowTuple Tuple { get; init; }

    /// <summary>The TCP header's flags (none for other protocols).</summary>
    public TcpFlags TcpFlags { get; init; }

    /// <summary>
    /// The owner of the flow's local end as the shim's flow table knows it (see <see cref="OwnerLookedUp"/>); default
    /// when the packet belongs to no flow or nobody looked.
    /// </summary>
    public FlowOwner Owner { get; init; }

    /// <summary>
    /// True when the shim asked <see cref="ShimOptions.FlowOwners"/> for this packet's flow (it does so only when an
    /// ALE filter reads the application or user): <see cref="Owner"/> then holds the answer, empty when it found none,
    /// and asking again would only repeat the lookup.
    /// </summary>
    public bool OwnerLookedUp { get; init; }

    /// <summary>
    /// True when the data plane must reset the connection: a RST to the peer and the local socket aborted, and the rest
    /// of the connection dropped (FWPS_STREAM_ACTION_DROP_CONNECTION, or a stream out of buffer).
    /// </summary>
    public bool ResetConnection { get; init; }

    /// <summary>
    /// True when the segment overlapped stream bytes already seen with different bytes (an evasion attempt; the first
    /// bytes won, docs/SHIM.md "Stream"): a data plane may report it as a net event.
    /// </summary>
    public bool StreamOverlapConflict { get; init; }

    /// <summary>True when the verdict waits (<see cref="ShimReason.Held"/>): give the packet no verdict now.</summary>
    public bool Held => Reason == ShimReason.Held;

    /// <summary>
    /// True when the packet must go on in a changed form (a callout's stream edit, or sequence numbers shifted by an
    /// earlier edit of a different length): its new bytes are <see cref="PacketShim.ModifiedPacket"/>, valid until the next call.
    /// </summary>
    public bool Modified { get; init; }

    /// <summary>True for a permit.</summary>
    public bool IsPermitted => Action != ActionType.Block;
}

/// <summary>Running totals of one shim.</summary>
public struct ShimCounters
{
    /// <summary>Packets processed.</summary>
    public long Packets;

    /// <summary>Packets permitted.</summary>
    public long Permitted;

    /// <summary>Packets blocked (by a layer, a blocked flow or a blocked first fragment).</summary>
    public long Blocked;

    /// <summary>Frames given the default decision because they could not be parsed.</summary>
    public long Unparsed;

    /// <summary>Frames without IP (ARP, …); they meet the MAC layers only.</summary>
    public long NotIp;

    /// <summary>ALE flows created.</summary>
    public long Flows;

    /// <summary>Packets dropped because their flow had been blocked.</summary>
    public long FlowBlockedDrops;

    /// <summary>ALE reauthorizations after a policy change.</summary>
    public long Reauthorizations;

    /// <summary>Classifications at all layers.</summary>
    public long Classifications;

    /// <summary>Callouts that threw (each acted as unregistered).</summary>
    public long CalloutFaults;

    /// <summary>Fragments held for reassembly (permitted, their datagram not yet whole).</summary>
    public long FragmentsHeld;

    /// <summary>Datagrams rebuilt from fragments and classified whole.</summary>
    public long DatagramsReassembled;

    /// <summary>Inbound packets let in as replies within an outbound multicast or broadcast flow's window.</summary>
    public long MulticastResponses;

    /// <summary>Classifications at *_DISCARD layers (only layers with filters are classified).</summary>
    public long DiscardClassifications;

    /// <summary>Fragments dropped without classifying: overlapping, invalid, or of a datagram already dropped.</summary>
    public long FragmentsDropped;

    /// <summary>STREAM classifications (each a stretch of in-order data or a FIN/RST).</summary>
    public long StreamIndications;

    /// <summary>TCP segments that arrived before the data preceding them and were buffered.</summary>
    public long StreamOutOfOrder;

    /// <summary>Retransmitted or overlapping stream bytes that repeated what was already seen.</summary>
    public long StreamRetransmittedBytes;

    /// <summary>Overlapping segments whose bytes differed from what was already seen (an evasion technique); the first bytes win.</summary>
    public long StreamOverlapConflicts;

    /// <summary>Connections reset because their stream could not be buffered within the per-direction or global bound.</summary>
    public long StreamBufferResets;

    /// <summary>Connections reset by a callout (FWPS_STREAM_ACTION_DROP_CONNECTION).</summary>
    public long StreamDroppedConnections;

    /// <summary>Packets whose verdict was held (NEED_MORE_DATA, DEFER, or a pended ALE classification).</summary>
    public long Held;
}
