using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>A read-only view of a TCP header (RFC 9293 §3.1), options included.</summary>
public readonly ref struct TcpHeader
{
    /// <summary>Length of a header without options.</summary>
    public const int MinimumLength = 20;

    private readonly ReadOnlySpan<byte> _data;

    private TcpHeader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Checks that the header and its options are captured and the data offset is at least 5.</summary>
    /// <param name="data">Bytes starting at the TCP header.</param>
    /// <param name="header">The view, covering the header with options.</param>
    /// <returns>Ok, Truncated, or Malformed (data offset below 5).</returns>
    public static ParseStatus TryCreate(ReadOnlySpan<byte> data, out TcpHeader header)
    {
        header = default;
        if (data.Length < MinimumLength)
        {
            return ParseStatus.Truncated;
        }

        int length = (data[12] >> 4) * 4;
        if (length < MinimumLength)
        {
            return ParseStatus.Malformed;
        }

        if (data.Length < length)
        {
            return ParseStatus.Truncated;
        }

        header = new TcpHeader(data[..length]);
        return ParseStatus.Ok;
    }

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_data);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Sequence number.</summary>
    public uint Sequence => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]);

    /// <summary>Acknowledgment number.</summary>
    public uint Acknowledgment => BinaryPrimitives.ReadUInt32BigEndian(_data[8..]);

    /// <summary>Header length in bytes (data offset times 4).</summary>
    public int HeaderLength => _data.Length;

    /// <summary>Control bits.</summary>
    public TcpFlags Flags => (TcpFlags)_data[13];

    /// <summary>Window (unscaled).</summary>
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_data[14..]);

    /// <summary>Checksum field as stored.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[16..]);

    /// <summary>Urgent pointer.</summary>
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_data[18..]);

    /// <summary>Option bytes (empty when the data offset is 5).</summary>
    public ReadOnlySpan<byte> Options => _data[MinimumLength..];
}
