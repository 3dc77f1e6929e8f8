using System.Runtime.InteropServices;

namespace OpenWfp.Netlink;

/// <summary>Batch receive over recvmmsg(2).</summary>
public sealed partial class NetlinkSocket
{
    private const int MsgWaitForOne = 0x10000; // MSG_WAITFORONE, linux/socket.h

    /// <summary>
    /// Receives up to <see cref="NetlinkReceiveBatch.Capacity"/> datagrams with one recvmmsg(2). When
    /// <paramref name="block"/> is set it waits (up to the receive timeout, see <see cref="SetReceiveTimeout"/>) for the
    /// first datagram only and then takes what else is queued without waiting (MSG_WAITFORONE).
    /// </summary>
    /// <param name="batch">Where the datagrams go; its <see cref="NetlinkReceiveBatch.Count"/> is set (0 on error).</param>
    /// <param name="block">Wait for the first datagram, or return EAGAIN at once.</param>
    /// <param name="errno">0, or EAGAIN (timeout / nothing ready), ENOBUFS (the kernel dropped messages), ….</param>
    /// <returns>The number of datagrams received, or -1.</returns>
    public unsafe int ReceiveBatch(NetlinkReceiveBatch batch, bool block, out int errno)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var headers = batch.Headers;
        for (var i = 0; i < batch.Capacity; i++)
        {
            headers[i].Header.Flags = 0;
        }

        while (true)
        {
            var received = BatchNative.RecvMmsg(Descriptor, headers, (uint)batch.Capacity, block ? MsgWaitForOne : MsgDontwait, null);
            if (received >= 0)
            {
                errno = 0;
                batch.Count = received;
                return received;
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                batch.Count = 0;
                return -1;
            }
        }
    }

    private static unsafe partial class BatchNative
    {
        [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
        public static partial int RecvMmsg(int fd, NetlinkReceiveBatch.MMsgHdr* vector, uint length, int flags, void* timeout);
    }
}
