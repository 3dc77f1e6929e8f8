using System.Buffers.Binary;

namespace OpenWfp.Netlink;

/// <summary>The parts of a dumped conntrack entry that a mark update needs; offsets refer to the message.</summary>
internal struct ConntrackEntry
{
    public byte Family;
    public bool HasMark;
    public uint Mark;
    public int TupleOffset;
    public int TupleLength;
    public int ZoneOffset;
    public int ZoneLength;
}

/// <summary>Builds ctnetlink requests and reads dumped entries (linux/netfilter/nfnetlink_conntrack.h).</summary>
internal static class ConntrackMessages
{
    private const int HeaderLength = NetlinkConstants.NlmsgHdrLen + NetlinkConstants.NfgenmsgLen;
    private const int U32AttributeLength = NetlinkConstants.NlaHdrLen + 4;

    /// <summary>IPCTNL_MSG_CT_GET with NLM_F_DUMP for <paramref name="family"/> (AF_UNSPEC: every family).</summary>
    public static int WriteDumpRequest(Span<byte> destination, uint sequence, byte family = NetlinkConstants.AfUnspec)
    {
        WriteHeader(destination, HeaderLength, ConntrackConstants.MsgCtGet, (ushort)(NetlinkConstants.NlmFRequest | ConntrackConstants.NlmFDump), sequence, family);
        return HeaderLength;
    }

    /// <summary>The length <see cref="WriteMarkUpdate"/> needs.</summary>
    public static int MarkUpdateLength(int tupleLength, int zoneLength) =>
        HeaderLength + NetlinkConstants.Align(tupleLength) + NetlinkConstants.Align(zoneLength) + (2 * U32AttributeLength);

    /// <summary>
    /// IPCTNL_MSG_CT_NEW without NLM_F_CREATE (update only; ENOENT when the entry is gone) carrying the dumped
    /// CTA_TUPLE_ORIG (and CTA_ZONE) as they were, CTA_MARK and CTA_MARK_MASK. The kernel computes
    /// <c>new = (old &amp; ~mask) ^ mark</c> (nf_conntrack_netlink.c, ctnetlink_change_mark).
    /// </summary>
    public static int WriteMarkUpdate(Span<byte> destination, uint sequence, byte family, ReadOnlySpan<byte> tupleAttribute, ReadOnlySpan<byte> zoneAttribute, uint mark, uint mask)
    {
        var total = MarkUpdateLength(tupleAttribute.Length, zoneAttribute.Length);
        if (destination.Length < total)
        {
            throw new ArgumentException("Destination buffer is too small for the message.", nameof(destination));
        }

        WriteHeader(destination, total, ConntrackConstants.MsgCtNew, (ushort)(NetlinkConstants.NlmFRequest | NetlinkConstants.NlmFAck), sequence, family);
        var offset = CopyAttribute(destination, HeaderLength, tupleAttribute);
        offset = CopyAttribute(destination, offset, zoneAttribute);
        offset = WriteU32(destination, offset, ConntrackConstants.CtaMark, mark);
        WriteU32(destination, offset, ConntrackConstants.CtaMarkMask, mask);
        return total;
    }

    /// <summary>Reads a dumped entry (the whole netlink message, header included).</summary>
    /// <returns>False when the body is malformed or has no CTA_TUPLE_ORIG.</returns>
    public static bool TryReadEntry(ReadOnlySpan<byte> message, out ConntrackEntry entry)
    {
        entry = default;
        if (message.Length < HeaderLength)
        {
            return false;
        }

        entry.Family = message[NetlinkConstants.NlmsgHdrLen];
        var pos = HeaderLength;
        while (message.Length - pos >= NetlinkConstants.NlaHdrLen)
        {
            var length = HostOrder.ReadUInt16(message[pos..]);
            var type = (ushort)(HostOrder.ReadUInt16(message[(pos + 2)..]) & NetlinkConstants.NlaTypeMask);
            if (length < NetlinkConstants.NlaHdrLen || length > message.Length - pos)
            {
                return false;
            }

            switch (type)
            {
                case ConntrackConstants.CtaTupleOrig:
                    entry.TupleOffset = pos;
                    entry.TupleLength = length;
                    break;
                case ConntrackConstants.CtaZone:
                    entry.ZoneOffset = pos;
                    entry.ZoneLength = length;
                    break;
                case ConntrackConstants.CtaMark when length >= U32AttributeLength:
                    entry.HasMark = true;
                    entry.Mark = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + NetlinkConstants.NlaHdrLen)..]);
                    break;
                default:
                    break;
            }

            pos += NetlinkConstants.Align(length);
        }

        return entry.TupleLength > 0;
    }

    private static void WriteHeader(Span<byte> destination, int total, byte message, ushort flags, uint sequence, byte family)
    {
        HostOrder.WriteUInt32(destination, (uint)total);
        HostOrder.WriteUInt16(destination[4..], ConntrackConstants.MessageType(message));
        HostOrder.WriteUInt16(destination[6..], flags);
        HostOrder.WriteUInt32(destination[8..], sequence);
        HostOrder.WriteUInt32(destination[12..], 0);
        destination[16] = family;
        destination[17] = NetlinkConstants.NfnetlinkV0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[18..], 0);
    }

    private static int CopyAttribute(Span<byte> destination, int offset, ReadOnlySpan<byte> attribute)
    {
        attribute.CopyTo(destination[offset..]);
        var padded = NetlinkConstants.Align(attribute.Length);
        destination.Slice(offset + attribute.Length, padded - attribute.Length).Clear();
        return offset + padded;
    }

    private static int WriteU32(Span<byte> destination, int offset, ushort type, uint value)
    {
        HostOrder.WriteUInt16(destination[offset..], U32AttributeLength);
        HostOrder.WriteUInt16(destination[(offset + 2)..], type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + NetlinkConstants.NlaHdrLen)..], value);
        return offset + U32AttributeLength;
    }
}
