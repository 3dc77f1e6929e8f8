using System.Buffers.Binary;

namespace OpenWfp.Netlink;

/// <summary>Outcome of reading one netlink message.</summary>
public enum NetlinkReadStatus
{
    /// <summary>A message was read.</summary>
    Ok,

    /// <summary>No more messages in the buffer.</summary>
    End,

    /// <summary>The remaining bytes are shorter than a netlink header, or nlmsg_len overruns the buffer; reading stops.</summary>
    Truncated,

    /// <summary>nlmsg_len is smaller than the netlink header; reading stops.</summary>
    BadLength,

    /// <summary>The message was framed correctly but its body is shorter than its fixed header; the reader moved past it.</summary>
    MessageTooShort,

    /// <summary>An attribute is shorter than its header, overruns its message, or is too short for its type; the reader moved past the message.</summary>
    MalformedAttribute,

    /// <summary>A packet message has no NFQA_PACKET_HDR; the reader moved past the message.</summary>
    MissingPacketHeader,
}

/// <summary>Kind of a netlink message read by <see cref="NfQueueMessageReader"/>.</summary>
public enum NetlinkMessageKind
{
    /// <summary>Any other message type.</summary>
    Other,

    /// <summary>NFQNL_MSG_PACKET; <see cref="NetlinkMessage.Packet"/> is filled.</summary>
    Packet,

    /// <summary>NLMSG_ERROR; <see cref="NetlinkMessage.Error"/> holds 0 (acknowledgement) or a negative errno.</summary>
    Error,

    /// <summary>NLMSG_DONE.</summary>
    Done,
}

/// <summary>One netlink message located in a receive buffer.</summary>
public readonly struct NetlinkMessage
{
    internal NetlinkMessage(NetlinkMessageKind kind, int offset, int length, ushort type, ushort flags, uint sequence, uint portId, int error, in NfQueuePacket packet)
    {
        Kind = kind;
        Offset = offset;
        Length = length;
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PortId = portId;
        Error = error;
        Packet = packet;
    }

    /// <summary>Gets the message kind.</summary>
    public NetlinkMessageKind Kind { get; }

    /// <summary>Gets the offset of the nlmsghdr in the buffer.</summary>
    public int Offset { get; }

    /// <summary>Gets nlmsg_len.</summary>
    public int Length { get; }

    /// <summary>Gets nlmsg_type.</summary>
    public ushort Type { get; }

    /// <summary>Gets nlmsg_flags.</summary>
    public ushort Flags { get; }

    /// <summary>Gets nlmsg_seq.</summary>
    public uint Sequence { get; }

    /// <summary>Gets nlmsg_pid.</summary>
    public uint PortId { get; }

    /// <summary>Gets the NLMSG_ERROR code: 0 for an acknowledgement, otherwise a negative errno.</summary>
    public int Error { get; }

    /// <summary>Gets the positive errno of an NLMSG_ERROR (0 for an acknowledgement).</summary>
    public int Errno => -Error;

    /// <summary>Gets the parsed packet when <see cref="Kind"/> is <see cref="NetlinkMessageKind.Packet"/>.</summary>
    public NfQueuePacket Packet { get; }
}

/// <summary>An NFQNL_MSG_PACKET message; offsets refer to the buffer given to <see cref="NfQueueMessageReader"/>.</summary>
public struct NfQueuePacket
{
    /// <summary>Gets or sets the nfgenmsg family (NFPROTO_* of the hook).</summary>
    public byte Family { get; set; }

    /// <summary>Gets or sets the queue number (nfgenmsg res_id).</summary>
    public ushort QueueNumber { get; set; }

    /// <summary>Gets or sets the packet id to use in verdicts.</summary>
    public uint PacketId { get; set; }

    /// <summary>Gets or sets the hardware protocol (EtherType) in host order.</summary>
    public ushort HwProtocol { get; set; }

    /// <summary>Gets or sets the netfilter hook (NF_INET_*).</summary>
    public byte Hook { get; set; }

    /// <summary>Gets or sets the skb mark (0 when NFQA_MARK is absent).</summary>
    public uint Mark { get; set; }

    /// <summary>Gets or sets the input interface index (0 when absent).</summary>
    public uint InDevice { get; set; }

    /// <summary>Gets or sets the output interface index (0 when absent).</summary>
    public uint OutDevice { get; set; }

    /// <summary>Gets or sets the bridge input port index (0 when absent).</summary>
    public uint PhysInDevice { get; set; }

    /// <summary>Gets or sets the bridge output port index (0 when absent).</summary>
    public uint PhysOutDevice { get; set; }

    /// <summary>Gets or sets the socket owner uid (valid when NFQA_UID is present).</summary>
    public uint Uid { get; set; }

    /// <summary>Gets or sets the socket owner gid (valid when NFQA_GID is present).</summary>
    public uint Gid { get; set; }

    /// <summary>Gets or sets the conntrack info (<c>enum ip_conntrack_info</c>, valid when NFQA_CT_INFO is present).</summary>
    public uint ConntrackInfo { get; set; }

    /// <summary>Gets or sets the offset of the nested NFQA_CT payload (valid when present).</summary>
    public int ConntrackOffset { get; set; }

    /// <summary>Gets or sets the length of the nested NFQA_CT payload.</summary>
    public int ConntrackLength { get; set; }

    /// <summary>Gets or sets the original packet length (valid when NFQA_CAP_LEN is present, i.e. the payload was truncated).</summary>
    public uint CapLen { get; set; }

    /// <summary>Gets or sets the NFQA_SKB_* bits (0 when absent).</summary>
    public uint SkbInfo { get; set; }

    /// <summary>Gets or sets the offset of the payload (L3 header onwards) in the buffer.</summary>
    public int PayloadOffset { get; set; }

    /// <summary>Gets or sets the payload length (0 when absent).</summary>
    public int PayloadLength { get; set; }

    /// <summary>Gets or sets a bit set of present attribute types: bit <c>n</c> is set when NFQA type <c>n</c> (below 64) was seen.</summary>
    public ulong PresentAttributes { get; set; }

    /// <summary>Gets a value indicating whether the packet is a GSO super-packet.</summary>
    public readonly bool IsGso => (SkbInfo & NfQueueConstants.NfqaSkbGso) != 0;

    /// <summary>Gets a value indicating whether the L4 checksum is not yet computed.</summary>
    public readonly bool IsChecksumNotReady => (SkbInfo & NfQueueConstants.NfqaSkbCsumNotReady) != 0;

    /// <summary>Gets a value indicating whether the payload was truncated (NFQA_CAP_LEN present).</summary>
    public readonly bool IsTruncated => Has(NfQueueConstants.NfqaCapLen);

    /// <summary>Returns whether the attribute of the given NFQA type was present.</summary>
    /// <param name="attributeType">An NFQA_* value.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public readonly bool Has(ushort attributeType) => attributeType < 64 && (PresentAttributes & (1UL << attributeType)) != 0;
}

/// <summary>Iterates the netlink messages in a received datagram without allocating.</summary>
public ref struct NfQueueMessageReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _offset;
    private bool _stopped;

    /// <summary>Initializes a new instance of the <see cref="NfQueueMessageReader"/> struct.</summary>
    /// <param name="buffer">The received bytes (one or more netlink messages).</param>
    public NfQueueMessageReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _offset = 0;
        _stopped = false;
    }

    /// <summary>Reads the next message.</summary>
    /// <param name="message">The message; meaningful only when the status is <see cref="NetlinkReadStatus.Ok"/>.</param>
    /// <returns>The status. <see cref="NetlinkReadStatus.End"/>, <see cref="NetlinkReadStatus.Truncated"/> and <see cref="NetlinkReadStatus.BadLength"/> end iteration.</returns>
    public NetlinkReadStatus Read(out NetlinkMessage message)
    {
        message = default;
        if (_stopped)
        {
            return NetlinkReadStatus.End;
        }

        var remaining = _buffer.Length - _offset;
        if (remaining <= 0)
        {
            _stopped = true;
            return NetlinkReadStatus.End;
        }

        if (remaining < NetlinkConstants.NlmsgHdrLen)
        {
            _stopped = true;
            return NetlinkReadStatus.Truncated;
        }

        var header = _buffer.Slice(_offset, NetlinkConstants.NlmsgHdrLen);
        var length = HostOrder.ReadUInt32(header);
        if (length < NetlinkConstants.NlmsgHdrLen)
        {
            _stopped = true;
            return NetlinkReadStatus.BadLength;
        }

        if (length > (uint)remaining)
        {
            _stopped = true;
            return NetlinkReadStatus.Truncated;
        }

        var start = _offset;
        var len = (int)length;
        var type = HostOrder.ReadUInt16(header[4..]);
        var flags = HostOrder.ReadUInt16(header[6..]);
        var seq = HostOrder.ReadUInt32(header[8..]);
        var pid = HostOrder.ReadUInt32(header[12..]);
        var aligned = NetlinkConstants.Align(len);
        _offset = aligned >= remaining ? _buffer.Length : start + aligned;

        var body = _buffer.Slice(start + NetlinkConstants.NlmsgHdrLen, len - NetlinkConstants.NlmsgHdrLen);
        var bodyOffset = start + NetlinkConstants.NlmsgHdrLen;
        var packet = default(NfQueuePacket);
        var kind = NetlinkMessageKind.Other;
        var error = 0;
        if (type == NetlinkConstants.NlmsgError)
        {
            if (body.Length < NetlinkConstants.NlmsgErrorCodeLen)
            {
                return NetlinkReadStatus.MessageTooShort;
            }

            kind = NetlinkMessageKind.Error;
            error = unchecked((int)HostOrder.ReadUInt32(body));
        }
        else if (type == NetlinkConstants.NlmsgDone)
        {
            kind = NetlinkMessageKind.Done;
        }
        else if (type == NfQueueConstants.MessageType(NfQueueConstants.MsgPacket))
        {
            var status = ParsePacket(body, bodyOffset, ref packet);
            if (status != NetlinkReadStatus.Ok)
            {
                return status;
            }

            kind = NetlinkMessageKind.Packet;
        }

        message = new NetlinkMessage(kind, start, len, type, flags, seq, pid, error, in packet);
        return NetlinkReadStatus.Ok;
    }

    private static NetlinkReadStatus ParsePacket(ReadOnlySpan<byte> body, int bodyOffset, ref NfQueuePacket packet)
    {
        if (body.Length < NetlinkConstants.NfgenmsgLen)
        {
            return NetlinkReadStatus.MessageTooShort;
        }

        packet.Family = body[0];
        packet.QueueNumber = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        var pos = NetlinkConstants.NfgenmsgLen;
        ulong present = 0;
        while (body.Length - pos >= NetlinkConstants.NlaHdrLen)
        {
            var nlaLen = HostOrder.ReadUInt16(body[pos..]);
            var nlaType = (ushort)(HostOrder.ReadUInt16(body[(pos + 2)..]) & NetlinkConstants.NlaTypeMask);
            if (nlaLen < NetlinkConstants.NlaHdrLen || nlaLen > body.Length - pos)
            {
                return NetlinkReadStatus.MalformedAttribute;
            }

            var valueOffset = pos + NetlinkConstants.NlaHdrLen;
            var value = body.Slice(valueOffset, nlaLen - NetlinkConstants.NlaHdrLen);
            if (!ApplyAttribute(nlaType, value, bodyOffset + valueOffset, ref packet))
            {
                return NetlinkReadStatus.MalformedAttribute;
            }

            if (nlaType < 64)
            {
                present |= 1UL << nlaType;
            }

            pos += NetlinkConstants.Align(nlaLen);
        }

        if (pos < body.Length)
        {
            // 1..3 trailing bytes: not enough for an attribute header.
            return NetlinkReadStatus.MalformedAttribute;
        }

        packet.PresentAttributes = present;
        return (present & (1UL << NfQueueConstants.NfqaPacketHdr)) == 0 ? NetlinkReadStatus.MissingPacketHeader : NetlinkReadStatus.Ok;
    }

    private static bool ApplyAttribute(ushort type, ReadOnlySpan<byte> value, int valueOffset, ref NfQueuePacket packet)
    {
        switch (type)
        {
            case NfQueueConstants.NfqaPacketHdr:
                if (value.Length < 7)
                {
                    return false;
                }

                packet.PacketId = BinaryPrimitives.ReadUInt32BigEndian(value);
                packet.HwProtocol = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
                packet.Hook = value[6];
                return true;
            case NfQueueConstants.NfqaMark:
                if (!ReadU32(value, out var mark))
                {
                    return false;
                }

                packet.Mark = mark;
                return true;
            case NfQueueConstants.NfqaIfIndexInDev:
                if (!ReadU32(value, out var indev))
                {
                    return false;
                }

                packet.InDevice = indev;
                return true;
            case NfQueueConstants.NfqaIfIndexOutDev:
                if (!ReadU32(value, out var outdev))
                {
                    return false;
                }

                packet.OutDevice = outdev;
                return true;
            case NfQueueConstants.NfqaIfIndexPhysInDev:
                if (!ReadU32(value, out var physin))
                {
                    return false;
                }

                packet.PhysInDevice = physin;
                return true;
            case NfQueueConstants.NfqaIfIndexPhysOutDev:
                if (!ReadU32(value, out var physout))
                {
                    return false;
                }

                packet.PhysOutDevice = physout;
                return true;
            case NfQueueConstants.NfqaUid:
                if (!ReadU32(value, out var uid))
                {
                    return false;
                }

                packet.Uid = uid;
                return true;
            case NfQueueConstants.NfqaGid:
                if (!ReadU32(value, out var gid))
                {
                    return false;
                }

                packet.Gid = gid;
                return true;
            case NfQueueConstants.NfqaCtInfo:
                if (!ReadU32(value, out var ctinfo))
                {
                    return false;
                }

                packet.ConntrackInfo = ctinfo;
                return true;
            case NfQueueConstants.NfqaCapLen:
                if (!ReadU32(value, out var caplen))
                {
                    return false;
                }

                packet.CapLen = caplen;
                return true;
            case NfQueueConstants.NfqaSkbInfo:
                if (!ReadU32(value, out var skbinfo))
                {
                    return false;
                }

                packet.SkbInfo = skbinfo;
                return true;
            case NfQueueConstants.NfqaCt:
                packet.ConntrackOffset = valueOffset;
                packet.ConntrackLength = value.Length;
                return true;
            case NfQueueConstants.NfqaPayload:
                packet.PayloadOffset = valueOffset;
                packet.PayloadLength = value.Length;
                return true;
            default:
                return true;
        }
    }

    private static bool ReadU32(ReadOnlySpan<byte> value, out uint result)
    {
        if (value.Length < 4)
        {
            result = 0;
            return false;
        }

        result = BinaryPrimitives.ReadUInt32BigEndian(value);
        return true;
    }
}
