using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>A read-only view of an IPv4 header (RFC 791), options included.</summary>
public readonly ref struct Ipv4Header
{
    /// <summary>Length of a header without options.</summary>
    public const int MinimumLength = 20;

    private readonly ReadOnlySpan<byte> _data;

    private Ipv4Header(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Checks version, IHL and that the whole header (with options) is captured. Total length is not checked here:
    /// the caller decides how to treat captures shorter or longer than it.
    /// </summary>
    /// <param name="data">Bytes starting at the IP header.</param>
    /// <param name="header">The view, covering exactly the header.</param>
    /// <returns>Ok, Truncated, or Malformed (version not 4, IHL below 5).</returns>
    public static ParseStatus TryCreate(ReadOnlySpan<byte> data, out Ipv4Header header)
    {
        header = default;
        if (data.Length < 1)
        {
            return ParseStatus.Truncated;
        }

        int versionIhl = data[0];
        if (versionIhl >> 4 != 4 || (versionIhl & 0x0F) < 5)
        {
            return ParseStatus.Malformed;
        }

        int length = (versionIhl & 0x0F) * 4;
        if (data.Length < length)
        {
            return ParseStatus.Truncated;
        }

        header = new Ipv4Header(data[..length]);
        return ParseStatus.Ok;
    }

    /// <summary>Header length in bytes (IHL times 4).</summary>
    public int HeaderLength => _data.Length;

    /// <summary>The TOS byte (DSCP and ECN).</summary>
    public byte TypeOfService => _data[1];

    /// <summary>Declared total length of the packet.</summary>
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Fragment identification.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>DF flag.</summary>
    public bool DontFragment => (_data[6] & 0x40) != 0;

    /// <summary>MF flag.</summary>
    public bool MoreFragments => (_data[6] & 0x20) != 0;

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_data[6..]) & 0x1FFF) * 8;

    /// <summary>Time to live.</summary>
    public byte Ttl => _data[8];

    /// <summary>Protocol number of the payload.</summary>
    public byte Protocol => _data[9];

    /// <summary>Header checksum field as stored.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[10..]);

    /// <summary>Source address, host order.</summary>
    public uint Source => BinaryPrimitives.ReadUInt32BigEndian(_data[12..]);

    /// <summary>Destination address, host order.</summary>
    public uint Destination => BinaryPrimitives.ReadUInt32BigEndian(_data[16..]);

    /// <summary>The option bytes (empty when IHL is 5).</summary>
    public ReadOnlySpan<byte> Options => _data[MinimumLength..];

    /// <summary>Verifies the header checksum (the ones'-complement sum over the header, checksum included, is 0xFFFF).</summary>
    /// <returns>True when the checksum is correct.</returns>
    public bool IsChecksumValid() => InternetChecksum.Compute(_data) == 0;
}
