using System.Diagnostics;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Engine;
using OpenWfp.Engine.Policy;
using OpenWfp.NetEvents;
using OpenWfp.Netlink;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// wfpd's live data plane (docs/DATAPLANE.md): NFQUEUE queues read by worker threads that run the shim, the
/// iptables-nft rules that feed them, and reauthorization of open connections when the policy changes.
/// </summary>
/// <remarks>
/// <para>Start: rules a crashed run left are removed, the queues are bound, and only then are the rules for the current
/// policy installed, so there is never a queue rule without a reader (except while wfpd is down, which is what
/// fail-closed means). Stop: the rules go first, then the queues.</para>
/// <para>On each commit (<see cref="FilterEngine.Committed"/>), before the commit returns to its caller: the rules are
/// changed when the set of layers with filters changed, and when an ALE layer changed, the decision bits of every open
/// connection are cleared through ctnetlink, so each connection's next packet comes back to user space and is
/// reauthorized (docs/LAYERS.md, Reauthorization) — a new block cuts a connection that is already open.</para>
/// </remarks>
public sealed class LiveDataplane : IDisposable
{
    private readonly FilterEngine _engine;
    private readonly NetEventLog? _events;
    private readonly DataplaneOptions _options;
    private readonly RulesManager _rules;
    private readonly List<QueueWorker> _workers = [];
    private readonly Lock _workersLock = new();
    private readonly Lock _commitLock = new();
    private RawInjector? _injector;
    private Thread? _watchdog;
    private volatile bool _watchdogStopping;
    private DataplaneStats _retired;
    private long _workersReplaced;
    private NamespaceThread? _kernel;
    private ConntrackClient? _conntrack;
    private PolicySnapshot? _applied;
    private RulePlan? _plan;
    private long _reauthorizations;
    private long _connectionsReauthorized;
    private bool _started;

    /// <summary>A data plane for <paramref name="engine"/>; nothing touches the kernel before <see cref="Start"/>.</summary>
    /// <param name="engine">The engine whose policy is enforced.</param>
    /// <param name="events">Where drops (and allows, when their keyword is on) are logged; null: nowhere.</param>
    /// <param name="options">Queues, marks, fail-open.</param>
    public LiveDataplane(FilterEngine engine, NetEventLog? events, DataplaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        if (options.QueueCount == 0 || options.QueueNumber + options.QueueCount - 1 > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"queues {options.QueueNumber}+{options.QueueCount}: need 1 or more queues below 65536");
        }

        _engine = engine;
        _events = events;
        _options = options;
        _rules = new RulesManager(options.ChainPrefix);
    }

    /// <summary>The rules in force (null before start).</summary>
    public RulePlan? Plan => _plan;

    /// <summary>
    /// What keeps the data plane from starting on this machine, as one line with the fix, or null: not root, no
    /// iptables-nft.
    /// </summary>
    /// <returns>The problem, or null.</returns>
    public static string? Prerequisites()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the live data plane needs Linux (netfilter); run wfpd with --no-dataplane to serve the API only";
        }

        if (Libc.GetEffectiveUserId() != 0)
        {
            return "the live data plane needs root (CAP_NET_ADMIN) to bind NFQUEUE and change netfilter rules; run wfpd as root, or with --no-dataplane to serve the API only";
        }

        return RulesManager.MissingTools();
    }

    /// <summary>Binds the queues, starts their threads, installs the rules and follows commits.</summary>
    /// <exception cref="NetlinkException">A queue could not be bound (the message says why and what to do).</exception>
    /// <exception cref="RulesException">The rules could not be installed.</exception>
    public void Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("the data plane is already started");
        }

        _started = true;
        try
        {
            // Injection sockets live in the namespace they are opened in: this one.
            try
            {
                _injector = RawInjector.Open(_options.Marks);
            }
            catch (IOException e)
            {
                Log(DataplaneLogLevel.Warning, $"callouts cannot inject packets and connections cannot be reset: {e.Message}");
            }

            // The queues are bound first: if another process (a running wfpd) owns one, this start fails before it
            // touches any rule, so it cannot tear down the rules of the instance that is running.
            for (var i = 0; i < _options.QueueCount; i++)
            {
                var queue = NfQueue.Open(new NfQueueOptions
                {
                    QueueNumber = (ushort)(_options.QueueNumber + i),
                    MaxLength = _options.QueueMaxLength,
                    FailOpen = _options.FailOpen,
                });
                var worker = new QueueWorker(queue, _engine, _events, _options, _injector);
                lock (_workersLock)
                {
                    _workers.Add(worker);
                }

                worker.Start();
            }

            if (_options.ClassifyDeadline > TimeSpan.Zero)
            {
                // Created here, so it is in this namespace too, and so are the replacement workers it starts.
                _watchdog = new Thread(Watch) { IsBackground = true, Name = "wfp queue watchdog" };
                _watchdog.Start();
            }

            // Every later rule change runs on this thread, which stays in the network namespace Start was called in:
            // iptables started from a commit on some other thread must not change another namespace's firewall.
            _kernel = new NamespaceThread("wfp rules");
            if (_kernel.Invoke(_rules.HasRules))
            {
                _kernel.Invoke(_rules.Remove);
                Log(DataplaneLogLevel.Warning, $"removed the {_options.ChainPrefix}-* rules a previous wfpd left behind (it did not stop cleanly)");
            }

            _conntrack = ConntrackClient.Open();
            lock (_commitLock)
            {
                _applied = _engine.Current;
                _plan = RulePlanner.Plan(_applied, _options);
                var plan = _plan;
                _kernel.Invoke(() => _rules.Apply(plan));

                // Connections decided by an earlier run (under whatever policy it had) are decided again under this one.
                var cleared = _conntrack.ClearMarks(_options.Marks.Mask);
                if (cleared > 0)
                {
                    Log(DataplaneLogLevel.Information, $"{cleared} open connections decided by an earlier run will be authorized again under the current policy");
                }
            }

            _engine.Committed += OnCommitted;
            Log(DataplaneLogLevel.Information, $"data plane: {Describe(_plan)}");
        }
        catch
        {
            StopCore();
            throw;
        }
    }

    /// <summary>Removes the rules, then stops the queues. Safe to call more than once.</summary>
    public void Stop() => StopCore();

    /// <summary>Stops (see <see cref="Stop"/>).</summary>
    public void Dispose() => StopCore();

    /// <summary>Bytes the queue threads' loops have allocated since they started (the hot path must add none per packet).</summary>
    internal long LoopAllocatedBytes
    {
        get
        {
            long total = 0;
            lock (_workersLock)
            {
                foreach (var w in _workers)
                {
                    total += w.LoopAllocatedBytes;
                }
            }

            return total;
        }
    }

    /// <summary>Packets the queues hold without a verdict right now (waiting for callouts).</summary>
    internal int HeldNow
    {
        get
        {
            var total = 0;
            lock (_workersLock)
            {
                foreach (var w in _workers)
                {
                    total += w.HeldNow;
                }
            }

            return total;
        }
    }

    /// <summary>Counters of all queues together.</summary>
    /// <returns>A snapshot of the counters.</returns>
    public DataplaneStats Stats()
    {
        DataplaneStats s;
        lock (_workersLock)
        {
            s = _retired;
            foreach (var w in _workers)
            {
                Add(ref s, w);
            }
        }

        s.Reauthorizations = Interlocked.Read(ref _reauthorizations);
        s.ConnectionsReauthorized = Interlocked.Read(ref _connectionsReauthorized);
        s.WorkersReplaced = Interlocked.Read(ref _workersReplaced);
        s.Injected = _injector?.Injected ?? 0;
        s.InjectFailures = _injector?.Failed ?? 0;
        return s;
    }

    private static void Add(ref DataplaneStats s, QueueWorker w)
    {
        {
            var c = w.Counters;
            var shim = w.ShimCounters;
            var q = w.QueueStats;
            s.Packets += c.Packets;
            s.Permitted += c.Permitted;
            s.Blocked += c.Blocked;
            s.UnparsedPackets += c.UnparsedPackets;
            s.UnreadableMessages += c.UnreadableMessages + q.Malformed;
            s.Faults += c.Faults;
            s.ConnectsAborted += c.ConnectsAborted;
            s.KernelErrors += c.KernelErrors + q.VerdictErrors;
            s.Enobufs += q.Enobufs;
            s.BatchedVerdicts += c.BatchedVerdicts;
            s.Flows += shim.Flows;
            s.Classifications += shim.Classifications;
            s.FragmentsHeld += shim.FragmentsHeld;
            s.DatagramsReassembled += shim.DatagramsReassembled;
            s.Held += c.Held;
            s.Released += c.Released;
            s.HeldOverflows += c.HeldOverflows;
            s.ConnectionsReset += c.ConnectionsReset;
            s.Modified += c.Modified;
            s.HeldSentEarly += c.HeldSentEarly;
        }
    }

    /// <summary>
    /// Checks the queue threads a few times per deadline. One whose packet has been in classification past the deadline
    /// (a callout that hangs) is replaced: the queue's socket passes to a new worker with a fresh shim, every packet the
    /// hung worker had received gets the default decision, and the hung thread, if it ever returns, finds itself
    /// abandoned and leaves without touching the queue. The hung callout itself is the engine's to disable.
    /// </summary>
    private void Watch()
    {
        var deadline = _options.ClassifyDeadline;
        var period = TimeSpan.FromTicks(Math.Clamp(deadline.Ticks / 4, TimeSpan.TicksPerMillisecond * 5, TimeSpan.TicksPerSecond));
        var deadlineTicks = (long)(deadline.TotalSeconds * Stopwatch.Frequency);
        while (!_watchdogStopping)
        {
            Thread.Sleep(period);
            var before = Stopwatch.GetTimestamp() - deadlineTicks;
            lock (_workersLock)
            {
                for (var i = 0; i < _workers.Count && !_watchdogStopping; i++)
                {
                    if (_workers[i].IsStuck(before, out var packetId))
                    {
                        _workers[i] = Replace(_workers[i], packetId);
                    }
                }
            }
        }
    }

    private QueueWorker Replace(QueueWorker stuck, uint packetId)
    {
        stuck.Abandon();
        Add(ref _retired, stuck);
        var queue = stuck.Queue.TakeOver();

        // Every packet up to the stuck one is answered now (the stuck one, the hung worker's earlier ones still waiting
        // in its unsent verdicts, and the packets it held); the new worker answers the rest of the hung worker's last
        // batch when its own first packet arrives.
        var fallback = _options.PermitMalformed ?? _options.FailOpen;
        queue.BatchVerdict(packetId, fallback ? NfQueueConstants.NfAccept : NfQueueConstants.NfDrop);
        queue.Flush();
        var worker = new QueueWorker(queue, _engine, _events, _options, _injector, takesOver: true);
        worker.Start();
        Interlocked.Increment(ref _workersReplaced);
        Log(DataplaneLogLevel.Error, $"queue {queue.QueueNumber}: a packet stayed in classification longer than {_options.ClassifyDeadline.TotalMilliseconds:0} ms (a callout hangs): it got the default decision ({(fallback ? "permit" : "block")}) and a new thread reads the queue");
        return worker;
    }

    private void OnCommitted(PolicySnapshot snapshot)
    {
        // Runs on the committing thread, inside the commit: a failure here must not fail a commit that already took
        // effect, so it is logged, and the next commit tries again.
        lock (_commitLock)
        {
            try
            {
                var previous = _applied!;
                _applied = snapshot;
                var plan = RulePlanner.Plan(snapshot, _options);
                if (plan != _plan)
                {
                    _kernel!.Invoke(() => _rules.Apply(plan));
                    _plan = plan;
                    Log(DataplaneLogLevel.Information, $"data plane: {Describe(plan)}");
                }

                var (v4, v6) = RulePlanner.AleChanged(previous, snapshot);
                if ((v4 | v6) != 0 && _conntrack is { } conntrack)
                {
                    // Only the IP versions whose ALE layers changed: the other version's connections keep their decision.
                    var cleared = conntrack.ClearMarks(_options.Marks.Mask, v4 != 0 && v6 != 0 ? (byte)0 : (byte)(v4 | v6));
                    Interlocked.Increment(ref _reauthorizations);
                    Interlocked.Add(ref _connectionsReauthorized, cleared);
                }
            }
            catch (Exception e) when (e is RulesException or NetlinkException or IOException)
            {
                Log(DataplaneLogLevel.Error, $"applying the new policy to the kernel failed: {e.Message}");
            }
        }
    }

    private void StopCore()
    {
        _engine.Committed -= OnCommitted;
        _watchdogStopping = true;
        _watchdog?.Join(TimeSpan.FromSeconds(5));
        _watchdog = null;
        lock (_commitLock)
        {
            if (_started)
            {
                try
                {
                    // No rules thread means Start failed before it touched any rule (e.g. the queue belongs to a running
                    // wfpd): those rules are not ours to remove.
                    _kernel?.Invoke(_rules.Remove);
                }
                catch (RulesException e)
                {
                    Log(DataplaneLogLevel.Error, $"removing the rules failed: {e.Message} (remove them by hand: docs/DATAPLANE.md)");
                }

                _started = false;
            }

            lock (_workersLock)
            {
                foreach (var w in _workers)
                {
                    w.Dispose();
                }

                _workers.Clear();
            }

            _injector?.Dispose();
            _injector = null;
            _conntrack?.Dispose();
            _conntrack = null;
            _kernel?.Dispose();
            _kernel = null;
        }
    }

    private string Describe(RulePlan plan)
    {
        static string Mode(HookMode m) => m switch
        {
            HookMode.FirstPacket => "first packet of each connection",
            HookMode.EveryPacket => "every packet",
            HookMode.TcpPorts => "every TCP packet on the STREAM filters' ports",
            HookMode.FirstPacketAndTcpPorts => "first packet of each connection, every TCP packet on the STREAM filters' ports",
            _ => "nothing",
        };

        var queues = _options.QueueCount == 1 ? $"queue {_options.QueueNumber}" : $"queues {_options.QueueNumber}-{_options.QueueNumber + _options.QueueCount - 1}";
        return $"{queues}, {(_options.FailOpen ? "fail-open" : "fail-closed")}; IPv4 out: {Mode(plan.V4.Output)}, in: {Mode(plan.V4.Input)}, forward: {Mode(plan.V4.Forward)}; "
            + $"IPv6 out: {Mode(plan.V6.Output)}, in: {Mode(plan.V6.Input)}, forward: {Mode(plan.V6.Forward)}";
    }

    private void Log(DataplaneLogLevel level, string message) => _options.Log?.Invoke(level, message);
}

/// <summary>Totals of the live data plane.</summary>
public struct DataplaneStats
{
    /// <summary>Packets the kernel sent to wfpd.</summary>
    public long Packets { get; set; }

    /// <summary>Of those, permitted.</summary>
    public long Permitted { get; set; }

    /// <summary>Of those, blocked.</summary>
    public long Blocked { get; set; }

    /// <summary>Packets the shim could not parse (IP or transport header cut short or invalid); each got the configured default decision.</summary>
    public long UnparsedPackets { get; set; }

    /// <summary>
    /// Netlink messages from the kernel that could not be read (cut short, badly framed, or of an unexpected type):
    /// without a packet id they get no verdict; the kernel disposes of their packets.
    /// </summary>
    public long UnreadableMessages { get; set; }

    /// <summary>Local TCP connects blocked at ALE_AUTH_CONNECT whose socket was aborted so that connect() failed at once.</summary>
    public long ConnectsAborted { get; set; }

    /// <summary>Packets whose decision failed with an exception (each got the unparsed-packet default decision).</summary>
    public long Faults { get; set; }

    /// <summary>Error replies from the kernel (e.g. a verdict for a packet no longer queued).</summary>
    public long KernelErrors { get; set; }

    /// <summary>Receive-buffer overflows (the kernel dropped, or with fail-open accepted, what did not fit).</summary>
    public long Enobufs { get; set; }

    /// <summary>Verdict messages that covered a run of packets with the same decision (NFQNL_MSG_VERDICT_BATCH).</summary>
    public long BatchedVerdicts { get; set; }

    /// <summary>ALE flows created.</summary>
    public long Flows { get; set; }

    /// <summary>Classifications at all layers.</summary>
    public long Classifications { get; set; }

    /// <summary>
    /// IP fragments the shim held for reassembly. Zero while the kernel reassembles before the queue (nf_defrag, loaded
    /// with conntrack, which the rules use: docs/DATAPLANE.md, Fragments).
    /// </summary>
    public long FragmentsHeld { get; set; }

    /// <summary>Datagrams the shim rebuilt from fragments itself (see <see cref="FragmentsHeld"/>).</summary>
    public long DatagramsReassembled { get; set; }

    /// <summary>Commits that reauthorized open connections.</summary>
    public long Reauthorizations { get; set; }

    /// <summary>Connections whose decision was cleared by those commits.</summary>
    public long ConnectionsReauthorized { get; set; }

    /// <summary>Packets kept without a verdict (a stream callout wanted more data, deferred, or an ALE callout pended).</summary>
    public long Held { get; set; }

    /// <summary>Held packets that got their verdict later.</summary>
    public long Released { get; set; }

    /// <summary>Held packets given the default decision because a queue held <see cref="DataplaneOptions.MaxHeldPackets"/>.</summary>
    public long HeldOverflows { get; set; }

    /// <summary>Held outbound data sent to the peer before its verdict, because the local socket retransmitted it (docs/DATAPLANE.md, Held packets).</summary>
    public long HeldSentEarly { get; set; }

    /// <summary>TCP connections reset (FWPS_STREAM_ACTION_DROP_CONNECTION, or a stream out of buffer): RSTs to both ends, the rest dropped.</summary>
    public long ConnectionsReset { get; set; }

    /// <summary>Packets that went on with bytes the shim rewrote (a stream edit, or shifted sequence numbers).</summary>
    public long Modified { get; set; }

    /// <summary>Datagrams injected (by callouts, and the resets).</summary>
    public long Injected { get; set; }

    /// <summary>Injections that failed (invalid datagram, no route, no buffer).</summary>
    public long InjectFailures { get; set; }

    /// <summary>Queue threads replaced because a packet stayed in classification past <see cref="DataplaneOptions.ClassifyDeadline"/>.</summary>
    public long WorkersReplaced { get; set; }
}
