using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>A read-only view of the fixed IPv6 header (RFC 8200 §3); extension headers are walked by <see cref="PacketParser"/>.</summary>
public readonly ref struct Ipv6Header
{
    /// <summary>Length of the fixed header.</summary>
    public const int Length = 40;

    private readonly ReadOnlySpan<byte> _data;

    private Ipv6Header(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Checks the version and that the fixed header is captured.</summary>
    /// <param name="data">Bytes starting at the IP header.</param>
    /// <param name="header">The view, covering the 40-byte fixed header.</param>
    /// <returns>Ok, Truncated, or Malformed (version not 6).</returns>
    public static ParseStatus TryCreate(ReadOnlySpan<byte> data, out Ipv6Header header)
    {
        header = default;
        if (data.Length < 1)
        {
            return ParseStatus.Truncated;
        }

        if (data[0] >> 4 != 6)
        {
            return ParseStatus.Malformed;
        }

        if (data.Length < Length)
        {
            return ParseStatus.Truncated;
        }

        header = new Ipv6Header(data[..Length]);
        return ParseStatus.Ok;
    }

    /// <summary>Traffic class (DSCP and ECN).</summary>
    public byte TrafficClass => (byte)(BinaryPrimitives.ReadUInt16BigEndian(_data) >> 4);

    /// <summary>Flow label (20 bits).</summary>
    public uint FlowLabel => BinaryPrimitives.ReadUInt32BigEndian(_data) & 0xFFFFF;

    /// <summary>Payload length (everything after the fixed header); zero for jumbograms.</summary>
    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Next header after the fixed header.</summary>
    public byte NextHeader => _data[6];

    /// <summary>Hop limit.</summary>
    public byte HopLimit => _data[7];

    /// <summary>Source address as a big-endian 128-bit number.</summary>
    public UInt128 Source => BinaryPrimitives.ReadUInt128BigEndian(_data[8..]);

    /// <summary>Destination address as a big-endian 128-bit number.</summary>
    public UInt128 Destination => BinaryPrimitives.ReadUInt128BigEndian(_data[24..]);
}
