using System.Buffers.Binary;

namespace OpenWfp.Wire;

/// <summary>
/// The 4-byte header of BSD loopback captures (LINKTYPE_NULL and LINKTYPE_LOOP, tcpdump.org "Link-layer header
/// types"): the packet's address family, then the packet. Each BSD numbers AF_INET6 differently, so every value seen
/// in the wild is accepted.
/// </summary>
public static class BsdLoopback
{
    /// <summary>Bytes before the IP header.</summary>
    public const int HeaderLength = 4;

    /// <summary>AF_INET on every BSD (sys/socket.h).</summary>
    public const uint AfInet = 2;

    /// <summary>AF_INET6 on NetBSD, OpenBSD and BSD/OS (sys/socket.h).</summary>
    public const uint AfInet6NetBsd = 24;

    /// <summary>AF_INET6 on FreeBSD and DragonFly BSD (sys/socket.h).</summary>
    public const uint AfInet6FreeBsd = 28;

    /// <summary>AF_INET6 on macOS / Darwin (sys/socket.h).</summary>
    public const uint AfInet6Darwin = 30;

    /// <summary>
    /// The address family of a header. LINKTYPE_LOOP stores it in network byte order; LINKTYPE_NULL in the byte order
    /// of the host that captured, which the file does not record, so a value with its upper half set is read the
    /// other way round (families are small numbers; tcpdump's print-null.c makes the same test).
    /// </summary>
    /// <param name="header">At least <see cref="HeaderLength"/> bytes.</param>
    /// <param name="networkOrder">True for LINKTYPE_LOOP.</param>
    /// <returns>The family.</returns>
    public static uint Family(ReadOnlySpan<byte> header, bool networkOrder)
    {
        if (networkOrder)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(header);
        }

        var family = BinaryPrimitives.ReadUInt32LittleEndian(header);
        return (family & 0xFFFF_0000) != 0 ? BinaryPrimitives.ReverseEndianness(family) : family;
    }

    /// <summary>The EtherType a family stands for, or 0 when it is neither IPv4 nor IPv6.</summary>
    /// <param name="family">An address family from <see cref="Family"/>.</param>
    /// <returns><see cref="EtherType.Ipv4"/>, <see cref="EtherType.Ipv6"/> or 0.</returns>
    public static ushort EtherTypeOf(uint family) => family switch
    {
        AfInet => EtherType.Ipv4,
        AfInet6NetBsd or AfInet6FreeBsd or AfInet6Darwin => EtherType.Ipv6,
        _ => 0,
    };
}
