using System.Buffers.Binary;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// The two RST segments that reset a TCP connection from the segment being dropped: each end accepts a RST whose
/// sequence number is the one it expects next (RFC 9293, 3.10.7.4 — RFC 5961's check: exactly rcv.nxt resets at once,
/// without a challenge ACK). Without reassembly state, both are read off the dropped segment: its receiver expects
/// the segment's own sequence number (the segment never arrives), and its sender expects what it has acknowledged.
/// </summary>
internal static class TcpReset
{
    /// <summary>The longest RST written: an IPv6 header and a TCP header without options.</summary>
    public const int MaxLength = 40 + 20;

    /// <summary>
    /// Writes a RST for one end of <paramref name="segment"/>'s connection into <paramref name="into"/>, checksums
    /// filled in.
    /// </summary>
    /// <param name="segment">The dropped TCP segment from its IP header (IPv4, or IPv6 with TCP as the first next header); its IP and TCP headers at least.</param>
    /// <param name="towardSender">
    /// True: the RST goes to the segment's sender, from its receiver's address and port, with the sequence number the
    /// sender has acknowledged; false: to its receiver, from the sender, with the segment's sequence number.
    /// </param>
    /// <param name="into">At least <see cref="MaxLength"/> bytes.</param>
    /// <param name="length">The RST's length.</param>
    /// <returns>False when the bytes are not a TCP segment this can answer (not TCP, a fragment, extension headers, cut short).</returns>
    public static bool TryWrite(ReadOnlySpan<byte> segment, bool towardSender, Span<byte> into, out int length)
    {
        length = 0;
        if (segment.IsEmpty || into.Length < MaxLength)
        {
            return false;
        }

        int ipLength, total;
        var version = segment[0] >> 4;
        if (version == 4 && segment.Length >= 20)
        {
            ipLength = (segment[0] & 0x0F) * 4;
            total = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
            var fragment = (BinaryPrimitives.ReadUInt16BigEndian(segment[6..]) & 0x3FFF) != 0;
            if (segment[9] != IpProtocol.Tcp || fragment || ipLength < 20)
            {
                return false;
            }
        }
        else if (version == 6 && segment.Length >= 40)
        {
            ipLength = 40;
            total = 40 + BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
            if (segment[6] != IpProtocol.Tcp)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        // Only the headers need to be present (a held packet keeps just those); the data length comes from the IP length.
        if (segment.Length < ipLength + 20)
        {
            return false;
        }

        var tcp = segment[ipLength..];
        var tcpHeaderLength = (tcp[12] >> 4) * 4;
        if (tcpHeaderLength < 20 || total < ipLength + tcpHeaderLength)
        {
            return false;
        }

        var seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        var ack = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
        var flags = (TcpFlags)tcp[13];
        var hasAck = (flags & TcpFlags.Ack) != 0;

        // SYN and FIN each take one sequence number (RFC 9293, 3.4).
        var consumed = (uint)(total - ipLength - tcpHeaderLength) + ((flags & TcpFlags.Syn) != 0 ? 1u : 0u) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
        uint rstSeq, rstAck;
        TcpFlags rstFlags;
        if (towardSender)
        {
            rstSeq = hasAck ? ack : 0;
            rstAck = unchecked(seq + consumed);
            rstFlags = TcpFlags.Rst | TcpFlags.Ack;
        }
        else
        {
            rstSeq = seq;
            rstAck = ack;
            rstFlags = hasAck ? TcpFlags.Rst | TcpFlags.Ack : TcpFlags.Rst;
        }

        int addressLength = version == 4 ? 4 : 16, sourceAt = version == 4 ? 12 : 8;
        var source = segment.Slice(sourceAt, addressLength);
        var destination = segment.Slice(sourceAt + addressLength, addressLength);
        var outSource = towardSender ? destination : source;
        var outDestination = towardSender ? source : destination;
        length = (version == 4 ? 20 : 40) + 20;
        var packet = into[..length];
        packet.Clear();
        if (version == 4)
        {
            packet[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)length);
            BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 0x4000); // DF
            packet[8] = 64;
            packet[9] = IpProtocol.Tcp;
        }
        else
        {
            packet[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], 20);
            packet[6] = IpProtocol.Tcp;
            packet[7] = 64;
        }

        outSource.CopyTo(packet[sourceAt..]);
        outDestination.CopyTo(packet[(sourceAt + addressLength)..]);
        var outTcp = packet[(length - 20)..];
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(tcp);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(outTcp, towardSender ? destinationPort : sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(outTcp[2..], towardSender ? sourcePort : destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(outTcp[4..], rstSeq);
        BinaryPrimitives.WriteUInt32BigEndian(outTcp[8..], rstAck);
        outTcp[12] = 5 << 4;
        outTcp[13] = (byte)rstFlags;
        return Checksums.Fix(packet);
    }
}
