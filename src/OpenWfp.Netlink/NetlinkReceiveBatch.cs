using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OpenWfp.Netlink;

/// <summary>
/// Receive storage for <see cref="NetlinkSocket.ReceiveBatch"/>: one pinned buffer cut into equal slots, one datagram
/// per slot, plus the pinned <c>struct mmsghdr</c>/<c>struct iovec</c> vectors recvmmsg(2) fills. Everything is
/// allocated once here, so a receive allocates nothing.
/// </summary>
public sealed unsafe class NetlinkReceiveBatch
{
    private const int MsgTrunc = 0x20; // MSG_TRUNC, linux/socket.h

    private readonly byte[] _buffer;
    private readonly MMsgHdr[] _headers;
    private readonly IoVec[] _vectors;

    /// <summary>Creates the storage.</summary>
    /// <param name="capacity">Datagrams per receive (the recvmmsg vlen).</param>
    /// <param name="slotBytes">Bytes per datagram; a longer datagram is cut and reported by <see cref="IsTruncated"/>.</param>
    public NetlinkReceiveBatch(int capacity, int slotBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotBytes, NetlinkConstants.NlmsgHdrLen);
        Capacity = capacity;
        SlotBytes = slotBytes;
        _buffer = GC.AllocateUninitializedArray<byte>(checked(capacity * slotBytes), pinned: true);
        _headers = GC.AllocateArray<MMsgHdr>(capacity, pinned: true);
        _vectors = GC.AllocateArray<IoVec>(capacity, pinned: true);
        var data = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
        var vectors = (IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_vectors));
        for (var i = 0; i < capacity; i++)
        {
            _vectors[i].Base = (nint)(data + ((long)i * slotBytes));
            _vectors[i].Length = (nuint)slotBytes;
            _headers[i].Header.Iov = (nint)(vectors + i);
            _headers[i].Header.IovLength = 1;
        }
    }

    /// <summary>The number of slots.</summary>
    public int Capacity { get; }

    /// <summary>The size of each slot.</summary>
    public int SlotBytes { get; }

    /// <summary>The number of datagrams the last receive stored.</summary>
    public int Count { get; internal set; }

    internal MMsgHdr* Headers => (MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_headers));

    /// <summary>The <paramref name="index"/>-th datagram of the last receive (cut to its slot when truncated).</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>The bytes.</returns>
    public ReadOnlySpan<byte> Datagram(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            ThrowIndex();
        }

        var length = (int)Math.Min(_headers[index].Length, (uint)SlotBytes);
        return new ReadOnlySpan<byte>(_buffer, index * SlotBytes, length);
    }

    /// <summary>Whether the kernel had more bytes for this datagram than its slot held (MSG_TRUNC).</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>True when cut.</returns>
    public bool IsTruncated(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            ThrowIndex();
        }

        return (_headers[index].Header.Flags & MsgTrunc) != 0;
    }

    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index", "No such datagram in the last receive.");

    /// <summary><c>struct iovec</c> (linux/uio.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (linux/socket.h); sequential layout gives the C padding on 32- and 64-bit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public nint Name;
        public int NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c> (linux/socket.h): a msghdr plus the received length.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
