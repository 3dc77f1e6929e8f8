using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OpenWfp.Netlink;

/// <summary>
/// A raw AF_NETLINK socket (nfnetlink, sock_diag, …). .NET's <c>Socket</c> cannot create one — its
/// <c>AddressFamily</c> has no netlink member and unknown families are refused by .NET's socket constructor — so the descriptor
/// comes from socket(2) and bind(2) through LibraryImport and lives in a <see cref="SafeHandle"/>. Send and receive work
/// on spans and allocate nothing.
/// </summary>
/// <remarks>The socket belongs to the network namespace of the thread that opened it.</remarks>
public sealed partial class NetlinkSocket : IDisposable
{
    private const int SockRaw = 3;            // SOCK_RAW, linux/net.h
    private const int SockCloexec = 0x80000;  // SOCK_CLOEXEC, asm-generic/fcntl.h (O_CLOEXEC)
    private const int SolSocket = 1;          // SOL_SOCKET, asm-generic/socket.h
    private const int SoRcvbuf = 8;           // SO_RCVBUF, asm-generic/socket.h
    private const int SoRcvbufForce = 33;     // SO_RCVBUFFORCE, asm-generic/socket.h
    private const int SoRcvtimeo = 20;        // SO_RCVTIMEO_OLD, asm-generic/socket.h (struct timeval, 64-bit)
    private const int SolNetlink = 270;       // SOL_NETLINK, linux/socket.h
    private const int NetlinkAddMembership = 1; // NETLINK_ADD_MEMBERSHIP, linux/netlink.h
    private const int NetlinkNoEnobufs = 5;   // NETLINK_NO_ENOBUFS, linux/netlink.h
    private const int MsgDontwait = 0x40;     // MSG_DONTWAIT, linux/socket.h
    private const int SockaddrNlLength = 12;  // struct sockaddr_nl: u16 family, u16 pad, u32 pid, u32 groups

    private readonly NetlinkHandle _handle;

    private NetlinkSocket(NetlinkHandle handle, int protocol, uint portId)
    {
        _handle = handle;
        Protocol = protocol;
        PortId = portId;
    }

    /// <summary>The netlink protocol (<see cref="NetlinkConstants.NetlinkNetfilter"/>, 4 for sock_diag, …).</summary>
    public int Protocol { get; }

    /// <summary>The port id the kernel gave this socket.</summary>
    public uint PortId { get; }

    /// <summary>The file descriptor (for poll(2) and diagnostics; owned by this object).</summary>
    public int Descriptor => (int)_handle.DangerousGetHandle();

    /// <summary>Opens and binds a netlink socket.</summary>
    /// <param name="protocol">The netlink protocol number.</param>
    /// <returns>The socket.</returns>
    /// <exception cref="NetlinkException">socket(2) or bind(2) failed (the message says which and why).</exception>
    public static unsafe NetlinkSocket Open(int protocol)
    {
        var fd = Native.Socket(NetlinkConstants.AfNetlink, SockRaw | SockCloexec, protocol);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new NetlinkException(errno, $"cannot open a netlink socket (protocol {protocol}): {Errno.Describe(errno)}");
        }

        var handle = new NetlinkHandle(fd);
        Span<byte> address = stackalloc byte[SockaddrNlLength];
        address.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(address, (ushort)NetlinkConstants.AfNetlink);
        fixed (byte* p = address)
        {
            if (Native.Bind(fd, p, SockaddrNlLength) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                throw new NetlinkException(errno, $"cannot bind a netlink socket (protocol {protocol}): {Errno.Describe(errno)}");
            }

            var length = SockaddrNlLength;
            if (Native.GetSockName(fd, p, &length) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                throw new NetlinkException(errno, $"getsockname on a netlink socket: {Errno.Describe(errno)}");
            }
        }

        return new NetlinkSocket(handle, protocol, HostOrder.ReadUInt32(address[4..]));
    }

    /// <summary>
    /// Sets the receive buffer. SO_RCVBUFFORCE first (root may exceed net.core.rmem_max), SO_RCVBUF when that is refused.
    /// </summary>
    /// <param name="bytes">The size wanted.</param>
    /// <returns>True when the forced size was set; false when the kernel capped it at rmem_max.</returns>
    public bool SetReceiveBuffer(int bytes)
    {
        if (SetInt(SolSocket, SoRcvbufForce, bytes) == 0)
        {
            return true;
        }

        Check(SetInt(SolSocket, SoRcvbuf, bytes), "SO_RCVBUF");
        return false;
    }

    /// <summary>
    /// NETLINK_NO_ENOBUFS: when the receive buffer overflows, the kernel drops (and counts) messages instead of failing
    /// the next receive with ENOBUFS.
    /// </summary>
    /// <param name="enabled">On or off.</param>
    public void SetNoEnobufs(bool enabled) => Check(SetInt(SolNetlink, NetlinkNoEnobufs, enabled ? 1 : 0), "NETLINK_NO_ENOBUFS");

    /// <summary>Joins a multicast group (e.g. ctnetlink's NFNLGRP_CONNTRACK_NEW).</summary>
    /// <param name="group">The group number.</param>
    public void JoinGroup(int group) => Check(SetInt(SolNetlink, NetlinkAddMembership, group), $"NETLINK_ADD_MEMBERSHIP {group}");

    /// <summary>Makes blocking receives return EAGAIN after <paramref name="timeout"/> (zero: wait forever).</summary>
    /// <param name="timeout">The timeout.</param>
    public unsafe void SetReceiveTimeout(TimeSpan timeout)
    {
        Span<long> timeval = [(long)timeout.TotalSeconds, timeout.Milliseconds * 1000L + timeout.Microseconds];
        fixed (long* p = timeval)
        {
            Check(Native.SetSockOpt(Descriptor, SolSocket, SoRcvtimeo, p, sizeof(long) * 2), "SO_RCVTIMEO");
        }
    }

    /// <summary>Sends one datagram (one or more concatenated netlink messages) to the kernel.</summary>
    /// <param name="message">The bytes.</param>
    /// <returns>0 on success, else the errno (EAGAIN, ENOBUFS, …).</returns>
    public unsafe int Send(ReadOnlySpan<byte> message)
    {
        fixed (byte* p = message)
        {
            while (true)
            {
                var sent = Native.Send(Descriptor, p, (nuint)message.Length, 0);
                if (sent >= 0)
                {
                    return 0;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    return errno;
                }
            }
        }
    }

    /// <summary>Receives one datagram.</summary>
    /// <param name="buffer">Where it goes; a datagram longer than the buffer is cut (MSG_TRUNC is not reported).</param>
    /// <param name="block">Wait for one (up to the receive timeout) or return EAGAIN at once.</param>
    /// <param name="errno">0, or EAGAIN / ENOBUFS / … when nothing was received.</param>
    /// <returns>The number of bytes received, or -1.</returns>
    public unsafe int Receive(Span<byte> buffer, bool block, out int errno)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var received = Native.Recv(Descriptor, p, (nuint)buffer.Length, block ? 0 : MsgDontwait);
                if (received >= 0)
                {
                    errno = 0;
                    return (int)received;
                }

                errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>Waits until a datagram can be read.</summary>
    /// <param name="timeoutMilliseconds">Longest wait; -1 waits forever.</param>
    /// <returns>True when readable.</returns>
    public unsafe bool WaitReadable(int timeoutMilliseconds)
    {
        Span<int> pollfd = [Descriptor, 1 /* POLLIN */];
        fixed (int* p = pollfd)
        {
            var ready = Native.Poll(p, 1, timeoutMilliseconds);
            return ready > 0;
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _handle.Dispose();

    private unsafe int SetInt(int level, int name, int value) => Native.SetSockOpt(Descriptor, level, name, &value, sizeof(int));

    private static void Check(int result, string option)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new NetlinkException(errno, $"setsockopt {option}: {Errno.Describe(errno)}");
        }
    }

    private sealed class NetlinkHandle : SafeHandle
    {
        public NetlinkHandle(int fd)
            : base(-1, ownsHandle: true) => SetHandle(fd);

        public override bool IsInvalid => handle == -1;

        protected override bool ReleaseHandle() => Native.Close((int)handle) == 0;
    }

    private static unsafe partial class Native
    {
        [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
        public static partial int Socket(int domain, int type, int protocol);

        [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
        public static partial int Bind(int fd, byte* address, int length);

        [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
        public static partial int GetSockName(int fd, byte* address, int* length);

        [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
        public static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

        [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
        public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

        [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
        public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

        [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
        public static partial int Poll(int* fds, nuint count, int timeout);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}

/// <summary>A netlink call failed; <see cref="Errno"/> is the errno and the message says what to do.</summary>
public class NetlinkException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errno">The errno.</param>
    /// <param name="message">One line naming the call, the cause and the fix.</param>
    public NetlinkException(int errno, string message)
        : base(message) => Errno = errno;

    /// <summary>The errno.</summary>
    public int Errno { get; }
}

/// <summary>The errno values the netlink code reacts to (asm-generic/errno-base.h, errno.h).</summary>
public static class Errno
{
    /// <summary>EPERM: operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>ENOENT: no such entry (e.g. a verdict for a packet no longer queued).</summary>
    public const int ENOENT = 2;
    /// <summary>EINTR: interrupted system call.</summary>
    public const int EINTR = 4;
    /// <summary>EAGAIN: nothing to read now.</summary>
    public const int EAGAIN = 11;
    /// <summary>EACCES: permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>EBUSY: resource busy (a queue bound by another socket).</summary>
    public const int EBUSY = 16;
    /// <summary>EINVAL: invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>ENOBUFS: the receive buffer overflowed and messages were lost.</summary>
    public const int ENOBUFS = 105;
    /// <summary>EOPNOTSUPP: operation not supported (a kernel feature that is not built in).</summary>
    public const int EOPNOTSUPP = 95;
    /// <summary>ETIMEDOUT: no answer in time (used for a missing netlink acknowledgement).</summary>
    public const int ETIMEDOUT = 110;
    /// <summary>ENODEV: no such device (a configuration message for a queue that is not bound).</summary>
    public const int ENODEV = 19;
    /// <summary>EAFNOSUPPORT / EPROTONOSUPPORT: the kernel lacks this netlink family.</summary>
    public const int EPROTONOSUPPORT = 93;

    /// <summary>A short description with the errno's name.</summary>
    /// <param name="errno">The errno.</param>
    /// <returns>Text such as "EPERM (operation not permitted: needs CAP_NET_ADMIN, i.e. root)".</returns>
    public static string Describe(int errno) => errno switch
    {
        EPERM => "EPERM (operation not permitted: needs CAP_NET_ADMIN, i.e. root, in this network namespace)",
        ENOENT => "ENOENT (no such entry)",
        EAGAIN => "EAGAIN (try again)",
        EACCES => "EACCES (permission denied: run as root)",
        EBUSY => "EBUSY (busy: another process owns it)",
        EINVAL => "EINVAL (invalid argument)",
        ENOBUFS => "ENOBUFS (receive buffer overflowed)",
        EOPNOTSUPP => "EOPNOTSUPP (not supported by this kernel)",
        ETIMEDOUT => "ETIMEDOUT (no answer from the kernel in time)",
        ENODEV => "ENODEV (no such device or queue)",
        EPROTONOSUPPORT => "EPROTONOSUPPORT (this kernel has no such netlink protocol; is the module loaded?)",
        _ => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})",
    };
}
