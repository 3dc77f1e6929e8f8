using OpenWfp.Dataplane.Rules;

namespace OpenWfp.Dataplane.Live;

/// <summary>How the live data plane meets the kernel (docs/DATAPLANE.md). wfpd fills it from its config file.</summary>
public sealed class DataplaneOptions
{
    /// <summary>The first NFQUEUE number; queues <c>QueueNumber</c> … <c>QueueNumber + QueueCount − 1</c> are used.</summary>
    public ushort QueueNumber { get; init; } = 7000;

    /// <summary>
    /// How many queues, each read by its own thread. With more than one, the rules spread packets with
    /// <c>--queue-balance</c>, whose hash is symmetric in the addresses, so both directions of a flow reach the same
    /// thread (and the same shim flow table).
    /// </summary>
    public ushort QueueCount { get; init; } = 1;

    /// <summary>
    /// Fail-open: while wfpd is down the queue rules let packets pass (<c>--queue-bypass</c>), and while it is
    /// overloaded the kernel accepts what the queue cannot hold (NFQA_CFG_F_FAIL_OPEN). Off by default: packets that
    /// need a decision are dropped when nobody can decide them.
    /// </summary>
    public bool FailOpen { get; init; }

    /// <summary>The mark bits wfpd owns (always used with their mask).</summary>
    public MarkBits Marks { get; init; } = MarkBits.Default;

    /// <summary>
    /// The eBPF data plane decides ALE_AUTH_CONNECT in the kernel and marks the sockets it permitted with
    /// <see cref="MarkBits.Kernel"/>: the rules let their new connections pass without queueing them (docs/DATAPLANE.md,
    /// "Hand-over between the data planes"). False: every connection's first packet comes to wfpd, as without eBPF.
    /// </summary>
    public bool KernelDecidesConnect { get; init; }

    /// <summary>Packets the kernel may hold for wfpd per queue (NFQA_CFG_QUEUE_MAXLEN).</summary>
    public uint QueueMaxLength { get; init; } = 4096;

    /// <summary>The decision for a packet the shim cannot parse; null: block when fail-closed, permit when fail-open.</summary>
    public bool? PermitMalformed { get; init; }

    /// <summary>Find the process behind new connections (ALE_APP_ID, ALE_USER_ID) when a filter reads them, and for net events.</summary>
    public bool ProcessIdentity { get; init; } = true;

    /// <summary>
    /// Most packets one queue keeps without a verdict while callouts wait for more stream data, defer, or pend
    /// (docs/DATAPLANE.md, Held packets). Past it the oldest held packet gets the default decision. The kernel's queue
    /// (<see cref="QueueMaxLength"/>) holds them, so this stays well below it.
    /// </summary>
    public int MaxHeldPackets { get; init; } = 1024;

    /// <summary>
    /// How long one packet may stay in classification before the watchdog gives it the default decision and replaces
    /// the queue's thread (a callout that hangs must not stop the traffic; docs/DATAPLANE.md, A callout that hangs).
    /// <see cref="TimeSpan.Zero"/> or less turns the watchdog off.
    /// </summary>
    public TimeSpan ClassifyDeadline { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Prefix of the iptables chains wfpd owns (tests use their own).</summary>
    public string ChainPrefix { get; init; } = "OPENWFP";

    /// <summary>Where progress and problems are reported (one line each); null: nowhere.</summary>
    public Action<DataplaneLogLevel, string>? Log { get; init; }
}

/// <summary>How much a data-plane log line matters.</summary>
public enum DataplaneLogLevel
{
    /// <summary>Progress.</summary>
    Information,

    /// <summary>Something the operator should look at.</summary>
    Warning,

    /// <summary>Something failed.</summary>
    Error,
}
