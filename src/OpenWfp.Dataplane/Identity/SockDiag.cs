using System.Buffers.Binary;
using System.Runtime.InteropServices;
using OpenWfp.Netlink;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Identity;

/// <summary>
/// One exact sock_diag lookup (SOCK_DIAG_BY_FAMILY without NLM_F_DUMP): the kernel looks the tuple up in its socket
/// hash tables, as it would for a packet, and answers with at most one <c>inet_diag_msg</c>. The cost does not depend
/// on how many sockets exist.
/// </summary>
/// <remarks>
/// Orientation (kernel source, checked for 6.x): TCP's <c>inet_diag_find_one_icsk</c> calls
/// <c>inet_lookup(…, saddr = idiag_dst, sport = idiag_dport, daddr = idiag_src, dport = idiag_sport)</c>, i.e. src is
/// the socket's local end; that lookup tries established sockets, then listeners, so an inbound SYN's tuple finds the
/// listener. UDP's <c>udp_dump_one</c> calls <c>__udp4_lib_lookup(…, saddr = idiag_src, sport = idiag_sport,
/// daddr = idiag_dst, dport = idiag_dport)</c> ("src and dst are swapped for historical reasons"): src is the remote
/// end; the lookup scores connected and bound-only sockets, so one tuple finds either. TCP with AF_INET6 falls back to
/// the IPv4 tables only when both addresses are v4-mapped; here such a tuple is sent as AF_INET, which also finds
/// dual-stack AF_INET6 sockets.
/// </remarks>
internal static class SockDiag
{
    /// <summary><c>NETLINK_SOCK_DIAG</c> (linux/netlink.h; also NETLINK_INET_DIAG).</summary>
    internal const int NetlinkSockDiag = 4;

    /// <summary><c>SOCK_DIAG_BY_FAMILY</c> (linux/sock_diag.h): the request and reply message type.</summary>
    internal const ushort SockDiagByFamily = 20;

    /// <summary><c>sizeof(struct inet_diag_req_v2)</c> (linux/inet_diag.h): u8 family, u8 protocol, u8 ext, u8 pad, u32 states, struct inet_diag_sockid.</summary>
    internal const int RequestLength = 56;

    /// <summary><c>SOCK_DESTROY</c> (linux/sock_diag.h): abort the socket the request names (needs CAP_NET_ADMIN and INET_DIAG_DESTROY).</summary>
    internal const ushort SockDestroy = 21;

    /// <summary><c>sizeof(struct inet_diag_sockid)</c> (linux/inet_diag.h): be16 sport, be16 dport, be32 src[4], be32 dst[4], u32 if, u32 cookie[2].</summary>
    internal const int SockIdLength = 48;

    /// <summary>Offset of <c>id</c> in <c>struct inet_diag_req_v2</c>.</summary>
    internal const int RequestIdOffset = 8;

    /// <summary><c>sizeof(struct inet_diag_msg)</c> (linux/inet_diag.h): u8 family, state, timer, retrans, sockid, u32 expires, rqueue, wqueue, uid, inode.</summary>
    internal const int MessageLength = 72;

    /// <summary>Offset of <c>idiag_uid</c> in <c>struct inet_diag_msg</c>.</summary>
    internal const int MessageUidOffset = 64;

    /// <summary>Offset of <c>idiag_inode</c> in <c>struct inet_diag_msg</c>.</summary>
    internal const int MessageInodeOffset = 68;

    /// <summary><c>INET_DIAG_NOCOOKIE</c> (linux/inet_diag.h): both cookie words, "match any socket".</summary>
    internal const uint NoCookie = 0xFFFF_FFFF;

    /// <summary>Every TCP state bit (<c>1 &lt;&lt; TCP_ESTABLISHED … TCP_NEW_SYN_RECV</c>, net/tcp_states.h); an exact lookup ignores it.</summary>
    internal const uint AllStates = 0xFFFF_FFFF;

    /// <summary><c>AF_INET</c> (linux/socket.h).</summary>
    internal const byte AfInet = 2;

    /// <summary><c>AF_INET6</c> (linux/socket.h).</summary>
    internal const byte AfInet6 = 10;

    /// <summary>Request size: nlmsghdr plus inet_diag_req_v2.</summary>
    internal const int MessageSize = NetlinkConstants.NlmsgHdrLen + RequestLength;

    /// <summary>Whether sock_diag can look this flow up (TCP or UDP over IPv4/IPv6).</summary>
    /// <param name="flow">The flow.</param>
    /// <returns>True for TCP and UDP.</returns>
    public static bool Supports(in FlowTuple flow) =>
        (flow.Protocol is IpProtocol.Tcp or IpProtocol.Udp) && (flow.IpVersion is 4 or 6);

    /// <summary>Writes the request for one socket.</summary>
    /// <param name="destination">At least <see cref="MessageSize"/> bytes.</param>
    /// <param name="flow">The flow as this host sees it.</param>
    /// <param name="wildcardRemote">Zero the remote address and port: for TCP this asks for the listener only.</param>
    /// <param name="sequence">The netlink sequence number.</param>
    /// <returns>The message length.</returns>
    /// <param name="type"><see cref="SockDiagByFamily"/> to look the socket up, <see cref="SockDestroy"/> to abort it (then with NLM_F_ACK).</param>
    public static int WriteRequest(Span<byte> destination, in FlowTuple flow, bool wildcardRemote, uint sequence, ushort type = SockDiagByFamily)
    {
        var message = destination[..MessageSize];
        message.Clear();
        MemoryMarshal.Write(message, MessageSize);
        MemoryMarshal.Write(message[4..], type);
        MemoryMarshal.Write(message[6..], type == SockDestroy ? (ushort)(NetlinkConstants.NlmFRequest | NetlinkConstants.NlmFAck) : NetlinkConstants.NlmFRequest);
        MemoryMarshal.Write(message[8..], sequence);

        var request = message[NetlinkConstants.NlmsgHdrLen..];
        var v4 = flow.IpVersion == 4 || (IsV4Mapped(flow.LocalAddress) && IsV4Mapped(flow.RemoteAddress));
        request[0] = v4 ? AfInet : AfInet6;
        request[1] = flow.Protocol;
        MemoryMarshal.Write(request[4..], AllStates);

        var id = request.Slice(RequestIdOffset, SockIdLength);
        var tcp = flow.Protocol == IpProtocol.Tcp;
        var (srcAddress, srcPort, dstAddress, dstPort) = tcp
            ? (flow.LocalAddress, flow.LocalPort, flow.RemoteAddress, flow.RemotePort)
            : (flow.RemoteAddress, flow.RemotePort, flow.LocalAddress, flow.LocalPort);
        var srcIsRemote = !tcp;
        if (wildcardRemote)
        {
            if (srcIsRemote)
            {
                (srcAddress, srcPort) = (UInt128.Zero, (ushort)0);
            }
            else
            {
                (dstAddress, dstPort) = (UInt128.Zero, (ushort)0);
            }
        }

        BinaryPrimitives.WriteUInt16BigEndian(id, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(id[2..], dstPort);
        WriteAddress(id.Slice(4, 16), srcAddress, v4);
        WriteAddress(id.Slice(20, 16), dstAddress, v4);
        MemoryMarshal.Write(id[40..], NoCookie);
        MemoryMarshal.Write(id[44..], NoCookie);
        return MessageSize;
    }

    /// <summary>Reads the kernel's answer to a request.</summary>
    /// <param name="datagram">One received datagram.</param>
    /// <param name="sequence">The request's sequence number.</param>
    /// <param name="uid">The socket's <c>idiag_uid</c>.</param>
    /// <param name="inode">The socket's <c>idiag_inode</c> (0 for TIME_WAIT and request sockets, which have no file).</param>
    /// <returns>
    /// <see cref="ReplyStatus.Found"/>, <see cref="ReplyStatus.NotFound"/> (an NLMSG_ERROR: ENOENT, or another errno),
    /// or <see cref="ReplyStatus.Stale"/> when the datagram answers an older request.
    /// </returns>
    public static ReplyStatus ReadReply(ReadOnlySpan<byte> datagram, uint sequence, out uint uid, out ulong inode)
    {
        uid = 0;
        inode = 0;
        if (datagram.Length < NetlinkConstants.NlmsgHdrLen)
        {
            return ReplyStatus.NotFound;
        }

        var length = MemoryMarshal.Read<uint>(datagram);
        var type = MemoryMarshal.Read<ushort>(datagram[4..]);
        var seq = MemoryMarshal.Read<uint>(datagram[8..]);
        if (seq != sequence)
        {
            return ReplyStatus.Stale;
        }

        if (type != SockDiagByFamily || length > (uint)datagram.Length || length < NetlinkConstants.NlmsgHdrLen + MessageLength)
        {
            return ReplyStatus.NotFound;
        }

        var message = datagram[NetlinkConstants.NlmsgHdrLen..];
        uid = MemoryMarshal.Read<uint>(message[MessageUidOffset..]);
        inode = MemoryMarshal.Read<uint>(message[MessageInodeOffset..]);
        return ReplyStatus.Found;
    }

    /// <summary>Reads an acknowledgement (NLMSG_ERROR) to request <paramref name="sequence"/>.</summary>
    /// <param name="datagram">One received datagram.</param>
    /// <param name="sequence">The request's sequence number.</param>
    /// <param name="errno">0 for success, else the positive errno.</param>
    /// <returns>False when the datagram answers another request or is not an acknowledgement.</returns>
    public static bool ReadAck(ReadOnlySpan<byte> datagram, uint sequence, out int errno)
    {
        errno = 0;
        if (datagram.Length < NetlinkConstants.NlmsgHdrLen + NetlinkConstants.NlmsgErrorCodeLen
            || MemoryMarshal.Read<uint>(datagram[8..]) != sequence
            || MemoryMarshal.Read<ushort>(datagram[4..]) != NetlinkConstants.NlmsgError)
        {
            return false;
        }

        errno = -MemoryMarshal.Read<int>(datagram[NetlinkConstants.NlmsgHdrLen..]);
        return true;
    }

    private static bool IsV4Mapped(UInt128 address) => address >> 32 == 0xFFFF;

    private static void WriteAddress(Span<byte> destination, UInt128 address, bool v4)
    {
        if (v4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, address);
        }
    }
}

/// <summary>What a sock_diag datagram said.</summary>
internal enum ReplyStatus
{
    /// <summary>One socket.</summary>
    Found,

    /// <summary>No such socket (or an error).</summary>
    NotFound,

    /// <summary>An answer to an earlier request; read the next datagram.</summary>
    Stale,
}
