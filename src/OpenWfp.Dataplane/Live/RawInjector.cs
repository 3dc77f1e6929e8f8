using System.Buffers.Binary;
using System.Runtime.InteropServices;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Netlink;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// Sends whole IP datagrams into the network namespace it was opened in, through raw sockets that take the caller's IP
/// header as it is (IPPROTO_RAW implies IP_HDRINCL on both families: raw(7), ipv6(7)). The kernel routes each datagram
/// by its destination: to a remote address it leaves by the route's interface (an injected send); to one of this
/// host's addresses it goes through lo and is delivered locally (an injected receive) — docs/DATAPLANE.md, Injection.
/// </summary>
/// <remarks>
/// <para>Both sockets carry wfpd's Permit and Established bits as their SO_MARK (socket(7)), so the rules let injected
/// datagrams through without queueing them again: WFP's FWPS_PACKET_INJECTED_BY_SELF.</para>
/// <para>Thread-safe: sendto(2) on a raw socket needs no lock, and the socket address is built on the stack, so an
/// injection allocates nothing.</para>
/// </remarks>
internal sealed partial class RawInjector : IDisposable
{
    /// <summary>AF_INET (include/linux/socket.h).</summary>
    private const int AfInet = 2;

    /// <summary>AF_INET6 (include/linux/socket.h).</summary>
    private const int AfInet6 = 10;

    /// <summary>SOCK_RAW (include/linux/net.h).</summary>
    private const int SockRaw = 3;

    /// <summary>SOCK_CLOEXEC (include/linux/net.h, the O_CLOEXEC value of asm-generic/fcntl.h).</summary>
    private const int SockCloexec = 0x80000;

    /// <summary>IPPROTO_RAW (include/uapi/linux/in.h): the caller writes the IP header.</summary>
    private const int IpProtoRaw = 255;

    /// <summary>SOL_SOCKET (include/uapi/asm-generic/socket.h).</summary>
    private const int SolSocket = 1;

    /// <summary>SO_MARK (include/uapi/asm-generic/socket.h).</summary>
    private const int SoMark = 36;

    /// <summary>sizeof(struct sockaddr_in) (include/uapi/linux/in.h).</summary>
    private const int SockaddrInLength = 16;

    /// <summary>sizeof(struct sockaddr_in6) (include/uapi/linux/in6.h).</summary>
    private const int SockaddrIn6Length = 28;

    /// <summary>EBADF (include/uapi/asm-generic/errno-base.h): the injector was disposed.</summary>
    private const int EBadf = 9;

    private int _v4 = -1;
    private int _v6 = -1;
    private long _injected;
    private long _failed;

    private RawInjector()
    {
    }

    /// <summary>Datagrams the kernel took.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>Datagrams refused: not a valid IP datagram, or sendto(2) failed (no route, no buffer).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The errno of the last failed sendto(2), 0 when none failed.</summary>
    public int LastErrno { get; private set; }

    /// <summary>Opens the sockets in the calling thread's network namespace (needs CAP_NET_RAW).</summary>
    /// <param name="marks">wfpd's mark bits: injected datagrams carry Permit and Established.</param>
    /// <returns>The injector.</returns>
    /// <exception cref="IOException">A socket could not be opened or marked.</exception>
    public static RawInjector Open(MarkBits marks)
    {
        var injector = new RawInjector();
        try
        {
            injector._v4 = OpenSocket(AfInet, marks.Decided);
            injector._v6 = OpenSocket(AfInet6, marks.Decided);
            return injector;
        }
        catch
        {
            injector.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="ipDatagram"/> (from its IP header; bytes after its IP length are ignored) to its destination.</summary>
    /// <param name="ipDatagram">An IPv4 or IPv6 datagram with valid checksums.</param>
    /// <param name="interfaceIndex">The scope of a link-local IPv6 destination; otherwise routing picks the interface.</param>
    /// <returns>0 when sent; -1 when the bytes are not a datagram; otherwise the errno of sendto(2).</returns>
    public int Send(ReadOnlySpan<byte> ipDatagram, uint interfaceIndex)
    {
        var error = SendCore(ipDatagram, interfaceIndex);
        if (error == 0)
        {
            Interlocked.Increment(ref _injected);
        }
        else
        {
            Interlocked.Increment(ref _failed);
            LastErrno = error;
        }

        return error;
    }

    public void Dispose()
    {
        var v4 = Interlocked.Exchange(ref _v4, -1);
        var v6 = Interlocked.Exchange(ref _v6, -1);
        if (v4 >= 0)
        {
            _ = Native.Close(v4);
        }

        if (v6 >= 0)
        {
            _ = Native.Close(v6);
        }
    }

    private unsafe int SendCore(ReadOnlySpan<byte> datagram, uint interfaceIndex)
    {
        if (!TryLength(datagram, out var length))
        {
            return -1;
        }

        Span<byte> address = stackalloc byte[SockaddrIn6Length];
        address.Clear();
        int fd, addressLength;
        if (datagram[0] >> 4 == 4)
        {
            fd = _v4;
            addressLength = SockaddrInLength;
            BinaryPrimitives.WriteUInt16LittleEndian(address, AfInet);
            datagram.Slice(16, 4).CopyTo(address[4..]);
        }
        else
        {
            fd = _v6;
            addressLength = SockaddrIn6Length;
            BinaryPrimitives.WriteUInt16LittleEndian(address, AfInet6);
            datagram.Slice(24, 16).CopyTo(address[8..]);

            // fe80::/10 needs its interface (sin6_scope_id); other destinations are routed.
            if (datagram[24] == 0xFE && (datagram[25] & 0xC0) == 0x80)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(address[24..], interfaceIndex);
            }
        }

        if (fd < 0)
        {
            return EBadf;
        }

        fixed (byte* data = datagram)
        fixed (byte* to = address)
        {
            var sent = Native.SendTo(fd, data, (nuint)length, 0, to, addressLength);
            return sent < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }

    /// <summary>The datagram's length by its own header, when it is a whole IPv4 or IPv6 datagram.</summary>
    internal static bool TryLength(ReadOnlySpan<byte> datagram, out int length)
    {
        length = 0;
        if (datagram.IsEmpty)
        {
            return false;
        }

        switch (datagram[0] >> 4)
        {
            case 4 when datagram.Length >= 20:
                var headerLength = (datagram[0] & 0x0F) * 4;
                length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
                return headerLength >= 20 && length >= headerLength && length <= datagram.Length;
            case 6 when datagram.Length >= 40:
                length = 40 + BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
                return length <= datagram.Length;
            default:
                return false;
        }
    }

    private static unsafe int OpenSocket(int family, uint mark)
    {
        var fd = Native.Socket(family, SockRaw | SockCloexec, IpProtoRaw);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"opening a raw {(family == AfInet ? "IPv4" : "IPv6")} socket for injection failed: {Errno.Describe(errno)} (needs CAP_NET_RAW)");
        }

        if (Native.SetSockOpt(fd, SolSocket, SoMark, &mark, sizeof(uint)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = Native.Close(fd);
            throw new IOException($"marking the injection socket (SO_MARK) failed: {Errno.Describe(errno)} (needs CAP_NET_ADMIN)");
        }

        return fd;
    }

    private static unsafe partial class Native
    {
        [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
        public static partial int Socket(int domain, int type, int protocol);

        [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
        public static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

        [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
        public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, int addressLength);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
