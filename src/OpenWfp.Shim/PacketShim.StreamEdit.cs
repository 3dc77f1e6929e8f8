using System.Buffers.Binary;
using OpenWfp.Engine.Callouts;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

// Stream edits (docs/SHIM.md, "Stream edit"): a STREAM callout that answers BLOCK with ABSORB and calls
// FwpsStreamInjectAsync0 for the same flow and direction during that classify replaces the segment's data. The shim
// rewrites the segment (headers kept, IP length and checksums fixed) and, when the length changed, shifts the
// sequence numbers of that direction and the acknowledgments (SACK edges included) of the other on every later packet
// of the connection, so both ends stay consistent.
public sealed partial class PacketShim
{
    private const int TcpSackOption = 5;
    private const int TcpNopOption = 1;
    private const int TcpEndOption = 0;

    // Room for the largest IPv4 and TCP headers within an IPv4 datagram's 65,535 bytes.
    private const int MaxEditBytes = 65_535 - 60 - 60;

    /// <summary>Records a callout's stream injection when it edits the segment being classified; false lets the data plane's injector have it.</summary>
    internal bool TryEditStream(ulong flowHandle, StreamDataFlags flags, ReadOnlySpan<byte> data)
    {
        var inbound = (flags & (StreamDataFlags.Receive | StreamDataFlags.ReceiveExpedited)) != 0;
        if (!_editOpen || flowHandle != _editFlow || inbound != _editInbound)
        {
            return false;
        }

        var length = Math.Max(0, _editLength);
        if (length + data.Length > MaxEditBytes)
        {
            return false;
        }

        data.CopyTo(_edit.AsSpan(length));
        _editLength = length + data.Length;
        return true;
    }

    /// <summary>Rewrites the current segment with the injected bytes in place of its <paramref name="length"/> data bytes.</summary>
    private void EditSegment(StreamDirection d, bool inbound, ref Walk walk, int length)
    {
        _ = inbound;
        var headers = walk.IpHeaderSize + walk.TransportHeaderSize;
        if (_modifiedLength == 0)
        {
            walk.Ip[..headers].CopyTo(_modified);
        }

        var total = headers + _editLength;
        _edit.AsSpan(0, _editLength).CopyTo(_modified.AsSpan(headers));
        var packet = _modified.AsSpan(0, total);
        if ((packet[0] >> 4) == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)total);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(total - Ipv6Header.Length));
        }

        Checksums.Fix(packet);
        _modifiedLength = total;
        walk.Modified = true;
        d.Delta += _editLength - length;
    }

    /// <summary>Moves this packet's sequence and acknowledgment numbers by what earlier edits of the connection changed.</summary>
    private void ShiftForEdits(StreamState s, bool inbound, ref ParsedPacket p, ref Walk walk)
    {
        var own = s.Of(inbound).Delta;
        var peer = (p.TcpFlags & TcpFlags.Ack) != 0 ? s.Of(!inbound).Delta : 0;
        if ((own == 0 && peer == 0) || walk.Ip.Length < walk.IpHeaderSize + walk.TransportHeaderSize)
        {
            return;
        }

        walk.Ip.CopyTo(_modified);
        var tcp = _modified.AsSpan(walk.IpHeaderSize, walk.TransportHeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], (uint)(p.TcpSequence + own));
        if (peer != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], (uint)(p.TcpAcknowledgment - peer));
            ShiftSack(tcp, peer);
        }

        _modifiedLength = walk.Ip.Length;
        Checksums.Fix(_modified.AsSpan(0, _modifiedLength));
        walk.Modified = true;
    }

    /// <summary>SACK blocks (RFC 2018) name the other direction's sequence numbers: moved like the acknowledgment.</summary>
    private static void ShiftSack(Span<byte> tcp, int delta)
    {
        var at = TcpHeader.MinimumLength;
        while (at < tcp.Length)
        {
            var kind = tcp[at];
            if (kind == TcpEndOption)
            {
                return;
            }

            if (kind == TcpNopOption)
            {
                at++;
                continue;
            }

            if (at + 1 >= tcp.Length || tcp[at + 1] < 2 || at + tcp[at + 1] > tcp.Length)
            {
                return;
            }

            var optionLength = tcp[at + 1];
            if (kind == TcpSackOption)
            {
                for (var edge = at + 2; edge + 4 <= at + optionLength; edge += 4)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(tcp[edge..], (uint)(BinaryPrimitives.ReadUInt32BigEndian(tcp[edge..]) - delta));
                }
            }

            at += optionLength;
        }
    }
}
