using System.Buffers.Binary;

namespace OpenWfp.Netlink;

/// <summary>
/// Encodes nfnetlink_queue requests (configuration and verdicts) into a caller-supplied buffer.
/// Netlink headers are written in host byte order; nfgenmsg res_id and all NFQA payload integers in network byte order.
/// </summary>
public static class NfQueueMessageWriter
{
    private const int HeaderLength = NetlinkConstants.NlmsgHdrLen + NetlinkConstants.NfgenmsgLen;

    /// <summary>Largest payload an attribute can carry (u16 nla_len minus the 4-byte header).</summary>
    public const int MaxAttributePayload = ushort.MaxValue - NetlinkConstants.NlaHdrLen;

    /// <summary>Writes <c>NFQNL_MSG_CONFIG {NFQA_CFG_CMD}</c>, e.g. bind to or unbind from a queue.</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="command">One of the <c>NFQNL_CFG_CMD_*</c> values.</param>
    /// <param name="protocolFamily">The pf field (only meaningful for the obsolete PF_BIND/PF_UNBIND).</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteConfigCommand(Span<byte> destination, uint sequence, ushort queue, byte command, ushort protocolFamily = 0, bool ack = true)
    {
        const int total = HeaderLength + NetlinkConstants.NlaHdrLen + 4;
        EnsureCapacity(destination, total);
        WriteHeader(destination, total, NfQueueConstants.MsgConfig, ack, sequence, queue);
        var attr = WriteAttributeHeader(destination, HeaderLength, NfQueueConstants.NfqaCfgCmd, 4);
        destination[attr] = command;
        destination[attr + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[(attr + 2)..], protocolFamily);
        return total;
    }

    /// <summary>Writes <c>NFQNL_MSG_CONFIG {NFQA_CFG_PARAMS}</c> (copy mode and range).</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="copyMode">One of the <c>NFQNL_COPY_*</c> values.</param>
    /// <param name="copyRange">Maximum number of payload bytes to copy.</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteConfigParams(Span<byte> destination, uint sequence, ushort queue, byte copyMode, uint copyRange, bool ack = true)
    {
        const int total = HeaderLength + NetlinkConstants.NlaHdrLen + 8; // 5-byte payload padded to 8
        EnsureCapacity(destination, total);
        WriteHeader(destination, total, NfQueueConstants.MsgConfig, ack, sequence, queue);
        var attr = WriteAttributeHeader(destination, HeaderLength, NfQueueConstants.NfqaCfgParams, 5);
        BinaryPrimitives.WriteUInt32BigEndian(destination[attr..], copyRange);
        destination[attr + 4] = copyMode;
        destination.Slice(attr + 5, 3).Clear();
        return total;
    }

    /// <summary>Writes <c>NFQNL_MSG_CONFIG {NFQA_CFG_QUEUE_MAXLEN}</c>.</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="maxLength">Maximum number of packets waiting for a verdict.</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteQueueMaxLength(Span<byte> destination, uint sequence, ushort queue, uint maxLength, bool ack = true)
    {
        const int total = HeaderLength + NetlinkConstants.NlaHdrLen + 4;
        EnsureCapacity(destination, total);
        WriteHeader(destination, total, NfQueueConstants.MsgConfig, ack, sequence, queue);
        WriteU32Attribute(destination, HeaderLength, NfQueueConstants.NfqaCfgQueueMaxLen, maxLength);
        return total;
    }

    /// <summary>Writes <c>NFQNL_MSG_CONFIG {NFQA_CFG_FLAGS, NFQA_CFG_MASK}</c>; the kernel requires the mask whenever flags are sent.</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="flags">The <c>NFQA_CFG_F_*</c> values to set.</param>
    /// <param name="mask">The <c>NFQA_CFG_F_*</c> bits to change.</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteConfigFlags(Span<byte> destination, uint sequence, ushort queue, uint flags, uint mask, bool ack = true)
    {
        const int total = HeaderLength + (2 * (NetlinkConstants.NlaHdrLen + 4));
        EnsureCapacity(destination, total);
        WriteHeader(destination, total, NfQueueConstants.MsgConfig, ack, sequence, queue);
        var offset = WriteU32Attribute(destination, HeaderLength, NfQueueConstants.NfqaCfgFlags, flags);
        WriteU32Attribute(destination, offset, NfQueueConstants.NfqaCfgMask, mask);
        return total;
    }

    /// <summary>Writes <c>NFQNL_MSG_VERDICT {NFQA_VERDICT_HDR [, NFQA_MARK]}</c>.</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="packetId">The packet id from NFQA_PACKET_HDR.</param>
    /// <param name="verdict">The verdict (<c>NF_*</c>, optionally with a queue number in bits 16..31).</param>
    /// <param name="mark">A new skb mark, or <see langword="null"/> to leave it unchanged.</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteVerdict(Span<byte> destination, uint sequence, ushort queue, uint packetId, uint verdict, uint? mark = null, bool ack = false)
        => WriteVerdictCore(destination, NfQueueConstants.MsgVerdict, sequence, queue, packetId, verdict, mark, ReadOnlySpan<byte>.Empty, false, ack);

    /// <summary>Writes <c>NFQNL_MSG_VERDICT_BATCH</c>: the verdict applies to every queued packet with an id up to <paramref name="highestPacketId"/>.</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="highestPacketId">The highest packet id covered.</param>
    /// <param name="verdict">The verdict (<c>NF_*</c>).</param>
    /// <param name="mark">A new skb mark, or <see langword="null"/> to leave it unchanged.</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteBatchVerdict(Span<byte> destination, uint sequence, ushort queue, uint highestPacketId, uint verdict, uint? mark = null, bool ack = false)
        => WriteVerdictCore(destination, NfQueueConstants.MsgVerdictBatch, sequence, queue, highestPacketId, verdict, mark, ReadOnlySpan<byte>.Empty, false, ack);

    /// <summary>Writes <c>NFQNL_MSG_VERDICT {NFQA_VERDICT_HDR [, NFQA_MARK], NFQA_PAYLOAD}</c> replacing the packet contents.</summary>
    /// <param name="destination">Buffer receiving the message.</param>
    /// <param name="sequence">The nlmsg_seq value.</param>
    /// <param name="queue">Queue number (nfgenmsg res_id).</param>
    /// <param name="packetId">The packet id from NFQA_PACKET_HDR.</param>
    /// <param name="verdict">The verdict (<c>NF_*</c>).</param>
    /// <param name="payload">The replacement packet from its L3 header; at most <see cref="MaxAttributePayload"/> bytes.</param>
    /// <param name="mark">A new skb mark, or <see langword="null"/> to leave it unchanged.</param>
    /// <param name="ack">Whether to set NLM_F_ACK.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteVerdictWithPayload(Span<byte> destination, uint sequence, ushort queue, uint packetId, uint verdict, ReadOnlySpan<byte> payload, uint? mark = null, bool ack = false)
    {
        if (payload.Length > MaxAttributePayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), "Payload exceeds the netlink attribute limit.");
        }

        return WriteVerdictCore(destination, NfQueueConstants.MsgVerdict, sequence, queue, packetId, verdict, mark, payload, true, ack);
    }

    private static int WriteVerdictCore(Span<byte> destination, byte message, uint sequence, ushort queue, uint packetId, uint verdict, uint? mark, ReadOnlySpan<byte> payload, bool hasPayload, bool ack)
    {
        var total = HeaderLength + NetlinkConstants.NlaHdrLen + 8;
        if (mark.HasValue)
        {
            total += NetlinkConstants.NlaHdrLen + 4;
        }

        if (hasPayload)
        {
            total += NetlinkConstants.NlaHdrLen + NetlinkConstants.Align(payload.Length);
        }

        EnsureCapacity(destination, total);
        WriteHeader(destination, total, message, ack, sequence, queue);
        var attr = WriteAttributeHeader(destination, HeaderLength, NfQueueConstants.NfqaVerdictHdr, 8);
        BinaryPrimitives.WriteUInt32BigEndian(destination[attr..], verdict);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(attr + 4)..], packetId);
        var offset = attr + 8;
        if (mark.HasValue)
        {
            offset = WriteU32Attribute(destination, offset, NfQueueConstants.NfqaMark, mark.GetValueOrDefault());
        }

        if (hasPayload)
        {
            attr = WriteAttributeHeader(destination, offset, NfQueueConstants.NfqaPayload, payload.Length);
            payload.CopyTo(destination[attr..]);
            var padded = NetlinkConstants.Align(payload.Length);
            destination.Slice(attr + payload.Length, padded - payload.Length).Clear();
        }

        return total;
    }

    private static void WriteHeader(Span<byte> destination, int total, byte message, bool ack, uint sequence, ushort queue)
    {
        var flags = NetlinkConstants.NlmFRequest;
        if (ack)
        {
            flags |= NetlinkConstants.NlmFAck;
        }

        HostOrder.WriteUInt32(destination, (uint)total);
        HostOrder.WriteUInt16(destination[4..], NfQueueConstants.MessageType(message));
        HostOrder.WriteUInt16(destination[6..], flags);
        HostOrder.WriteUInt32(destination[8..], sequence);
        HostOrder.WriteUInt32(destination[12..], 0);
        destination[16] = NetlinkConstants.AfUnspec;
        destination[17] = NetlinkConstants.NfnetlinkV0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[18..], queue);
    }

    /// <summary>Writes an nlattr header and returns the offset of its payload.</summary>
    private static int WriteAttributeHeader(Span<byte> destination, int offset, ushort type, int payloadLength)
    {
        HostOrder.WriteUInt16(destination[offset..], (ushort)(NetlinkConstants.NlaHdrLen + payloadLength));
        HostOrder.WriteUInt16(destination[(offset + 2)..], type);
        return offset + NetlinkConstants.NlaHdrLen;
    }

    /// <summary>Writes a be32 attribute and returns the offset after it.</summary>
    private static int WriteU32Attribute(Span<byte> destination, int offset, ushort type, uint value)
    {
        var attr = WriteAttributeHeader(destination, offset, type, 4);
        BinaryPrimitives.WriteUInt32BigEndian(destination[attr..], value);
        return attr + 4;
    }

    private static void EnsureCapacity(Span<byte> destination, int total)
    {
        if (destination.Length < total)
        {
            ThrowTooSmall();
        }
    }

    private static void ThrowTooSmall() => throw new ArgumentException("Destination buffer is too small for the message.", "destination");
}
