using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// The STREAM layer (docs/SHIM.md, "Stream"): when STREAM has a callout, each TCP connection's two directions are
// reassembled and indicated in order as FWPS_STREAM_DATA0, and the callout's streamAction is carried out
// (FWPS_STREAM_CALLOUT_IO_PACKET0 on Microsoft Learn): NEED_MORE_DATA and DEFER hold the packet that carried the first
// held byte (its verdict comes later through the release queue), ALLOW_CONNECTION stops STREAM for the connection,
// DROP_CONNECTION resets it. Overlapping copies of a byte: the first one wins, as a receiver keeps what it queued
// first. Without a callout at STREAM nothing looks at the bytes, so each segment with data is classified on its own.
public sealed partial class PacketShim
{
    /// <summary>How often one segment's data may be indicated again after a callout enforced only part of it.</summary>
    private const int MaxPartialIndications = 16;

    private readonly StreamReassembler _streams;
    private readonly Queue<(ulong FlowId, bool Inbound)> _continues = new();
    private readonly Lock _continueLock = new();
    private volatile int _continueCount;

    // A stream edit (PacketShim.StreamEdit.cs) recorded during the current classify.
    private readonly byte[] _edit = new byte[65_535];
    private int _editLength = -1;
    private bool _editOpen;
    private ulong _editFlow;
    private bool _editInbound;

    private enum StreamOutcome : byte
    {
        Permit,
        Block,
        Hold,
        Reset,
        Edited,
    }

    /// <summary>Ring bytes the STREAM reassembly holds now (out-of-order and held data); never above <see cref="ShimOptions.StreamMaxBytesTotal"/>.</summary>
    public long StreamBytesReserved => _streams.ReservedBytes;

    /// <summary>Stream bytes kept now (out of order, or held for a callout).</summary>
    public long StreamBytesKept => _streams.KeptBytes;

    /// <summary>Connections with STREAM state.</summary>
    public int StreamConnections => _streams.ActiveStates;

    private IPacketInjector Injector => _injector;

    /// <summary>
    /// FwpsStreamContinue0: a callout's deferred direction of flow <paramref name="flowId"/> goes on (its held data is
    /// indicated again). Thread-safe: queued and applied on the shim's thread at the next <see cref="Process"/> or <see cref="Poll"/>.
    /// </summary>
    public void ContinueStream(ulong flowId, bool inbound)
    {
        lock (_continueLock)
        {
            _continues.Enqueue((flowId, inbound));
            _continueCount = _continues.Count;
        }
    }

    /// <summary>Applies what other threads asked for since the last call (continued streams); call when idle.</summary>
    /// <param name="now">Clock time, as given to <see cref="Process"/>.</param>
    public void Poll(long now)
    {
        _ = now;
        ApplyContinues();
    }

    private void ApplyContinues()
    {
        while (_continueCount > 0)
        {
            (ulong FlowId, bool Inbound) next;
            lock (_continueLock)
            {
                if (!_continues.TryDequeue(out next))
                {
                    _continueCount = 0;
                    return;
                }

                _continueCount = _continues.Count;
            }

            Continue(next.FlowId, next.Inbound);
        }
    }

    private void Continue(ulong flowId, bool inbound)
    {
        var s = _streams.Find(flowId);
        if (s is null || s.Of(inbound).Wait != StreamWait.Deferred)
        {
            return;
        }

        var d = s.Of(inbound);
        d.Wait = StreamWait.None;
        var f = d.Facts;
        var layers = f.IpVersion == 4 ? ShimLayers.V4 : ShimLayers.V6;
        var walk = new Walk(_engine.Current, null) { FlowId = flowId };
        var outcome = d.Contiguous > 0 ? Indicate(layers.Stream, ref f, ref walk, s, d, inbound, default, useStored: true, StreamDataFlags.None, 0) : StreamOutcome.Permit;
        if (outcome == StreamOutcome.Permit)
        {
            ReleaseHeld(d, ActionType.Permit, reset: false);
        }
        else if (outcome == StreamOutcome.Reset)
        {
            // The flow is marked blocked when its next packet comes (the flow table is the packet path's).
            ReleaseHeld(s.Send, ActionType.Block, reset: true);
            ReleaseHeld(s.Receive, ActionType.Block, reset: true);
            s.Dropped = true;
        }
    }

    private void FreeStream(int handle)
    {
        var s = _streams.At(handle);
        ReleaseHeld(s.Send, ActionType.Block, reset: false);
        ReleaseHeld(s.Receive, ActionType.Block, reset: false);
        _streams.Free(handle);
    }

    private void ReleaseHeld(StreamDirection d, ActionType action, bool reset)
    {
        if (d.HasHeld)
        {
            d.HasHeld = false;
            _releases.Add(new ShimRelease(d.HeldTag, action, Reclassify: false, reset));
        }
    }

    /// <summary>True when this TCP segment goes through reassembly (STREAM has a callout, or the flow already has stream state).</summary>
    private bool Streamed(LayerFieldMap map, ref Walk walk) =>
        walk.FlowSlot >= 0 && (_flows.At(walk.FlowSlot).Stream != 0 || (walk.Snapshot.HasFilters(map.LayerId) && HasCallouts(walk.Snapshot, map.LayerId)));

    /// <summary>One TCP segment at STREAM. Returns false when the packet is dropped or held.</summary>
    private bool Stream(LayerFieldMap map, ref PacketFacts f, ref ParsedPacket p, ref Walk walk)
    {
        ref var e = ref _flows.At(walk.FlowSlot);
        if (e.Stream == 0)
        {
            e.Stream = _streams.Create(e.FlowId);
        }

        var s = _streams.At(e.Stream);
        var inbound = f.Direction == FwpDirection.Inbound;
        var d = s.Of(inbound);
        var flags = p.TcpFlags;
        var payloadStart = p.PayloadOffset - p.NetworkOffset;
        var payload = payloadStart >= 0 && payloadStart <= walk.Ip.Length
            ? walk.Ip.Slice(payloadStart, Math.Min(p.PayloadLength, walk.Ip.Length - payloadStart))
            : default;
        ShiftForEdits(s, inbound, ref p, ref walk);
        if (s.Dropped)
        {
            return ResetStream(ref e, map, ref walk, 0, byCallout: true);
        }

        if (s.AllowAll)
        {
            return true;
        }

        var seq = p.TcpSequence;
        if ((flags & TcpFlags.Syn) != 0)
        {
            d.Known = true;
            d.Base = seq + 1;
            d.BaseOffset = 0;
            seq++;
        }

        if ((flags & TcpFlags.Rst) != 0)
        {
            return Abort(map, ref f, ref walk, ref e, s, d, inbound);
        }

        if (!d.Known)
        {
            if (payload.IsEmpty)
            {
                return true;
            }

            // A capture that starts mid-connection: the stream starts at the first data seen.
            d.Known = true;
            d.Base = seq;
        }

        if (d.Ended)
        {
            return true;
        }

        var fin = (flags & TcpFlags.Fin) != 0;
        var finSeq = seq + (uint)payload.Length;
        var rel = (int)(seq - d.Base);
        if (rel < 0)
        {
            // Bytes already decided: a retransmission; the receiver drops them too.
            var old = Math.Min(-rel, payload.Length);
            _counters.StreamRetransmittedBytes += old;
            payload = payload[old..];
            rel += old;
        }

        if (fin && (int)(finSeq - d.Base) >= 0)
        {
            d.FinSeen = true;
            d.FinSeq = finSeq;
        }

        var extra = (flags & TcpFlags.Psh) != 0 ? StreamFlags.Push(inbound) : StreamDataFlags.None;
        if ((flags & TcpFlags.Urg) != 0)
        {
            extra |= StreamFlags.Expedited(inbound);
        }

        var outcome = StreamOutcome.Permit;
        var classified = false;
        if (!payload.IsEmpty && rel >= 0)
        {
            if (rel == 0 && d.RangeCount == 0 && d.Wait == StreamWait.None)
            {
                // In order with nothing kept: indicated straight from the packet, no copy.
                outcome = IndicateSegment(map, ref f, ref walk, s, d, inbound, payload, extra);
                classified = true;
            }
            else
            {
                var before = d.Contiguous;
                var added = Keep(map, ref f, ref walk, s, d, inbound, rel, payload, out var conflict);
                if (added < 0)
                {
                    return ResetStream(ref e, map, ref walk, 0, byCallout: false);
                }

                _counters.StreamRetransmittedBytes += payload.Length - added;
                if (conflict)
                {
                    _counters.StreamOverlapConflicts++;
                    walk.StreamOverlapConflict = true;
                    walk.Trace?.Note(ShimNotes.StreamOverlapConflict);
                }

                var grew = d.Contiguous > before || (rel == 0 && d.Contiguous > 0);
                if (d.Wait == StreamWait.None && grew)
                {
                    outcome = IndicateKept(map, ref f, ref walk, s, d, inbound, extra, 0);
                    classified = true;
                }
                else if (d.Wait == StreamWait.NeedMore && (d.Contiguous >= d.Required || FinReached(d)))
                {
                    d.Wait = StreamWait.None;
                    outcome = IndicateKept(map, ref f, ref walk, s, d, inbound, extra, FinReached(d) ? ClassifyOut.FlagNoMoreData : 0);
                    classified = true;
                }
                else if (added == 0 && d.Wait != StreamWait.None)
                {
                    // A copy of bytes whose verdict waits: drop it; the held original carries the verdict.
                    walk.Block(map.LayerId, 0, absorbed: true, ShimReason.Classified);
                    return false;
                }
                else if (rel > d.Contiguous)
                {
                    _counters.StreamOutOfOrder++;
                    walk.Trace?.Note(ShimNotes.StreamOutOfOrder);
                }
            }
        }
        else if (d.Wait == StreamWait.NeedMore && FinReached(d) && d.Contiguous > 0)
        {
            d.Wait = StreamWait.None;
            outcome = IndicateKept(map, ref f, ref walk, s, d, inbound, StreamDataFlags.None, ClassifyOut.FlagNoMoreData);
            classified = true;
        }

        if (outcome == StreamOutcome.Permit && d.FinSeen && !d.Ended && d.Wait == StreamWait.None && d.Base == d.FinSeq)
        {
            // FIN with everything before it decided: the disconnect indication, with no data as in WFP.
            d.Ended = true;
            outcome = Indicate(map, ref f, ref walk, s, d, inbound, default, useStored: false, StreamFlags.Disconnect(inbound), 0);
            classified = true;
        }

        if (!classified && walk.Trace is null)
        {
            // Kept for later (out of order, or behind held data): permitted, as a receiver cannot deliver it yet.
            return true;
        }

        return Apply(outcome, map, ref walk, ref e, d);
    }

    private static bool FinReached(StreamDirection d) => d.FinSeen && d.Base + (uint)d.Contiguous == d.FinSeq;

    /// <summary>Keeps bytes that cannot be indicated yet; -1 when they do not fit (the connection is then reset).</summary>
    private int Keep(LayerFieldMap map, ref PacketFacts f, ref Walk walk, StreamState s, StreamDirection d, bool inbound, int rel, ReadOnlySpan<byte> payload, out bool conflict)
    {
        conflict = false;
        if (!_streams.Rent(d))
        {
            return -1;
        }

        var added = d.Insert(rel, payload, out conflict);
        if (added >= 0 || d.Wait != StreamWait.NeedMore || d.Contiguous == 0)
        {
            return added;
        }

        // Out of room while a callout waits for more: it gets what there is, flagged, and must decide; then the
        // segment is kept in the room that made.
        d.Wait = StreamWait.None;
        var baseBefore = d.Base;
        var outcome = IndicateKept(map, ref f, ref walk, s, d, inbound, StreamDataFlags.None, ClassifyOut.FlagBufferLimitReached);
        rel -= (int)(d.Base - baseBefore);
        if (outcome != StreamOutcome.Permit || rel < 0 || !_streams.Rent(d))
        {
            return -1;
        }

        return d.Insert(rel, payload, out conflict);
    }

    /// <summary>The current packet's verdict from what STREAM decided.</summary>
    private bool Apply(StreamOutcome outcome, LayerFieldMap map, ref Walk walk, ref FlowEntry e, StreamDirection d)
    {
        switch (outcome)
        {
            case StreamOutcome.Block:
                return false;
            case StreamOutcome.Hold:
                if (!d.HasHeld)
                {
                    d.HasHeld = true;
                    d.HeldTag = _packetTag;
                    walk.Block(map.LayerId, walk.StepFilterId, absorbed: true, ShimReason.Held);
                    return false;
                }

                // The receiver cannot deliver past the held packet: later ones may pass.
                return true;
            case StreamOutcome.Reset:
                return ResetStream(ref e, map, ref walk, walk.StepFilterId, byCallout: true);
            default:
                return true;
        }
    }

    private bool ResetStream(ref FlowEntry e, LayerFieldMap map, ref Walk walk, ulong filterId, bool byCallout)
    {
        if (byCallout)
        {
            _counters.StreamDroppedConnections++;
        }
        else
        {
            _counters.StreamBufferResets++;
        }

        e.Blocked = true;
        e.FilterId = filterId;
        walk.FlowBlocked = true;
        walk.ResetConnection = true;
        walk.Block(map.LayerId, filterId, absorbed: false, ShimReason.ConnectionDropped);
        if (e.Stream != 0)
        {
            var s = _streams.At(e.Stream);
            ReleaseHeld(s.Send, ActionType.Block, reset: true);
            ReleaseHeld(s.Receive, ActionType.Block, reset: true);
            _streams.Free(e.Stream);
            e.Stream = 0;
        }

        return false;
    }

    private bool Abort(LayerFieldMap map, ref PacketFacts f, ref Walk walk, ref FlowEntry e, StreamState s, StreamDirection d, bool inbound)
    {
        if (!d.Known || d.Ended)
        {
            return true;
        }

        // RST: what was kept will never be delivered; the abort indication has no data.
        d.Ended = true;
        ReleaseHeld(s.Send, ActionType.Block, reset: false);
        ReleaseHeld(s.Receive, ActionType.Block, reset: false);
        d.Wait = StreamWait.None;
        d.RangeCount = 0;
        var outcome = Indicate(map, ref f, ref walk, s, d, inbound, default, useStored: false, StreamFlags.Abort(inbound), 0);
        var permitted = outcome != StreamOutcome.Block;
        if (e.Stream != 0)
        {
            _streams.Free(e.Stream);
            e.Stream = 0;
        }

        return permitted;
    }

    private StreamOutcome IndicateSegment(LayerFieldMap map, ref PacketFacts f, ref Walk walk, StreamState s, StreamDirection d, bool inbound, ReadOnlySpan<byte> payload, StreamDataFlags extra)
    {
        var outcome = Indicate(map, ref f, ref walk, s, d, inbound, payload, useStored: false, extra, 0);
        if (outcome == StreamOutcome.Hold && d.Wait != StreamWait.None && d.Contiguous == 0 && !KeepDirect(d, payload))
        {
            return StreamOutcome.Reset;
        }

        return outcome;
    }

    private bool KeepDirect(StreamDirection d, ReadOnlySpan<byte> payload) => _streams.Rent(d) && d.Insert(0, payload, out _) >= 0;

    private StreamOutcome IndicateKept(LayerFieldMap map, ref PacketFacts f, ref Walk walk, StreamState s, StreamDirection d, bool inbound, StreamDataFlags extra, uint outFlags)
    {
        var outcome = StreamOutcome.Permit;
        for (var i = 0; i < MaxPartialIndications && d.Contiguous > 0; i++)
        {
            var before = d.Base;
            outcome = Indicate(map, ref f, ref walk, s, d, inbound, default, useStored: true, extra, outFlags);
            if (outcome != StreamOutcome.Permit || d.Base == before)
            {
                break;
            }
        }

        _streams.ReturnIfEmpty(d);
        return outcome;
    }

    /// <summary>
    /// One STREAM indication: the packet's own data (<paramref name="direct"/>), the kept in-order data
    /// (<paramref name="useStored"/>), or none (a disconnect or abort). Carries out the callout's stream action.
    /// </summary>
    private StreamOutcome Indicate(LayerFieldMap map, ref PacketFacts f, ref Walk walk, StreamState s, StreamDirection d, bool inbound, ReadOnlySpan<byte> direct, bool useStored, StreamDataFlags extra, uint outFlags)
    {
        ReadOnlySpan<byte> first = direct;
        ReadOnlySpan<byte> second = default;
        var length = direct.Length;
        if (useStored)
        {
            length = d.Contiguous;
            d.Pieces(length, out first, out second);
        }

        var io = default(StreamIoResult);
        var data = new StreamData(StreamFlags.Direction(inbound) | extra, d.BaseOffset, first, second, 0);
        _counters.StreamIndications++;
        _editOpen = !useStored && length > 0;
        _editFlow = s.FlowId;
        _editInbound = inbound;
        _editLength = -1;
        ClassifyResult result;
        try
        {
            result = ClassifyStream(map, ref f, walk.Snapshot, walk.Trace, walk.FlowId, new LayerData(data, ref io, Injector) { ClassifyOutFlags = outFlags });
            walk.StepFilterId = result.FilterId;
        }
        finally
        {
            _editOpen = false;
        }

        switch (io.Action)
        {
            case StreamAction.AllowConnection:
                s.AllowAll = true;
                foreach (var dir in (ReadOnlySpan<StreamDirection>)[s.Send, s.Receive])
                {
                    dir.Wait = StreamWait.None;
                    dir.RangeCount = 0;
                    ReleaseHeld(dir, ActionType.Permit, reset: false);
                    _streams.ReturnIfEmpty(dir);
                }

                walk.Permit(map.LayerId, result.FilterId);
                return StreamOutcome.Permit;
            case StreamAction.DropConnection:
                walk.StepFilterId = result.FilterId;
                return StreamOutcome.Reset;
            case StreamAction.NeedMoreData:
            case StreamAction.Defer:
                if ((outFlags & (ClassifyOut.FlagNoMoreData | ClassifyOut.FlagBufferLimitReached)) != 0 || length == 0)
                {
                    // Nothing more will come, or nothing more fits: fail closed.
                    walk.StepFilterId = result.FilterId;
                    return StreamOutcome.Reset;
                }

                if (io.Action == StreamAction.Defer)
                {
                    d.Wait = StreamWait.Deferred;
                    d.Facts = f;
                }
                else
                {
                    d.Wait = StreamWait.NeedMore;
                    d.Required = Math.Max(io.CountBytesRequired, (uint)length + 1);
                }

                walk.StepFilterId = result.FilterId;
                return StreamOutcome.Hold;
        }

        if (result.Action == ActionType.Block)
        {
            if (_editLength >= 0 && result.IsAbsorbed && !useStored)
            {
                // The callout absorbed the data and injected its replacement: the segment goes on edited.
                EditSegment(d, inbound, ref walk, length);
                d.Consume(length);
                ReleaseHeld(d, ActionType.Permit, reset: false);
                walk.Permit(map.LayerId, result.FilterId);
                return StreamOutcome.Edited;
            }

            // Blocked bytes are not decided: their retransmission is indicated again.
            if (useStored)
            {
                d.Forget(length);
            }

            d.Wait = StreamWait.None;
            ReleaseHeld(d, ActionType.Block, reset: false);
            walk.Block(map.LayerId, result.FilterId, result.IsAbsorbed, ShimReason.Classified);
            IndicateDiscard(map.LayerId, ref f, ref walk, StackValues.DiscardModuleGeneral, StackValues.DiscardFirewallPolicy, result.FilterId);
            return StreamOutcome.Block;
        }

        if (result.Action == ActionType.Permit)
        {
            walk.Permit(map.LayerId, result.FilterId);
        }

        var enforced = io.CountBytesEnforced == 0 || io.CountBytesEnforced >= (uint)length ? length : (int)io.CountBytesEnforced;
        if (enforced < length && !useStored && !KeepDirect(d, direct))
        {
            return StreamOutcome.Reset;
        }

        d.Consume(enforced);
        ReleaseHeld(d, ActionType.Permit, reset: false);
        return StreamOutcome.Permit;
    }

    /// <summary>Classifies STREAM with stream layer data; the caller carries out the answer.</summary>
    private ClassifyResult ClassifyStream(LayerFieldMap map, ref PacketFacts f, PolicySnapshot snapshot, ShimTrace? trace, ulong flowId, in LayerData data)
    {
        var hasFilters = snapshot.HasFilters(map.LayerId);
        if (!hasFilters && trace is null)
        {
            return ClassifyResult.NoMatch;
        }

        var values = _values.AsSpan(0, map.FieldCount);
        var metadata = Metadata(in f, flowId);
        var result = ClassifyResult.NoMatch;
        if (trace is { RecordValues: true })
        {
            f.Fill(map, values);
        }
        else if (hasFilters)
        {
            f.Fill(map, values, snapshot.FieldsRead(map.LayerId));
        }

        if (hasFilters)
        {
            _counters.Classifications++;
            result = _engine.Classify(snapshot, map.LayerId, values, in metadata, default, in data);
            _counters.CalloutFaults += result.CalloutFaults;
        }

        trace?.Add(map.LayerId, in result, hasFilters, false, values, in metadata);
        return result;
    }
}
