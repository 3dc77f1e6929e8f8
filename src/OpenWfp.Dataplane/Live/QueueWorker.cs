using System.Diagnostics;
using OpenWfp.Dataplane.Identity;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
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


    /// <summary>Bytes of a held packet kept for a later reset: an IPv6 header and the longest TCP header.</summary>
    private const int HeldHeaderBytes = 40 + 60;

    /// <summary>The copy buffer for a held segment up to a 1500-byte MTU (larger ones are GSO packets, up to 64 KiB).</summary>
    private const int SmallCopy = 2048;

    private readonly NfQueue _queue;
    private readonly FilterEngine _engine;
    private readonly RawInjector? _raw;
    private readonly WorkerInjector _injector;
    private readonly byte[] _rst = new byte[TcpReset.MaxLength];
    private readonly HeldPacket[] _held;
    private readonly byte[] _heldHeaders;
    private readonly ShimRelease[] _releases = new ShimRelease[64];
    private readonly bool _orphansBeforeFirst;
    private readonly Stack<byte[]> _smallCopies = new();
    private readonly Stack<byte[]> _largeCopies = new();
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
    private int _heldCount;
    private volatile bool _abandoned;
    private long _classifyingSince;
    private uint _classifyingId;
    private bool _firstSeen;

    /// <summary>A worker for <paramref name="queue"/>.</summary>
    /// <param name="queue">The bound queue (the worker owns it).</param>
    /// <param name="engine">The engine.</param>
    /// <param name="events">Where drops and resets are logged.</param>
    /// <param name="options">Marks, defaults, the held-packet bound.</param>
    /// <param name="raw">The namespace's raw sockets for injection; null: injection and resets fail.</param>
    /// <param name="takesOver">
    /// True for a replacement of a worker that hung: packets queued before this worker's first one were received by the
    /// hung worker and get the default verdict.
    /// </param>
    public QueueWorker(NfQueue queue, FilterEngine engine, NetEventLog? events, DataplaneOptions options, RawInjector? raw = null, bool takesOver = false)
    {
        _queue = queue;
        _engine = engine;
        _raw = raw;
        _injector = new WorkerInjector(raw);
        _orphansBeforeFirst = takesOver;
        _held = new HeldPacket[Math.Max(1, options.MaxHeldPackets)];
        _heldHeaders = new byte[_held.Length * HeldHeaderBytes];
        _events = events;
        _marks = options.Marks;
        _permitMalformed = options.PermitMalformed ?? options.FailOpen;
        _processIdentity = options.ProcessIdentity;
        _log = options.Log;
        _thread = new Thread(Run) { IsBackground = true, Name = $"nfqueue {queue.QueueNumber}" };
    }

    public ushort QueueNumber => _queue.QueueNumber;

    /// <summary>The queue this worker reads (the watchdog takes it over when the worker hangs).</summary>
    public NfQueue Queue => _queue;

    /// <summary>Packets whose verdict waits (for a stream callout's data, a deferral, or a pended classification).</summary>
    public int HeldNow => Volatile.Read(ref _heldCount);

    /// <summary>
    /// The id of the packet being classified when its classification started before <paramref name="startedBefore"/>
    /// (a Stopwatch timestamp); the first packet a worker sees is exempt, as it pays for compiling the code it runs.
    /// </summary>
    public bool IsStuck(long startedBefore, out uint packetId)
    {
        packetId = Volatile.Read(ref _classifyingId);
        var since = Interlocked.Read(ref _classifyingSince);
        return since != 0 && since < startedBefore && !_abandoned;
    }

    /// <summary>Gives up on a hung worker: when its thread returns, it leaves without touching the queue again.</summary>
    public void Abandon()
    {
        _abandoned = true;
        _stopping = true;
    }

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
                Injector = _injector,
            });
        }
        catch (Exception e) when (e is NetlinkException or IOException or UnauthorizedAccessException)
        {
            _log?.Invoke(DataplaneLogLevel.Warning, $"queue {QueueNumber}: process identity is off: {e.Message}");
            _identity = null;
            _shim = new PacketShim(_engine, new ShimOptions { UnparsedDecision = _permitMalformed ? ActionType.Permit : ActionType.Block, Injector = _injector });
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

            for (var i = 0; i < count && !_abandoned; i++)
            {
                HandleDatagram(_queue.Datagram(i));
            }

            if (_abandoned)
            {
                // The watchdog gave this worker's packets their verdicts and a new worker reads the queue now.
                return;
            }

            // Held packets whose verdict came: from this batch's classifications, or — on a receive timeout — from a
            // callout that completed a pend or continued a stream from another thread.
            if (count == 0)
            {
                _shim!.Poll(MonotonicNanoseconds(Stopwatch.GetTimestamp()));
            }

            ReleaseHeld();
            EmitRun();
            _queue.Flush();

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
        CalloutEventNote.Clear();
        var payload = packet.PayloadLength > 0 && packet.PayloadOffset + packet.PayloadLength <= datagram.Length
            ? datagram.Slice(packet.PayloadOffset, packet.PayloadLength)
            : [];
        var uid = packet.Has(NfQueueConstants.NfqaUid) ? packet.Uid : uint.MaxValue;
        var gid = packet.Has(NfQueueConstants.NfqaGid) ? packet.Gid : uint.MaxValue;
        _identity?.SetPacketHint(uid, gid);

        if (!_firstSeen)
        {
            _firstSeen = true;
            if (_orphansBeforeFirst && packet.PacketId > 1)
            {
                // Received by the worker this one replaced and never answered: the default verdict.
                _queue.BatchVerdict(packet.PacketId - 1, _permitMalformed ? NfQueueConstants.NfAccept : NfQueueConstants.NfDrop);
            }
        }

        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref _classifyingId, packet.PacketId);
        Interlocked.Exchange(ref _classifyingSince, _counters.Packets > 1 ? started : 0);
        var verdict = Classify(_shim!, payload, packet.Hook, packet.InDevice, packet.OutDevice, MonotonicNanoseconds(started), packet.PacketId);
        Interlocked.Exchange(ref _classifyingSince, 0);
        if (_abandoned)
        {
            return;
        }

        var kept = packet.Mark & ~_marks.Mask;
        if (verdict.Held)
        {
            // Data this host sends is copied and dropped from the queue: while its packet sits in the queue, the local TCP
            // neither sends more nor retransmits (the skb is still in a host queue), so the callout would never get the
            // data it asked for. The copy is injected when the shim releases it.
            var copy = _raw is not null && packet.Hook == NfQueueConstants.NfInetLocalOut
                && verdict.Tuple.Protocol == IpProtocol.Tcp && (verdict.TcpFlags & TcpFlags.Syn) == 0;
            Hold(packet.PacketId, kept, payload, copy);
        }
        else if (verdict.ResetConnection)
        {
            _counters.Blocked++;
            if (!ResetConnection(packet.PacketId, kept, payload) && _identity is { } identity && verdict.Tuple.Protocol == IpProtocol.Tcp
                && verdict.Direction is not TrafficDirection.Forward)
            {
                // No RST reached the local socket (no raw socket): abort it through sock_diag instead (ECONNABORTED).
                identity.TryAbortSocket(verdict.Tuple, out _);
            }

            if (verdict.Tuple.IpVersion != 0 && _events is { } log && log.ShouldRecord(NetEventType.ClassifyDrop))
            {
                Record(log, NetEventType.ClassifyDrop, in verdict);
            }
        }
        else if (verdict.Modified && verdict.IsPermitted)
        {
            // The shim rewrote the packet (a stream edit, or sequence numbers shifted by an earlier edit): NFQA_PAYLOAD
            // carries the new bytes. No Established bit: every later packet of the flow must come back to be shifted too.
            _counters.Permitted++;
            _counters.Modified++;
            _queue.VerdictWithPayload(packet.PacketId, NfQueueConstants.NfRepeat, _shim!.ModifiedPacket, kept | _marks.Permit);
        }
        else if (!verdict.IsPermitted && verdict.Absorbed && verdict.FilterId == 0 && _heldCount > 0
            && packet.Hook == NfQueueConstants.NfInetLocalOut && verdict.LayerId is LayerIds.StreamV4 or LayerIds.StreamV6)
        {
            // The local socket retransmits data whose verdict waits: the shim drops the copy.
            _counters.Blocked++;
            Emit(packet.PacketId, NfQueueConstants.NfDrop);
            SendHeldOnRetransmit(payload);
        }
        else if (verdict.Reason == ShimReason.Unparsed)
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
    internal static ShimVerdict Classify(PacketShim shim, ReadOnlySpan<byte> payload, uint hook, uint inDevice, uint outDevice, long timestampNanoseconds, ulong packetTag = 0)
    {
        var direction = hook switch
        {
            NfQueueConstants.NfInetLocalOut => outDevice == LoopbackInterfaceIndex ? TrafficDirection.Loopback : TrafficDirection.Outbound,
            NfQueueConstants.NfInetLocalIn => inDevice == LoopbackInterfaceIndex ? TrafficDirection.Loopback : TrafficDirection.Inbound,
            NfQueueConstants.NfInetForward => TrafficDirection.Forward,
            _ => TrafficDirection.Unknown,
        };
        var interfaceIndex = direction is TrafficDirection.Outbound or TrafficDirection.Loopback ? outDevice : inDevice;
        return shim.Process(payload, LinkType.Raw, timestampNanoseconds, interfaceIndex, trace: null, direction, packetTag);
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
        if (_heldCount > 0)
        {
            // A batch verdict would also answer the held packets (it covers every queued id up to its last).
            _queue.Verdict(packetId, verdict, mark);
            return;
        }

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
    /// Keeps a packet without a verdict until the shim releases it. The kernel holds the packet itself; the bound keeps a
    /// stuck callout from filling the kernel's queue (whose length is the real limit): past it the oldest held packet
    /// gets the default verdict.
    /// </summary>
    private void Hold(uint packetId, uint kept, ReadOnlySpan<byte> payload, bool copy)
    {
        // Earlier packets' run goes out first: once a packet is held no batch verdict may cover it.
        EmitRun();
        if (_heldCount == _held.Length)
        {
            _counters.HeldOverflows++;
            if (_held[0].Copy is { } lost)
            {
                // Already out of the queue: the sender's TCP retransmits it.
                ReturnCopy(lost);
            }
            else
            {
                _queue.Verdict(_held[0].Id, _permitMalformed ? NfQueueConstants.NfAccept : NfQueueConstants.NfDrop);
            }

            RemoveHeld(0);
        }

        var slot = _heldCount;
        var headers = Math.Min(payload.Length, HeldHeaderBytes);
        payload[..headers].CopyTo(_heldHeaders.AsSpan(slot * HeldHeaderBytes));
        byte[]? buffer = null;
        if (copy && RawInjector.TryLength(payload, out var length))
        {
            buffer = RentCopy(length);
            payload[..length].CopyTo(buffer);

            // A packet this host sends is queued before its checksum is finished (CHECKSUM_PARTIAL: the TCP field holds
            // only the pseudo-header sum); sent again through a raw socket it must carry the whole checksum.
            Checksums.Fix(buffer.AsSpan(0, length));
            _queue.Verdict(packetId, NfQueueConstants.NfDrop);
            headers = length;
        }

        _held[slot] = new HeldPacket(packetId, kept, headers, buffer);
        Volatile.Write(ref _heldCount, slot + 1);
        _counters.Held++;
    }

    /// <summary>A buffer for a held packet's copy: 2 KiB for a segment up to the MTU, 64 KiB for a GSO one; reused once released.</summary>
    private byte[] RentCopy(int length)
    {
        var pool = length <= SmallCopy ? _smallCopies : _largeCopies;
        return pool.Count > 0 ? pool.Pop() : new byte[length <= SmallCopy ? SmallCopy : ushort.MaxValue + 1];
    }

    private void ReturnCopy(byte[] buffer) => (buffer.Length == SmallCopy ? _smallCopies : _largeCopies).Push(buffer);

    private void RemoveHeld(int index)
    {
        var after = _heldCount - index - 1;
        if (after > 0)
        {
            Array.Copy(_held, index + 1, _held, index, after);
            _heldHeaders.AsSpan((index + 1) * HeldHeaderBytes, after * HeldHeaderBytes).CopyTo(_heldHeaders.AsSpan(index * HeldHeaderBytes));
        }

        Volatile.Write(ref _heldCount, _heldCount - 1);
    }

    /// <summary>
    /// Verdicts for held packets the shim has decided: permit (NF_REPEAT with the Permit bit), block (NF_DROP),
    /// classify again (NF_REPEAT with our bits cleared, so the rules queue it again), or reset the connection.
    /// </summary>
    private void ReleaseHeld()
    {
        if (_shim is not { } shim)
        {
            return;
        }

        int drained;
        while ((drained = shim.DrainReleases(_releases)) > 0)
        {
            for (var r = 0; r < drained; r++)
            {
                ref readonly var release = ref _releases[r];
                var index = -1;
                for (var i = 0; i < _heldCount; i++)
                {
                    if (_held[i].Id == (uint)release.PacketTag)
                    {
                        index = i;
                        break;
                    }
                }

                if (index < 0)
                {
                    // Already given the default verdict (the bound), or not a packet of this worker.
                    continue;
                }

                var held = _held[index];
                _counters.Released++;
                if (held.Copy is { } copy)
                {
                    ReleaseCopy(in release, copy, held.HeaderLength, held.Sent);
                }
                else if (release.ResetConnection)
                {
                    _counters.Blocked++;
                    _queue.Verdict(held.Id, NfQueueConstants.NfRepeat, held.KeptMark | _marks.Block);
                    SendResets(_heldHeaders.AsSpan(index * HeldHeaderBytes, held.HeaderLength));
                    _counters.ConnectionsReset++;
                }
                else if (release.Reclassify)
                {
                    _queue.Verdict(held.Id, NfQueueConstants.NfRepeat, held.KeptMark);
                }
                else if (release.Action == ActionType.Block)
                {
                    _counters.Blocked++;
                    _queue.Verdict(held.Id, NfQueueConstants.NfDrop);
                }
                else
                {
                    _counters.Permitted++;
                    _queue.Verdict(held.Id, NfQueueConstants.NfRepeat, held.KeptMark | _marks.Permit);
                }

                RemoveHeld(index);
            }

            if (drained < _releases.Length)
            {
                break;
            }
        }
    }

    /// <summary>
    /// The local socket retransmitted a segment whose copy we hold: it has timed out and, in loss recovery, sends no new
    /// data until that segment is acknowledged — which the callout may be waiting for. The held bytes then go to the
    /// peer, so the connection moves on; the callout still decides on the data that follows (docs/DATAPLANE.md, Held packets).
    /// </summary>
    private void SendHeldOnRetransmit(ReadOnlySpan<byte> retransmitted)
    {
        for (var i = 0; i < _heldCount; i++)
        {
            ref var held = ref _held[i];
            if (held.Copy is { } copy && !held.Sent && SameConnection(copy, retransmitted))
            {
                _raw!.Send(copy.AsSpan(0, held.HeaderLength), 0);
                _counters.HeldSentEarly++;
                held = held with { Sent = true };
            }
        }
    }

    /// <summary>True when both IPv4/IPv6 TCP segments have the same addresses and ports in the same direction.</summary>
    internal static bool SameConnection(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length < 40 || b.Length < 40 || a[0] >> 4 != b[0] >> 4)
        {
            return false;
        }

        if (a[0] >> 4 == 4)
        {
            int ha = (a[0] & 0x0F) * 4, hb = (b[0] & 0x0F) * 4;
            return a.Length >= ha + 4 && b.Length >= hb + 4 && a.Slice(12, 8).SequenceEqual(b.Slice(12, 8)) && a.Slice(ha, 4).SequenceEqual(b.Slice(hb, 4));
        }

        return a.Length >= 44 && b.Length >= 44 && a.Slice(8, 32).SequenceEqual(b.Slice(8, 32)) && a.Slice(40, 4).SequenceEqual(b.Slice(40, 4));
    }

    /// <summary>A held packet that was copied and dropped from the queue: its copy goes out when permitted (marked as ours, so it is not queued again).</summary>
    private void ReleaseCopy(in ShimRelease release, byte[] copy, int length, bool sent)
    {
        if (release.ResetConnection)
        {
            _counters.Blocked++;
            SendResets(copy.AsSpan(0, length));
            _counters.ConnectionsReset++;
        }
        else if (release.Action == ActionType.Block && !release.Reclassify)
        {
            _counters.Blocked++;
        }
        else
        {
            _counters.Permitted++;
            if (!sent)
            {
                _raw!.Send(copy.AsSpan(0, length), 0);
            }
        }

        ReturnCopy(copy);
    }

    /// <summary>
    /// FWPS_STREAM_ACTION_DROP_CONNECTION: the packet is dropped with the Block bit, which the rules save on the
    /// connection so the kernel drops the rest of it, and both ends get a RST (docs/DATAPLANE.md, Resetting a connection).
    /// </summary>
    /// <returns>True when both RSTs were sent.</returns>
    private bool ResetConnection(uint packetId, uint kept, ReadOnlySpan<byte> segment)
    {
        // The resets go first: each injected packet carries our Permit bits, which the rules save on the connection; the
        // verdict's Block bit, sent after them, is the one that stays.
        var sent = SendResets(segment);
        Emit(packetId, NfQueueConstants.NfRepeat, kept | _marks.Block);
        _counters.ConnectionsReset++;
        return sent;
    }

    private bool SendResets(ReadOnlySpan<byte> segment)
    {
        if (_raw is not { } raw)
        {
            return false;
        }

        // The segment's receiver first, then its sender: for a packet this host sends, that is the peer, then the local socket.
        var sent = 0;
        if (TcpReset.TryWrite(segment, towardSender: false, _rst, out var length) && raw.Send(_rst.AsSpan(0, length), 0) == 0)
        {
            sent++;
        }

        if (TcpReset.TryWrite(segment, towardSender: true, _rst, out length) && raw.Send(_rst.AsSpan(0, length), 0) == 0)
        {
            sent++;
        }

        return sent == 2;
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
        if (CalloutEventNote.Take(out var calloutId, out var detail))
        {
            e.CalloutId = calloutId;
            e.CalloutDetail = detail;
        }
        else if (verdict.FilterId != 0 && CalloutIdOf(verdict.FilterId) is var id and not 0)
        {
            e.CalloutId = id;
        }

        log.Write(in e);
    }

    /// <summary>The run-time id of the callout a filter calls, 0 when its action is not a callout (an event is no per-packet path).</summary>
    private uint CalloutIdOf(ulong filterId)
    {
        var snapshot = _engine.Current;
        return snapshot.FilterById(filterId) is { Action: { IsCallout: true } action }
            && snapshot.CalloutsByKey.TryGetValue(action.CalloutKey, out var callout)
                ? callout.CalloutId
                : 0;
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

        /// <summary>Packets whose verdict was held.</summary>
        public long Held;

        /// <summary>Held packets that got their verdict from the shim.</summary>
        public long Released;

        /// <summary>Held packets given the default verdict because too many were held.</summary>
        public long HeldOverflows;

        /// <summary>Connections reset (DROP_CONNECTION, or a stream out of buffer).</summary>
        public long ConnectionsReset;

        /// <summary>Packets that went on with new bytes (NFQA_PAYLOAD).</summary>
        public long Modified;

        /// <summary>Held outbound data sent before its verdict because the local socket retransmitted it.</summary>
        public long HeldSentEarly;
    }
}

/// <summary>
/// A packet waiting for its verdict: its id, the mark bits that are not ours, and how much of its headers is kept — or,
/// for data this host sends, a copy of the whole packet (it left the queue: see QueueWorker.Hold).
/// </summary>
internal readonly record struct HeldPacket(uint Id, uint KeptMark, int HeaderLength, byte[]? Copy, bool Sent = false);

