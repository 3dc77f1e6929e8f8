using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>A read-only view of an Ethernet II header (destination, source, EtherType; 14 bytes).</summary>
public readonly ref struct EthernetHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 14;

    private readonly ReadOnlySpan<byte> _data;

    private EthernetHeader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Checks the length; on <see cref="ParseStatus.Ok"/> every accessor is in bounds.</summary>
    /// <param name="data">The frame.</param>
    /// <param name="header">The view.</param>
    /// <returns><see cref="ParseStatus.Ok"/> or <see cref="ParseStatus.Truncated"/>.</returns>
    public static ParseStatus TryCreate(ReadOnlySpan<byte> data, out EthernetHeader header)
    {
        if (data.Length < Length)
        {
            header = default;
            return ParseStatus.Truncated;
        }

        header = new EthernetHeader(data);
        return ParseStatus.Ok;
    }

    /// <summary>Destination MAC as a 48-bit number.</summary>
    public ulong Destination => ReadMac(_data);

    /// <summary>Source MAC as a 48-bit number.</summary>
    public ulong Source => ReadMac(_data[6..]);

    /// <summary>The EtherType (or 802.3 length) field.</summary>
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(_data[12..]);

    /// <summary>Reads six bytes as a 48-bit big-endian number; the caller guarantees the length.</summary>
    internal static ulong ReadMac(ReadOnlySpan<byte> d) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(d) << 32) | BinaryPrimitives.ReadUInt32BigEndian(d[2..]);
}
