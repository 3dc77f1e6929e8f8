using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo-header sums.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> as big-endian 16-bit words (odd tail padded with zero) to a running sum.</summary>
    /// <param name="data">Bytes to add.</param>
    /// <param name="sum">Running sum, unfolded.</param>
    /// <returns>The new running sum.</returns>
    public static ulong Accumulate(ReadOnlySpan<byte> data, ulong sum = 0)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (ulong)data[i] << 8;
        }

        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to store in a checksum field.</summary>
    /// <param name="sum">Running sum.</param>
    /// <returns>The checksum; zero when verifying data that includes a correct checksum.</returns>
    public static ushort Finish(ulong sum)
    {
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Checksum of <paramref name="data"/> alone (IPv4 header, ICMPv4).</summary>
    /// <param name="data">Bytes to sum.</param>
    /// <returns>The checksum; zero when <paramref name="data"/> contains a correct checksum.</returns>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Accumulate(data));

    /// <summary>The IPv4 pseudo-header sum (RFC 9293 §3.1) to seed <see cref="Accumulate"/> for TCP/UDP.</summary>
    /// <param name="source">Source address, host order.</param>
    /// <param name="destination">Destination address, host order.</param>
    /// <param name="protocol">Protocol number.</param>
    /// <param name="length">Transport length (header plus data).</param>
    /// <returns>Running sum.</returns>
    public static ulong PseudoHeaderIpv4(uint source, uint destination, byte protocol, int length) =>
        (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (ulong)(uint)length;

    /// <summary>The IPv6 pseudo-header sum (RFC 8200 §8.1) to seed <see cref="Accumulate"/> for TCP/UDP/ICMPv6.</summary>
    /// <param name="source">Source address.</param>
    /// <param name="destination">Destination address.</param>
    /// <param name="nextHeader">Upper-layer protocol.</param>
    /// <param name="length">Upper-layer length.</param>
    /// <returns>Running sum.</returns>
    public static ulong PseudoHeaderIpv6(UInt128 source, UInt128 destination, byte nextHeader, int length)
    {
        ulong sum = nextHeader + (ulong)(uint)length;
        for (int shift = 0; shift < 128; shift += 16)
        {
            sum += (ulong)((source >> shift) & 0xFFFF) + (ulong)((destination >> shift) & 0xFFFF);
        }

        return sum;
    }
}
