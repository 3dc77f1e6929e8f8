using System.Buffers.Binary;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

/// <summary>What became of a fragment handed to <see cref="FragmentTable.Add"/>.</summary>
internal enum FragmentOutcome : byte
{
    /// <summary>Kept; its datagram is not whole yet.</summary>
    Held,

    /// <summary>It completed its datagram, now in <see cref="FragmentTable.Datagram"/>.</summary>
    Complete,

    /// <summary>It overlaps bytes already held with different content: the datagram is abandoned.</summary>
    Overlap,

    /// <summary>It cannot belong to any datagram (length, offset or end inconsistent): the datagram is abandoned.</summary>
    Invalid,

    /// <summary>The capture cut it short, so its datagram can never be rebuilt; nothing was kept.</summary>
    Truncated,
}

/// <summary>
/// IP reassembly for the shim (docs/SHIM.md, "Fragments"): WFP classifies the transport and ALE layers on whole
/// datagrams, so fragments are collected here until their datagram is whole, then the shim walks those layers once on
/// the rebuilt datagram. Also remembers, for a while, datagrams that were dropped, so that their other fragments are
/// dropped with them.
/// </summary>
/// <remarks>
/// <para>Bounded: at most <c>maxDatagrams</c> datagrams are collected at once, each in a buffer of
/// <see cref="BufferLength"/> bytes allocated the first time its slot is used and then reused (so at most
/// maxDatagrams × 66 KiB), and a datagram not whole within the timeout is forgotten. When every slot is taken the
/// oldest datagram is abandoned and remembered as dropped, so that a flood of fragments cannot push a datagram out and
/// let its remaining fragments through unexamined.</para>
/// <para>Overlaps: a fragment that overlaps bytes already held is accepted only when those bytes are identical (a
/// retransmission); any conflicting overlap abandons the whole datagram and drops its remaining fragments, as RFC 5722
/// requires for IPv6 and as Linux also does for IPv4 — otherwise a later fragment could rewrite ports or flags the
/// filters already saw.</para>
/// <para>Not thread-safe: one table per shim.</para>
/// </remarks>
internal sealed class FragmentTable
{
    /// <summary>Room before the data for the rebuilt header: an IPv4 header with options, or IPv6's unfragmentable part.</summary>
    public const int HeaderRoom = 512;

    /// <summary>The largest datagram: IPv4's total length field (RFC 791), or IPv6's payload length plus its header (RFC 8200).</summary>
    public const int MaxDatagramLength = 65_535;

    /// <summary>Bytes of one slot's buffer.</summary>
    public const int BufferLength = HeaderRoom + MaxDatagramLength;

    private const int Unit = 8;
    private const int UnitWords = (MaxDatagramLength / Unit + 64) / 64;

    private readonly Slot[] _slots;
    private readonly Dropped[] _dropped;
    private readonly long _timeout;
    private byte[]? _datagramBuffer;
    private int _datagramStart;
    private int _datagramLength;

    public FragmentTable(int maxDatagrams, int droppedCapacity, long timeoutNanoseconds)
    {
        _slots = new Slot[Math.Max(1, maxDatagrams)];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot();
        }

        _dropped = new Dropped[Math.Max(1, droppedCapacity)];
        _timeout = timeoutNanoseconds;
    }

    /// <summary>Datagrams being collected.</summary>
    public int Pending
    {
        get
        {
            var n = 0;
            foreach (var s in _slots)
            {
                n += s.Used ? 1 : 0;
            }

            return n;
        }
    }

    /// <summary>The datagram the last <see cref="FragmentOutcome.Complete"/> rebuilt; valid until the next <see cref="Add"/>.</summary>
    public ReadOnlySpan<byte> Datagram => _datagramBuffer.AsSpan(_datagramStart, _datagramLength);

    /// <summary>True when the datagram of <paramref name="p"/> was dropped recently; the layer and filter that dropped it.</summary>
    public bool TryGetDropped(in ParsedPacket p, long now, out ushort layerId, out ulong filterId, out ShimReason reason)
    {
        var key = KeyOf(in p);
        ref var e = ref _dropped[DroppedSlot(in key)];
        if (e.Used && e.Key == key && now - e.Time <= _timeout)
        {
            layerId = e.LayerId;
            filterId = e.FilterId;
            reason = e.Reason;
            return true;
        }

        layerId = 0;
        filterId = 0;
        reason = default;
        return false;
    }

    /// <summary>Remembers that the datagram of <paramref name="p"/> was dropped, and stops collecting it.</summary>
    public void RememberDropped(in ParsedPacket p, long now, ushort layerId, ulong filterId, ShimReason reason)
    {
        var key = KeyOf(in p);
        Remember(in key, now, layerId, filterId, reason);
        foreach (var s in _slots)
        {
            if (s.Used && s.Key == key)
            {
                s.Used = false;
            }
        }
    }

    /// <summary>Adds one fragment (<paramref name="p"/> parsed from <paramref name="frame"/>) to its datagram.</summary>
    public FragmentOutcome Add(ReadOnlySpan<byte> frame, in ParsedPacket p, long now, ushort layerId)
    {
        var network = p.NetworkOffset;
        int dataStart;
        int headerLength;
        if (p.IpVersion == 4)
        {
            headerLength = (frame[network] & 0x0F) * 4;
            dataStart = network + headerLength;
        }
        else
        {
            headerLength = p.FragmentHeaderOffset - network;
            dataStart = p.FragmentHeaderOffset + 8;
        }

        var dataEnd = network + p.IpLength;
        if (p.Has(PacketFlags.NetworkTruncated) || dataEnd > frame.Length)
        {
            return FragmentOutcome.Truncated;
        }

        var key = KeyOf(in p);
        var more = p.Has(PacketFlags.MoreFragments);
        var offset = p.FragmentOffset;
        var length = dataEnd - dataStart;
        var end = offset + length;
        var slot = Find(in key, now);
        if (length < 0 || (more && (length == 0 || length % Unit != 0)) || end > MaxDatagramLength
            || (offset == 0 && headerLength > HeaderRoom))
        {
            return Abandon(slot, in key, now, layerId, FragmentOutcome.Invalid);
        }

        slot ??= Take(now, layerId);
        if (!slot.Used)
        {
            slot.Start(in key, now);
        }

        // The last fragment fixes the end; nothing may lie beyond it, and no second last fragment may move it.
        if ((slot.Total >= 0 && (end > slot.Total || (!more && end != slot.Total))) || (!more && slot.MaxEnd > end))
        {
            return Abandon(slot, in key, now, layerId, FragmentOutcome.Invalid);
        }

        var data = frame[dataStart..dataEnd];
        var buffer = slot.Buffer!;
        var firstUnit = offset / Unit;
        var lastUnit = (end + Unit - 1) / Unit;
        for (var u = firstUnit; u < lastUnit; u++)
        {
            if (slot.Has(u))
            {
                var from = Math.Max(u * Unit, offset);
                var to = Math.Min(u * Unit + Unit, end);
                if (!data[(from - offset)..(to - offset)].SequenceEqual(buffer.AsSpan(HeaderRoom + from, to - from)))
                {
                    return Abandon(slot, in key, now, layerId, FragmentOutcome.Overlap);
                }
            }
        }

        data.CopyTo(buffer.AsSpan(HeaderRoom + offset));
        for (var u = firstUnit; u < lastUnit; u++)
        {
            slot.Set(u);
        }

        slot.MaxEnd = Math.Max(slot.MaxEnd, end);
        if (!more)
        {
            slot.Total = end;
        }

        if (offset == 0 && slot.HeaderLength == 0)
        {
            frame.Slice(network, headerLength).CopyTo(buffer.AsSpan(HeaderRoom - headerLength));
            slot.HeaderLength = headerLength;
            slot.NextHeader = p.IpVersion == 6 ? frame[p.FragmentHeaderOffset] : (byte)0;
        }

        if (slot.Total < 0 || slot.HeaderLength == 0 || slot.Units != (slot.Total + Unit - 1) / Unit)
        {
            return FragmentOutcome.Held;
        }

        if (!Rebuild(slot, p.IpVersion))
        {
            return Abandon(slot, in key, now, layerId, FragmentOutcome.Invalid);
        }

        slot.Used = false;
        return FragmentOutcome.Complete;
    }

    public void Clear()
    {
        foreach (var s in _slots)
        {
            s.Used = false;
        }

        Array.Clear(_dropped);
    }

    /// <summary>Writes the whole datagram's header in front of its data (RFC 791 section 3.2; RFC 8200 section 4.5).</summary>
    private bool Rebuild(Slot slot, byte ipVersion)
    {
        var buffer = slot.Buffer!;
        var start = HeaderRoom - slot.HeaderLength;
        var header = buffer.AsSpan(start, slot.HeaderLength);
        var length = slot.HeaderLength + slot.Total;
        if (ipVersion == 4)
        {
            if (length > MaxDatagramLength)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
            // Keep DF; clear MF and the offset.
            header[6] &= 0x40;
            header[7] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        }
        else
        {
            var payload = length - Ipv6Header.Length;
            if (payload > MaxDatagramLength)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)payload);
            // The header that named the Fragment header now names what the Fragment header carried.
            var pointer = 6;
            var offset = Ipv6Header.Length;
            while (offset < header.Length)
            {
                var type = header[pointer];
                pointer = offset;
                offset += type == IpProtocol.AuthenticationHeader ? (header[offset + 1] + 2) * 4 : (header[offset + 1] + 1) * 8;
            }

            header[pointer] = slot.NextHeader;
        }

        _datagramBuffer = buffer;
        _datagramStart = start;
        _datagramLength = length;
        return true;
    }

    private FragmentOutcome Abandon(Slot? slot, in Key key, long now, ushort layerId, FragmentOutcome outcome)
    {
        if (slot is not null)
        {
            slot.Used = false;
        }

        Remember(in key, now, layerId, 0, outcome == FragmentOutcome.Overlap ? ShimReason.FragmentOverlap : ShimReason.FragmentInvalid);
        return outcome;
    }

    private Slot? Find(in Key key, long now)
    {
        foreach (var s in _slots)
        {
            if (!s.Used)
            {
                continue;
            }

            if (now - s.Started > _timeout)
            {
                // Past the reassembly timeout: a receiver has given up on it too, so it is simply forgotten.
                s.Used = false;
                continue;
            }

            if (s.Key == key)
            {
                return s;
            }
        }

        return null;
    }

    private Slot Take(long now, ushort layerId)
    {
        Slot? oldest = null;
        foreach (var s in _slots)
        {
            if (!s.Used)
            {
                s.Buffer ??= new byte[BufferLength];
                return s;
            }

            if (oldest is null || s.Started < oldest.Started)
            {
                oldest = s;
            }
        }

        // Full: the oldest datagram is abandoned, and its remaining fragments will be dropped, not let through.
        Remember(in oldest!.Key, now, layerId, 0, ShimReason.FragmentInvalid);
        oldest.Used = false;
        return oldest;
    }

    private void Remember(in Key key, long now, ushort layerId, ulong filterId, ShimReason reason) =>
        _dropped[DroppedSlot(in key)] = new Dropped { Key = key, Used = true, Time = now, LayerId = layerId, FilterId = filterId, Reason = reason };

    private int DroppedSlot(in Key key)
    {
        var h = (ulong)key.Source ^ ((ulong)key.Destination * 0x9E3779B97F4A7C15UL) ^ ((ulong)(key.Source >> 64) * 31) ^ (ulong)(key.Destination >> 64);
        h ^= ((ulong)key.Id << 8) | key.Protocol;
        h *= 0xFF51AFD7ED558CCDUL;
        return (int)((h >> 33) % (ulong)_dropped.Length);
    }

    // RFC 791 section 3.2 and RFC 8200 section 4.5: source, destination, identification, and for IPv4 the protocol
    // (an IPv6 first fragment's parsed protocol may lie past extension headers its later fragments do not show).
    private static Key KeyOf(in ParsedPacket p) => p.IpVersion == 4
        ? new Key(p.SourceIPv4, p.DestinationIPv4, p.FragmentId, p.Protocol, 4)
        : new Key(p.SourceIPv6, p.DestinationIPv6, p.FragmentId, 0, 6);

    private readonly record struct Key(UInt128 Source, UInt128 Destination, uint Id, byte Protocol, byte IpVersion);

    private struct Dropped
    {
        public Key Key;
        public bool Used;
        public long Time;
        public ushort LayerId;
        public ulong FilterId;
        public ShimReason Reason;
    }

    /// <summary>One datagram being collected: its data at <see cref="HeaderRoom"/> onwards, which 8-byte units are held.</summary>
    private sealed class Slot
    {
        private readonly ulong[] _held = new ulong[UnitWords];

        public bool Used;
        public Key Key;
        public long Started;
        public byte[]? Buffer;
        public int HeaderLength;
        public byte NextHeader;
        public int Total;
        public int MaxEnd;
        public int Units;

        public void Start(in Key key, long now)
        {
            Used = true;
            Key = key;
            Started = now;
            HeaderLength = 0;
            Total = -1;
            MaxEnd = 0;
            Units = 0;
            Array.Clear(_held);
        }

        public bool Has(int unit) => (_held[unit >> 6] & (1UL << (unit & 63))) != 0;

        public void Set(int unit)
        {
            ref var word = ref _held[unit >> 6];
            var bit = 1UL << (unit & 63);
            if ((word & bit) == 0)
            {
                word |= bit;
                Units++;
            }
        }
    }
}
