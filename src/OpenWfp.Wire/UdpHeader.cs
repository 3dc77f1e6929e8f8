using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>A read-only view of a UDP header (RFC 768, 8 bytes).</summary>
public readonly ref struct UdpHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 8;

    private readonly ReadOnlySpan<byte> _data;

    private UdpHeader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Checks that the header is captured and its length field is at least 8.</summary>
    /// <param name="data">Bytes starting at the UDP header.</param>
    /// <param name="header">The view.</param>
    /// <returns>Ok, Truncated, or Malformed (length field below 8).</returns>
    public static ParseStatus TryCreate(ReadOnlySpan<byte> data, out UdpHeader header)
    {
        header = default;
        if (data.Length < Length)
        {
            return ParseStatus.Truncated;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(data[4..]) < Length)
        {
            return ParseStatus.Malformed;
        }

        header = new UdpHeader(data[..Length]);
        return ParseStatus.Ok;
    }

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_data);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Length of header plus data.</summary>
    public ushort DatagramLength => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Checksum field as stored.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);
}
