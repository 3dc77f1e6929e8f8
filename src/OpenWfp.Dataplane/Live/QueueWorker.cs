using System.Diagnostics;
using OpenWfp.Dataplane.Identity;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.NetEvents;
using OpenWfp.Netlink;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// One NFQUEUE and the thread that reads it: each packet goes through this thread's own shim (shims are not
/// thread-safe; both directions of a flow reach the same queue) and gets its verdict in the same batch.
/// </summary>
/// <remarks>
/// <para>Verdicts (docs/DATAPLANE.md): a permit is NF_REPEAT with the Permit bit — and the Established bit once the
/// flow needs no more ALE layers — in our part of the packet mark; the kernel rules then save it to the connection
/// and, in first-packet mode, keep the rest of the connection in the kernel. A block by an ALE layer is NF_REPEAT with
/// the Block bit, so the kernel drops the rest of the connection itself; a per-packet block is NF_DROP.
/// NF_REPEAT (not NF_ACCEPT) lets the packet go on through the rest of the mangle table, so other software's rules
/// after ours still run.</para>
/// <para>The loop allocates nothing per packet: the queue owns a pinned receive buffer and a verdict buffer, the
/// shim and engine are allocation-free, and net events are copied into the log's ring. Each packet is parsed once, by
/// the shim: its verdict carries the oriented tuple and the flow's owner that the net event and the socket abort
/// need.</para>
/// </remarks>
internal sealed class QueueWorker : IDisposable
{
    /// <summary>LOOPBACK_IFINDEX (include/net/net_namespace.h): lo is interface 1 in every network namespace.</summary>
    internal const uint LoopbackInterfaceIndex = 1;


    private readonly NfQueue _queue;
    private readonly FilterEngine _engine;
    private readonly NetEventLog? _events;
    private readonly MarkBits _marks;
    private readonly bool _permitMalformed;
    private readonly bool _processIdentity;
    private readonly Action<DataplaneLogLevel, string>? _log;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _started = new();
    private PacketShim? _shim;
    private ProcessIdentitySource? _identity;
    private volatile bool _stopping;
    private long _loopAllocatedBytes;
    private WorkerCounters _counters;
    private long _lastFaultLog = long.MinValue / 2;
    private int _runLength;
    private uint _runVerdict;
    private uint? _runMark;
    private uint _runLastId;

    public QueueWorker(NfQueue queue, FilterEngine engine, NetEventLog? events, DataplaneOptions options)
    {
        _queue = queue;
        _engine = engine;
        _events = events;
        _marks = options.Marks;
        _permitMalformed = options.PermitMalformed ?? options.FailOpen;
        _processIdentity = options.ProcessIdentity;
        _log = options.Log;
        _thread = new Thread(Run) { IsBackground = true, Name = $"nfqueue {queue.QueueNumber}" };
    }

    public ushort QueueNumber => _queue.QueueNumber;

    /// <summary>A copy of this worker's counters (read without locking; each is written by the worker thread only).</summary>
    public WorkerCounters Counters => _counters;

    /// <summary>The shim's counters (flows, classifications, reauthorizations), or default before start.</summary>
    public ShimCounters ShimCounters => _shim?.Counters ?? default;

    public NfQueueStats QueueStats => _queue.Stats;

    /// <summary>Bytes the worker's loop has allocated so far (read by the allocation test).</summary>
    public long LoopAllocatedBytes => Interlocked.Read(ref _loopAllocatedBytes);

    public void Start()
    {
        _thread.Start();
        _started.Wait();
    }

    public void Stop()
    {
        _stopping = true;
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(5)))
        {
            _log?.Invoke(DataplaneLogLevel.Warning, $"queue {QueueNumber}: the worker did not stop within 5 s");
        }
    }

    public void Dispose()
    {
        Stop();
        _queue.Dispose();
        _identity?.Dispose();
        _started.Dispose();
    }

    private void Run()
    {
        try
        {
            // The identity source opens its sock_diag socket on this thread; the shim is this thread's alone.
            _identity = _processIdentity ? new ProcessIdentitySource() : null;
            _shim = new PacketShim(_engine, new ShimOptions
            {
                FlowOwners = _identity,
                UnparsedDecision = _permitMalformed ? ActionType.Permit : ActionType.Block,
            });
        }
        catch (Exception e) when (e is NetlinkException or IOException or UnauthorizedAccessException)
        {
            _log?.Invoke(DataplaneLogLevel.Warning, $"queue {QueueNumber}: process identity is off: {e.Message}");
            _identity = null;
            _shim = new PacketShim(_engine, new ShimOptions { UnparsedDecision = _permitMalformed ? ActionType.Permit : ActionType.Block });
        }
        finally
        {
            _started.Set();
        }

        while (!_stopping)
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            int count;
            try
            {
                count = _queue.Receive(200);
            }
            catch (NetlinkException e)
            {
                _log?.Invoke(DataplaneLogLevel.Error, $"queue {QueueNumber}: {e.Message}");
                Thread.Sleep(100);
                continue;
            }

            for (var i = 0; i < count; i++)
            {
                HandleDatagram(_queue.Datagram(i));
            }

            if (count > 0)
            {
                EmitRun();
                _queue.Flush();
            }

            // What the loop allocated (receive, parse, shim, classify, verdict, net events): the allocation test's proof.
            Interlocked.Add(ref _loopAllocatedBytes, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
        }
    }

    private void HandleDatagram(ReadOnlySpan<byte> datagram)
    {
        var reader = new NfQueueMessageReader(datagram);
        while (true)
        {
            var status = reader.Read(out var message);
            if (status == NetlinkReadStatus.End)
            {
                return;
            }

            if (status != NetlinkReadStatus.Ok)
            {
                // A message the kernel framed in a way we cannot read: without its packet id there is nothing to give
                // a verdict to; the kernel drops it when the queue is torn down (fail-closed) or after its own checks.
                _counters.UnreadableMessages++;
                if (status is NetlinkReadStatus.Truncated or NetlinkReadStatus.BadLength)
                {
                    return;
                }

                continue;
            }

            if (message.Kind == NetlinkMessageKind.Packet)
            {
                var packet = message.Packet;
                try
                {
                    Decide(datagram, in packet);
                }
                catch (Exception e)
                {
                    // A fault while deciding (a bug, a callout's exception escaping) must not stop the queue: the packet
                    // gets the default decision for unparsed packets, and the fault is counted and reported once a minute at most.
                    Emit(packet.PacketId, _permitMalformed ? NfQueueConstants.NfAccept : NfQueueConstants.NfDrop);
                    _counters.Faults++;
                    var now = Environment.TickCount64;
                    if (now - _lastFaultLog > 60_000)
                    {
                        _lastFaultLog = now;
                        _log?.Invoke(DataplaneLogLevel.Error, $"queue {QueueNumber}: deciding a packet failed ({_counters.Faults} so far; it got the default decision): {e.GetType().Name}: {e.Message}");
                    }
                }
            }
            else if (message.Kind == NetlinkMessageKind.Error && message.Error != 0)
            {
                _counters.KernelErrors++;
            }
        }
    }

    private void Decide(ReadOnlySpan<byte> datagram, in NfQueuePacket packet)
    {
        _counters.Packets++;
        var payload = packet.PayloadLength > 0 && packet.PayloadOffset + packet.PayloadLength <= datagram.Length
            ? datagram.Slice(packet.PayloadOffset, packet.PayloadLength)
            : [];
        var uid = packet.Has(NfQueueConstants.NfqaUid) ? packet.Uid : uint.MaxValue;
        var gid = packet.Has(NfQueueConstants.NfqaGid) ? packet.Gid : uint.MaxValue;
        _identity?.SetPacketHint(uid, gid);

        var verdict = Classify(_shim!, payload, packet.Hook, packet.InDevice, packet.OutDevice, MonotonicNanoseconds(Stopwatch.GetTimestamp()));
        var kept = packet.Mark & ~_marks.Mask;
        if (verdict.Reason == ShimReason.Unparsed)
        {
            _counters.UnparsedPackets++;
            Emit(packet.PacketId, verdict.IsPermitted ? NfQueueConstants.NfAccept : NfQueueConstants.NfDrop);
        }
        else if (verdict.IsPermitted)
        {
            _counters.Permitted++;
            var bits = _marks.Permit;
            if (verdict.FlowEstablished
                || (verdict.FlowId != 0 && !RulePlanner.NeedsEstablished(_engine.Current, verdict.Tuple.IpVersion)))
            {
                bits |= _marks.Established;
            }

            Emit(packet.PacketId, NfQueueConstants.NfRepeat, kept | bits);
            if (verdict.LayerId != ShimVerdict.NoLayer && verdict.Tuple.IpVersion != 0
                && _events is { } log && log.ShouldRecord(NetEventType.ClassifyAllow))
            {
                Record(log, NetEventType.ClassifyAllow, in verdict);
            }
        }
        else
        {
            _counters.Blocked++;
            Emit(packet.PacketId, verdict.FlowBlocked ? NfQueueConstants.NfRepeat : NfQueueConstants.NfDrop, verdict.FlowBlocked ? kept | _marks.Block : null);
            if (verdict.Tuple.IpVersion == 0)
            {
                return;
            }

            if (_events is { } log && log.ShouldRecord(NetEventType.ClassifyDrop))
            {
                Record(log, NetEventType.ClassifyDrop, in verdict);
            }

            // After the event, which still finds the socket's process. Over loopback the connecting socket is ours just
            // the same: its SYN leaves through lo's OUTPUT hook.
            if (_identity is not null && verdict.FlowBlocked && !verdict.Absorbed
                && verdict.Direction is TrafficDirection.Outbound or TrafficDirection.Loopback
                && verdict.LayerId is LayerIds.AleAuthConnectV4 or LayerIds.AleAuthConnectV6)
            {
                AbortConnect(in verdict);
            }
        }
    }

    /// <summary>
    /// The shim's verdict for one queued packet (its IP datagram, no link header): the direction comes from the
    /// netfilter hook and the devices — lo makes it loopback — and the interface is the one the packet leaves or
    /// arrives by. A test drives this with a capture's packets to compare the live decision with the replay's.
    /// </summary>
    internal static ShimVerdict Classify(PacketShim shim, ReadOnlySpan<byte> payload, uint hook, uint inDevice, uint outDevice, long timestampNanoseconds)
    {
        var direction = hook switch
        {
            NfQueueConstants.NfInetLocalOut => outDevice == LoopbackInterfaceIndex ? TrafficDirection.Loopback : TrafficDirection.Outbound,
            NfQueueConstants.NfInetLocalIn => inDevice == LoopbackInterfaceIndex ? TrafficDirection.Loopback : TrafficDirection.Inbound,
            NfQueueConstants.NfInetForward => TrafficDirection.Forward,
            _ => TrafficDirection.Unknown,
        };
        var interfaceIndex = direction is TrafficDirection.Outbound or TrafficDirection.Loopback ? outDevice : inDevice;
        return shim.Process(payload, LinkType.Raw, timestampNanoseconds, interfaceIndex, trace: null, direction);
    }

    /// <summary>
    /// <see cref="Stopwatch.GetTimestamp"/> ticks as nanoseconds, the unit of the shim's flow timestamps and idle
    /// timeouts. Stopwatch ticks are nanoseconds on Linux today, but their rate is <see cref="Stopwatch.Frequency"/>,
    /// not a promise.
    /// </summary>
    internal static long MonotonicNanoseconds(long ticks) => TicksToNanoseconds(ticks, Stopwatch.Frequency);

    /// <summary><paramref name="ticks"/> at <paramref name="frequency"/> per second as nanoseconds; whole seconds and the remainder are scaled apart, so ticks × 10⁹ never overflows.</summary>
    internal static long TicksToNanoseconds(long ticks, long frequency)
    {
        const long NanosecondsPerSecond = 1_000_000_000;
        return frequency == NanosecondsPerSecond
            ? ticks
            : (ticks / frequency * NanosecondsPerSecond) + (ticks % frequency * NanosecondsPerSecond / frequency);
    }

    /// <summary>
    /// Queues a verdict. Consecutive packets with the same verdict and mark form a run, sent as one
    /// NFQNL_MSG_VERDICT_BATCH (it applies to every queued packet with an id up to the run's last): a flood in
    /// every-packet mode costs one verdict message per receive batch instead of one per packet. Packets arrive in id
    /// order and each earlier packet has had its own verdict (or run) sent before, so a run covers exactly its packets.
    /// </summary>
    private void Emit(uint packetId, uint verdict, uint? mark = null)
    {
        if (_runLength > 0 && (verdict != _runVerdict || mark != _runMark))
        {
            EmitRun();
        }

        _runVerdict = verdict;
        _runMark = mark;
        _runLastId = packetId;
        _runLength++;
    }

    private void EmitRun()
    {
        if (_runLength == 1)
        {
            _queue.Verdict(_runLastId, _runVerdict, _runMark);
        }
        else if (_runLength > 1)
        {
            _queue.BatchVerdict(_runLastId, _runVerdict, _runMark);
            _counters.BatchedVerdicts++;
        }

        _runLength = 0;
    }

    /// <summary>
    /// A TCP connect this host started was blocked at ALE_AUTH_CONNECT: abort the local socket so connect() fails now
    /// (ECONNABORTED) instead of retrying its SYN into the block for a minute. Windows fails such a connect at once too.
    /// A block with FWPS_CLASSIFY_OUT_FLAG_ABSORB stays silent.
    /// </summary>
    private void AbortConnect(in ShimVerdict verdict)
    {
        if (_identity is not { } identity
            || verdict.Tuple.Protocol != IpProtocol.Tcp
            || !verdict.Tuple.Outbound
            || (verdict.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn)
        {
            return;
        }

        if (identity.TryAbortSocket(verdict.Tuple, out _))
        {
            _counters.ConnectsAborted++;
        }
    }

    /// <summary>
    /// A net event for a decided packet, from the shim's verdict. The owner is the one the shim found for the flow; only
    /// when the shim had no reason to look (no ALE filter reads the application or user) is it looked up here, once.
    /// </summary>
    private void Record(NetEventLog log, NetEventType type, in ShimVerdict verdict)
    {
        var t = verdict.Tuple;
        var owner = verdict.Owner;
        if (!verdict.OwnerLookedUp && _identity is { } identity && t.Protocol is IpProtocol.Tcp or IpProtocol.Udp)
        {
            // The packet's uid/gid hint is still unused: the shim made no lookup for this packet.
            identity.TryResolve(in t, out owner);
        }

        var direction = verdict.Direction switch
        {
            TrafficDirection.Inbound => NetEventDirection.In,
            TrafficDirection.Forward => NetEventDirection.Forward,
            TrafficDirection.Loopback => t.Outbound ? NetEventDirection.Out : NetEventDirection.In,
            _ => NetEventDirection.Out,
        };
        var flow = new NetEventFlow(t.IpVersion, t.Protocol, t.LocalAddress, t.LocalPort, t.RemoteAddress, t.RemotePort, direction, verdict.Direction == TrafficDirection.Loopback);
        var e = NetEventFactory.Classify(
            type,
            in flow,
            verdict.LayerId == ShimVerdict.NoLayer ? (ushort)0 : verdict.LayerId,
            verdict.FilterId,
            owner.AppId.Reference as byte[],
            owner.Token?.User);
        log.Write(in e);
    }

    /// <summary>What one worker did.</summary>
    internal struct WorkerCounters
    {
        public long Packets;
        public long Permitted;
        public long Blocked;
        /// <summary>Packets the shim could not parse: each got the configured default decision.</summary>
        public long UnparsedPackets;

        /// <summary>Netlink messages from the kernel that could not be read (no packet id, so no verdict was possible).</summary>
        public long UnreadableMessages;
        public long KernelErrors;
        public long BatchedVerdicts;
        public long Faults;
        public long ConnectsAborted;
    }
}
