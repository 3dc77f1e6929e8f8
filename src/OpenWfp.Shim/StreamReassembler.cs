using OpenWfp.Engine.Callouts;

namespace OpenWfp.Shim;

/// <summary>What a direction of a stream waits for before it is indicated again.</summary>
internal enum StreamWait : byte
{
    None,

    /// <summary>FWPS_STREAM_ACTION_NEED_MORE_DATA: until <see cref="StreamDirection.Required"/> bytes are in order.</summary>
    NeedMore,

    /// <summary>FWPS_STREAM_ACTION_DEFER: until FwpsStreamContinue0.</summary>
    Deferred,
}

/// <summary>
/// One direction of a TCP connection as STREAM sees it: the sequence number of the first byte no callout has decided
/// yet (<see cref="Base"/>), and the bytes from there on that had to be kept (out of order, or held for a callout) in a
/// ring of <see cref="ShimOptions.StreamMaxBytesPerDirection"/> bytes, rented only while something is kept.
/// </summary>
internal sealed class StreamDirection
{
    /// <summary>Most disjoint runs kept at once; a segment that would need more is treated as out of buffer.</summary>
    public const int MaxRanges = 32;

    private readonly int[] _start = new int[MaxRanges];
    private readonly int[] _end = new int[MaxRanges];

    public bool Known;
    public uint Base;
    public ulong BaseOffset;
    public byte[]? Ring;
    public int Head;
    public int RangeCount;
    public bool FinSeen;
    public uint FinSeq;
    public bool Ended;
    public StreamWait Wait;
    public uint Required;
    public bool HasHeld;
    public ulong HeldTag;

    /// <summary>How far a stream edit moved this direction's sequence numbers (new minus original).</summary>
    public int Delta;

    /// <summary>The facts of the packet a DEFER held, for indicating its data again on FwpsStreamContinue0.</summary>
    public PacketFacts Facts;

    /// <summary>Bytes kept.</summary>
    public int Stored
    {
        get
        {
            var n = 0;
            for (var i = 0; i < RangeCount; i++)
            {
                n += _end[i] - _start[i];
            }

            return n;
        }
    }

    /// <summary>Bytes kept in order from <see cref="Base"/>.</summary>
    public int Contiguous => RangeCount > 0 && _start[0] == 0 ? _end[0] : 0;

    public void Reset()
    {
        Known = false;
        Base = 0;
        BaseOffset = 0;
        Ring = null;
        Head = 0;
        RangeCount = 0;
        FinSeen = false;
        FinSeq = 0;
        Ended = false;
        Wait = StreamWait.None;
        Required = 0;
        HasHeld = false;
        HeldTag = 0;
        Delta = 0;
        Facts = default;
    }

    /// <summary>
    /// Keeps <paramref name="data"/> at <paramref name="offset"/> bytes past <see cref="Base"/>. Bytes already kept win
    /// (the first copy of a byte is the one a receiver queued); <paramref name="conflict"/> reports a kept byte the new
    /// copy disagrees with. Returns the count of bytes that were new, or -1 when they do not fit the ring or the run list.
    /// </summary>
    public int Insert(int offset, ReadOnlySpan<byte> data, out bool conflict)
    {
        conflict = false;
        var ring = Ring!;
        var end = offset + data.Length;
        if (end > ring.Length)
        {
            return -1;
        }

        var added = 0;
        var at = offset;
        for (var i = 0; i <= RangeCount && at < end; i++)
        {
            var gapEnd = i < RangeCount ? Math.Min(end, _start[i]) : end;
            if (gapEnd > at)
            {
                Write(at, data[(at - offset)..(gapEnd - offset)]);
                added += gapEnd - at;
                at = gapEnd;
            }

            if (i < RangeCount && at < end && at < _end[i])
            {
                // Overlap with a kept run: compare, keep the first copy.
                var overlapEnd = Math.Min(end, _end[i]);
                if (!conflict && !Same(at, data[(at - offset)..(overlapEnd - offset)]))
                {
                    conflict = true;
                }

                at = overlapEnd;
            }
        }

        if (added > 0 && !AddRange(offset, end))
        {
            return -1;
        }

        return added;
    }

    /// <summary>The first <paramref name="length"/> kept bytes from <see cref="Base"/>, as up to two pieces of the ring.</summary>
    public void Pieces(int length, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        var ring = Ring!;
        var firstLength = Math.Min(length, ring.Length - Head);
        first = ring.AsSpan(Head, firstLength);
        second = ring.AsSpan(0, length - firstLength);
    }

    /// <summary>Marks the first <paramref name="length"/> bytes decided: <see cref="Base"/> moves past them.</summary>
    public void Consume(int length)
    {
        Base += (uint)length;
        BaseOffset += (ulong)length;
        if (Ring is null)
        {
            return;
        }

        Head = (Head + length) % Ring.Length;
        var kept = 0;
        for (var i = 0; i < RangeCount; i++)
        {
            var s = _start[i] - length;
            var e = _end[i] - length;
            if (e <= 0)
            {
                continue;
            }

            _start[kept] = Math.Max(0, s);
            _end[kept] = e;
            kept++;
        }

        RangeCount = kept;
    }

    /// <summary>Forgets the kept bytes of the first <paramref name="length"/> bytes (a block: they must come again).</summary>
    public void Forget(int length)
    {
        var kept = 0;
        for (var i = 0; i < RangeCount; i++)
        {
            if (_end[i] <= length)
            {
                continue;
            }

            _start[kept] = Math.Max(length, _start[i]);
            _end[kept] = _end[i];
            kept++;
        }

        RangeCount = kept;
    }

    private void Write(int offset, ReadOnlySpan<byte> data)
    {
        var ring = Ring!;
        var at = (Head + offset) % ring.Length;
        var n = Math.Min(data.Length, ring.Length - at);
        data[..n].CopyTo(ring.AsSpan(at));
        data[n..].CopyTo(ring);
    }

    private bool Same(int offset, ReadOnlySpan<byte> data)
    {
        var ring = Ring!;
        var at = (Head + offset) % ring.Length;
        var n = Math.Min(data.Length, ring.Length - at);
        return data[..n].SequenceEqual(ring.AsSpan(at, n)) && data[n..].SequenceEqual(ring.AsSpan(0, data.Length - n));
    }

    private bool AddRange(int start, int end)
    {
        // Runs before the new one that do not touch it stay; the ones it overlaps or touches merge into it.
        var i = 0;
        while (i < RangeCount && _end[i] < start)
        {
            i++;
        }

        var j = i;
        while (j < RangeCount && _start[j] <= end)
        {
            start = Math.Min(start, _start[j]);
            end = Math.Max(end, _end[j]);
            j++;
        }

        var merged = j - i;
        if (merged == 0 && RangeCount == MaxRanges)
        {
            return false;
        }

        var tail = RangeCount - j;
        Array.Copy(_start, j, _start, i + 1, tail);
        Array.Copy(_end, j, _end, i + 1, tail);
        _start[i] = start;
        _end[i] = end;
        RangeCount = i + 1 + tail;
        return true;
    }
}

/// <summary>The STREAM state of one TCP connection: its two directions.</summary>
internal sealed class StreamState
{
    public readonly StreamDirection Send = new();
    public readonly StreamDirection Receive = new();
    public ulong FlowId;
    public bool InUse;

    /// <summary>A callout dropped the connection outside a packet (after FwpsStreamContinue0): reset at its next packet.</summary>
    public bool Dropped;

    /// <summary>FWPS_STREAM_ACTION_ALLOW_CONNECTION: no more STREAM classifies for this connection.</summary>
    public bool AllowAll;

    public StreamDirection Of(bool inbound) => inbound ? Receive : Send;
}

/// <summary>
/// The stream states of one shim and the rings their directions keep bytes in (docs/SHIM.md, "Stream"). Rings are
/// rented from a pool, returned when a direction keeps nothing or its flow ends, so a warm shim allocates nothing per
/// segment; <see cref="ReservedBytes"/> (rings rented) never exceeds <see cref="ShimOptions.StreamMaxBytesTotal"/>.
/// </summary>
internal sealed class StreamReassembler(int bytesPerDirection, long bytesTotal)
{
    private readonly Stack<byte[]> _free = new();
    private readonly Stack<int> _freeStates = new();
    private readonly List<StreamState> _states = [];

    public int BytesPerDirection { get; } = Math.Max(1, bytesPerDirection);

    /// <summary>Ring bytes rented by directions now (what the global bound limits).</summary>
    public long ReservedBytes { get; private set; }

    /// <summary>Connections with STREAM state.</summary>
    public int ActiveStates { get; private set; }

    /// <summary>Bytes kept (out-of-order or held data) in all directions.</summary>
    public long KeptBytes
    {
        get
        {
            long n = 0;
            foreach (var s in _states)
            {
                if (s.InUse)
                {
                    n += s.Send.Stored + s.Receive.Stored;
                }
            }

            return n;
        }
    }

    /// <summary>A new state for <paramref name="flowId"/>; its handle (index + 1) goes in the flow entry.</summary>
    public int Create(ulong flowId)
    {
        int index;
        if (_freeStates.Count > 0)
        {
            index = _freeStates.Pop();
        }
        else
        {
            index = _states.Count;
            _states.Add(new StreamState());
        }

        var s = _states[index];
        s.Send.Reset();
        s.Receive.Reset();
        s.FlowId = flowId;
        s.AllowAll = false;
        s.Dropped = false;
        s.InUse = true;
        ActiveStates++;
        return index + 1;
    }

    public StreamState At(int handle) => _states[handle - 1];

    /// <summary>The state of the flow <paramref name="flowId"/>, or null (rare: FwpsStreamContinue0 and stream edits look flows up by id).</summary>
    public StreamState? Find(ulong flowId)
    {
        foreach (var s in _states)
        {
            if (s.InUse && s.FlowId == flowId)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>Gives <paramref name="d"/> a ring; false when the global bound leaves none.</summary>
    public bool Rent(StreamDirection d)
    {
        if (d.Ring is not null)
        {
            return true;
        }

        if (ReservedBytes + BytesPerDirection > bytesTotal)
        {
            return false;
        }

        d.Ring = _free.Count > 0 ? _free.Pop() : new byte[BytesPerDirection];
        d.Head = 0;
        ReservedBytes += BytesPerDirection;
        return true;
    }

    /// <summary>Returns the ring of a direction that keeps nothing and waits for nothing.</summary>
    public void ReturnIfEmpty(StreamDirection d)
    {
        if (d.Ring is not null && d.RangeCount == 0 && d.Wait == StreamWait.None)
        {
            Return(d);
        }
    }

    public void Free(int handle)
    {
        var s = _states[handle - 1];
        if (!s.InUse)
        {
            return;
        }

        Return(s.Send);
        Return(s.Receive);
        s.InUse = false;
        ActiveStates--;
        _freeStates.Push(handle - 1);
    }

    /// <summary>Every state in use, for a reset.</summary>
    public IEnumerable<int> Handles()
    {
        for (var i = 0; i < _states.Count; i++)
        {
            if (_states[i].InUse)
            {
                yield return i + 1;
            }
        }
    }

    private void Return(StreamDirection d)
    {
        if (d.Ring is null)
        {
            return;
        }

        _free.Push(d.Ring);
        d.Ring = null;
        d.Head = 0;
        d.RangeCount = 0;
        ReservedBytes -= BytesPerDirection;
    }
}

/// <summary>FWPS_STREAM_DATA0 flags for a direction.</summary>
internal static class StreamFlags
{
    public static StreamDataFlags Direction(bool inbound) => inbound ? StreamDataFlags.Receive : StreamDataFlags.Send;

    public static StreamDataFlags Disconnect(bool inbound) => inbound ? StreamDataFlags.ReceiveDisconnect : StreamDataFlags.SendDisconnect;

    public static StreamDataFlags Abort(bool inbound) => inbound ? StreamDataFlags.ReceiveAbort : StreamDataFlags.SendAbort;

    public static StreamDataFlags Expedited(bool inbound) => inbound ? StreamDataFlags.ReceiveExpedited : StreamDataFlags.SendExpedited;

    // FWPS_STREAM_DATA0 has a PUSH flag for receive only; a sender's PSH asks for no delay (FWPS_STREAM_FLAG_SEND_NODELAY).
    public static StreamDataFlags Push(bool inbound) => inbound ? StreamDataFlags.ReceivePush : StreamDataFlags.SendNoDelay;
}
