using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenWfp.Engine.Errors;

namespace OpenWfp.NetEvents;

/// <summary>
/// The BFE's circular in-memory net event log (docs/DATAPLANE.md, "Net events"): data planes write events from packet threads, management
/// clients query it with a template (FwpmNetEventEnum) and subscribe to new events (FwpmNetEventSubscribe).
/// </summary>
/// <remarks>
/// <para>
/// <b>Writing</b> is lock-free and allocation-free, so a classify thread can log its drops: <see cref="Write"/> takes
/// the next sequence number with one interlocked increment, claims the slot <c>sequence % Capacity</c> of a
/// preallocated array with a compare-and-swap on the slot's stamp, copies the record and publishes it by setting the
/// stamp to the sequence number. It never waits for another thread. If the slot is still being written by a writer a
/// whole lap behind (a thread descheduled in the middle of its copy), the newer event is dropped instead of waiting:
/// readers see its sequence number as a gap, and <see cref="Collisions"/> counts it.
/// </para>
/// <para>
/// <b>Reading</b> uses the stamps as a sequence lock: a reader copies a slot and keeps the copy only if the stamp
/// held the sequence number it wanted before and after the copy. A reader never sees a torn record; an event that is
/// overwritten while it is read is skipped, as if it had already been overwritten.
/// </para>
/// <para>
/// <b>Subscribers</b> follow the sequence numbers in order. A subscriber with nothing to read parks on a signal; the
/// first writer to publish afterwards queues one preallocated work item to the thread pool, which releases the
/// parked subscribers. Writers therefore pay one volatile read per event, and one thread-pool enqueue per wake-up
/// when someone is waiting; subscriber code never runs on a writer's thread. A subscriber that falls more than
/// <see cref="Capacity"/> events behind skips to the oldest event still in the ring; the jump shows in
/// <see cref="NetEventRecord.Sequence"/>.
/// </para>
/// </remarks>
public sealed class NetEventLog
{
    /// <summary>The default capacity, in events.</summary>
    public const int DefaultCapacity = 65536;

    private const ulong BusyBit = 1;
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    // Longest run of events a subscriber skips or rejects before it yields its thread.
    private const int SubscriberBatch = 4096;

    private readonly Slot[] _slots;
    private readonly ulong _capacity;
    private readonly ulong _mask;
    private readonly TimeProvider _time;
    private readonly WakeWorkItem _wakeItem;

    // Written by every writer: kept on its own cache lines.
    private PaddedCounter _head;

    private volatile bool _collect = true;
    private volatile NetEventKeywords _keywords;
    private int _armed;
    private ulong _collisions;
    private TaskCompletionSource _signal = NewSignal();

    /// <summary>Creates an empty log; the ring's array is allocated here, once.</summary>
    /// <param name="capacity">How many events the ring holds (at least 1). A power of two indexes slightly faster.</param>
    /// <param name="timeProvider">The clock used to stamp events written with no time; the system clock when null.</param>
    public NetEventLog(int capacity = DefaultCapacity, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Slot[capacity];
        _capacity = (ulong)capacity;
        _mask = ulong.IsPow2(_capacity) ? _capacity - 1 : 0;
        _time = timeProvider ?? TimeProvider.System;
        _wakeItem = new WakeWorkItem(this);
    }

    private enum ReadResult
    {
        Published,
        Lost,
        Pending,
    }

    private enum Step
    {
        Found,
        Wait,
        Yield,
    }

    /// <summary>How many events the ring holds.</summary>
    public int Capacity => _slots.Length;

    /// <summary>
    /// FWPM_ENGINE_COLLECT_NET_EVENTS (engine option 0): while false, nothing is recorded. On by default. Turning it off
    /// keeps the events already in the ring.
    /// </summary>
    public bool Collect
    {
        get => _collect;
        set => _collect = value;
    }

    /// <summary>FWPM_ENGINE_NET_EVENT_MATCH_ANY_KEYWORDS (engine option 1): event kinds recorded on top of the default drops.</summary>
    public NetEventKeywords Keywords
    {
        get => _keywords;
        set => _keywords = value;
    }

    /// <summary>How many events have been written: the last sequence number assigned.</summary>
    public ulong Written => Volatile.Read(ref _head.Value);

    /// <summary>
    /// How many written events have left the ring: all but the newest <see cref="Capacity"/> sequence numbers. This is
    /// the <c>dropped</c> count of the protocol's <c>NetEventList</c>.
    /// </summary>
    public ulong Overwritten
    {
        get
        {
            var head = Written;
            return head > _capacity ? head - _capacity : 0;
        }
    }

    /// <summary>
    /// How many events were dropped while still among the newest <see cref="Capacity"/>, because their slot was still
    /// being written by a writer a whole lap behind. Readers see them as sequence gaps. Expected to stay 0 unless the
    /// ring is small and writer threads are descheduled mid-write.
    /// </summary>
    public ulong Collisions => Volatile.Read(ref _collisions);

    /// <summary>
    /// Whether an event of <paramref name="type"/> would be recorded: nothing while <see cref="Collect"/> is off;
    /// classify and capability allows, and capability drops, only with their keyword; every other type always. A data
    /// plane calls this before it builds a record.
    /// </summary>
    /// <param name="type">The event type.</param>
    /// <returns>True when such an event is to be written.</returns>
    public bool ShouldRecord(NetEventType type)
    {
        if (!_collect)
        {
            return false;
        }

        return type switch
        {
            NetEventType.ClassifyAllow => (_keywords & NetEventKeywords.ClassifyAllow) != 0,
            NetEventType.CapabilityDrop => (_keywords & NetEventKeywords.CapabilityDrop) != 0,
            NetEventType.CapabilityAllow => (_keywords & NetEventKeywords.CapabilityAllow) != 0,
            _ => type < NetEventType.Max,
        };
    }

    /// <summary>
    /// <see cref="ShouldRecord(NetEventType)"/>, and for an inbound classify drop whose local (destination) address is
    /// multicast (224.0.0.0/4, ff00::/8) or the IPv4 limited broadcast 255.255.255.255, the INBOUND_MCAST or
    /// INBOUND_BCAST keyword. (A subnet-directed broadcast cannot be told from the record and counts as unicast.)
    /// </summary>
    /// <param name="e">The event.</param>
    /// <returns>True when the event is to be written; <see cref="Write"/> applies the same test.</returns>
    public bool ShouldRecord(in NetEventRecord e)
    {
        if (!ShouldRecord(e.Type))
        {
            return false;
        }

        if (e.Type == NetEventType.ClassifyDrop && e.Direction == NetEventDirection.In)
        {
            var local = e.LocalAddress;
            var multicast = e.IpVersion == 4 ? (local >> 28) == 0xE : e.IpVersion == 6 && (local >> 120) == 0xFF;
            if (multicast)
            {
                return (_keywords & NetEventKeywords.InboundMulticast) != 0;
            }

            if (e.IpVersion == 4 && local == uint.MaxValue)
            {
                return (_keywords & NetEventKeywords.InboundBroadcast) != 0;
            }
        }

        return true;
    }

    /// <summary>
    /// Records an event if <see cref="ShouldRecord(in NetEventRecord)"/> says so, assigning it the next sequence number
    /// and, when its <see cref="NetEventRecord.TimeUnixNs"/> is 0, the current time. Never blocks, never allocates;
    /// safe to call from any number of threads at once.
    /// </summary>
    /// <param name="e">The event; copied into the ring.</param>
    public void Write(in NetEventRecord e)
    {
        if (!ShouldRecord(in e))
        {
            return;
        }

        var time = e.TimeUnixNs == 0 ? NowUnixNs() : 0;
        var seq = Interlocked.Increment(ref _head.Value);
        ref var slot = ref _slots[Index(seq)];
        var stamp = Volatile.Read(ref slot.Stamp);
        while (true)
        {
            if ((stamp >> 1) >= seq)
            {
                // A writer at least a lap ahead already owns the slot: this event is older than the ring and is
                // counted in Overwritten.
                return;
            }

            if ((stamp & BusyBit) != 0)
            {
                // A writer a lap behind is still copying into the slot. Do not wait for it: drop this event and leave
                // a tombstone so that readers waiting for this sequence number move on.
                MarkLost(ref slot, seq);
                return;
            }

            var seen = Interlocked.CompareExchange(ref slot.Stamp, (seq << 1) | BusyBit, stamp);
            if (seen == stamp)
            {
                break;
            }

            stamp = seen;
        }

        slot.Record = e;
        slot.Record.Sequence = seq;
        if (time != 0)
        {
            slot.Record.TimeUnixNs = time;
        }

        // A full fence: the record is visible before the stamp, and the stamp before the read of _armed below
        // (a subscriber sets _armed and then reads the stamp).
        Interlocked.Exchange(ref slot.Stamp, seq << 1);
        if (Volatile.Read(ref _armed) != 0)
        {
            Wake();
        }
    }

    /// <summary>
    /// The events in the ring that match <paramref name="query"/>, oldest first (FwpmNetEventEnum). Events being written
    /// at the moment of the call are left out; a consistent snapshot is not promised while writers are active.
    /// </summary>
    /// <param name="query">The template.</param>
    /// <returns>The matching events, at most <see cref="NetEventQuery.MaxCount"/> when that is not 0.</returns>
    /// <exception cref="WfpException">FWP_E_INVALID_INTERVAL: the template's end time is before its start time.</exception>
    public IReadOnlyList<NetEventRecord> Query(NetEventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var head = Written;
        var first = head > _capacity ? head - _capacity + 1 : 1;
        var max = query.MaxCount;
        var result = new List<NetEventRecord>();
        for (var seq = first; seq <= head; seq++)
        {
            if (TryRead(seq, out var record) == ReadResult.Published && query.Matches(in record))
            {
                result.Add(record);
                if (result.Count == max)
                {
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The events written from now on that match <paramref name="query"/>, in sequence order, as they are written
    /// (FwpmNetEventSubscribe). The starting point is taken when this method is called, not at the first
    /// <c>MoveNextAsync</c>. The stream ends after <see cref="NetEventQuery.MaxCount"/> events when that is not 0,
    /// and otherwise runs until cancelled.
    /// </summary>
    /// <param name="query">The template; its time window applies too.</param>
    /// <param name="cancellationToken">Ends the subscription: the pending <c>MoveNextAsync</c> throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The live events.</returns>
    /// <exception cref="WfpException">
    /// FWP_E_NET_EVENTS_DISABLED while <see cref="Collect"/> is off; FWP_E_INVALID_INTERVAL for an end time before the start time.
    /// </exception>
    public IAsyncEnumerable<NetEventRecord> Subscribe(NetEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        if (!_collect)
        {
            throw new WfpException(WfpError.NetEventsDisabled, "Net event collection is off (FWPM_ENGINE_COLLECT_NET_EVENTS); turn it on before subscribing.");
        }

        return SubscribeCore(query, Written + 1, cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async IAsyncEnumerable<NetEventRecord> SubscribeCore(
        NetEventQuery query, ulong next, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var delivered = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Taken before looking: a wake-up after the look completes this task or a later one.
            var signal = Volatile.Read(ref _signal).Task;
            var step = TryNext(query, ref next, out var record);
            if (step == Step.Found)
            {
                yield return record;
                if (++delivered == query.MaxCount)
                {
                    yield break;
                }

                continue;
            }

            if (step == Step.Yield)
            {
                await Task.Yield();
                continue;
            }

            // Arm (a full fence), then look again: a writer that published before the arm did not see it.
            Interlocked.Exchange(ref _armed, 1);
            if (IsReady(next))
            {
                continue;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Moves `next` past lost and non-matching events; stops at a match, at an event not yet published, or after a batch.
    private Step TryNext(NetEventQuery query, ref ulong next, out NetEventRecord record)
    {
        for (var n = 0; n < SubscriberBatch; n++)
        {
            var head = Written;
            if (next > head)
            {
                record = default;
                return Step.Wait;
            }

            if (head > _capacity && next <= head - _capacity)
            {
                next = head - _capacity + 1;
            }

            switch (TryRead(next, out record))
            {
                case ReadResult.Published:
                    next++;
                    if (query.Matches(in record))
                    {
                        return Step.Found;
                    }

                    break;
                case ReadResult.Lost:
                    next++;
                    break;
                default:
                    return Step.Wait;
            }
        }

        record = default;
        return Step.Yield;
    }

    private bool IsReady(ulong next)
    {
        var head = Written;
        if (next > head)
        {
            return false;
        }

        return (head > _capacity && next <= head - _capacity) || TryRead(next, out _) != ReadResult.Pending;
    }

    private ReadResult TryRead(ulong seq, out NetEventRecord record)
    {
        ref var slot = ref _slots[Index(seq)];
        var published = seq << 1;
        var before = Volatile.Read(ref slot.Stamp);
        if (before == published)
        {
            record = slot.Record;

            // The copy's loads complete before the stamp is read again.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref slot.Stamp) == published)
            {
                return ReadResult.Published;
            }

            // Stamps only grow: a writer of a later lap took the slot during the copy.
            record = default;
            return ReadResult.Lost;
        }

        record = default;
        if ((before >> 1) > seq || Volatile.Read(ref slot.LostSeq) >= seq)
        {
            return ReadResult.Lost;
        }

        // Not claimed yet, or claimed and still being copied.
        return ReadResult.Pending;
    }

    private void MarkLost(ref Slot slot, ulong seq)
    {
        var lost = Volatile.Read(ref slot.LostSeq);
        while (lost < seq)
        {
            var seen = Interlocked.CompareExchange(ref slot.LostSeq, seq, lost);
            if (seen == lost)
            {
                break;
            }

            lost = seen;
        }

        // A full fence before the read of _armed.
        Interlocked.Increment(ref _collisions);
        if (Volatile.Read(ref _armed) != 0)
        {
            Wake();
        }
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _armed, 0) != 0)
        {
            // The work item is preallocated; the thread pool's queue is lock-free.
            ThreadPool.UnsafeQueueUserWorkItem(_wakeItem, preferLocal: false);
        }
    }

    private void ReleaseSubscribers() => Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index(ulong seq) => (int)(_mask != 0 ? seq & _mask : seq % _capacity);

    private long NowUnixNs() => (_time.GetUtcNow().UtcTicks - UnixEpochTicks) * 100;

    private struct Slot
    {
        // (sequence << 1) | busy. 0: never written. Only grows.
        public ulong Stamp;

        // The newest sequence number dropped at this slot because a writer a lap behind was still copying into it.
        public ulong LostSeq;

        public NetEventRecord Record;
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public ulong Value;
    }

    private sealed class WakeWorkItem(NetEventLog log) : IThreadPoolWorkItem
    {
        public void Execute() => log.ReleaseSubscribers();
    }
}
