using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>
/// A read-only view of the 8-byte ICMP (RFC 792) or ICMPv6 (RFC 4443) header: type, code, checksum and the
/// 4-byte rest-of-header (echo id/sequence, MTU, pointer).
/// </summary>
public readonly ref struct IcmpHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 8;

    private readonly ReadOnlySpan<byte> _data;

    private IcmpHeader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Checks that the 8-byte header is captured.</summary>
    /// <param name="data">Bytes starting at the ICMP header.</param>
    /// <param name="header">The view.</param>
    /// <returns>Ok or Truncated.</returns>
    public static ParseStatus TryCreate(ReadOnlySpan<byte> data, out IcmpHeader header)
    {
        if (data.Length < Length)
        {
            header = default;
            return ParseStatus.Truncated;
        }

        header = new IcmpHeader(data[..Length]);
        return ParseStatus.Ok;
    }

    /// <summary>Message type.</summary>
    public byte Type => _data[0];

    /// <summary>Message code.</summary>
    public byte Code => _data[1];

    /// <summary>Checksum field as stored.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Echo identifier (bytes 4-5).</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Echo sequence number (bytes 6-7).</summary>
    public ushort Sequence => BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);

    /// <summary>The rest-of-header word (bytes 4-7): the MTU in ICMPv6 packet-too-big, next-hop MTU in ICMP frag-needed.</summary>
    public uint RestOfHeader => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]);

    /// <summary>True for ICMP (v4) messages that quote the offending packet (RFC 792, RFC 1812 §4.3.2.3).</summary>
    /// <param name="type">ICMP type.</param>
    /// <returns>Whether the message body is a quoted IP packet.</returns>
    public static bool IsIcmpv4Error(byte type) => type is 3 or 4 or 5 or 11 or 12;

    /// <summary>True for ICMPv6 error messages (types 1-4, RFC 4443 §3), which quote the offending packet.</summary>
    /// <param name="type">ICMPv6 type.</param>
    /// <returns>Whether the message body is a quoted IP packet.</returns>
    public static bool IsIcmpv6Error(byte type) => type is >= 1 and <= 4;
}
