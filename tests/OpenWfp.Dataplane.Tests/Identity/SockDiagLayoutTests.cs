using System.Buffers.Binary;
using OpenWfp.Dataplane.Identity;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Tests.Identity;

/// <summary>The sock_diag request and reply bytes against linux/inet_diag.h, and the TCP/UDP orientation of the tuple.</summary>
public sealed class SockDiagLayoutTests
{
    [Fact]
    public void ConstantsMatchKernelHeaders()
    {
        Assert.Equal(4, SockDiag.NetlinkSockDiag);            // linux/netlink.h NETLINK_SOCK_DIAG
        Assert.Equal(20, SockDiag.SockDiagByFamily);          // linux/sock_diag.h SOCK_DIAG_BY_FAMILY
        Assert.Equal(56, SockDiag.RequestLength);             // sizeof(struct inet_diag_req_v2)
        Assert.Equal(48, SockDiag.SockIdLength);              // sizeof(struct inet_diag_sockid)
        Assert.Equal(8, SockDiag.RequestIdOffset);
        Assert.Equal(72, SockDiag.MessageLength);             // sizeof(struct inet_diag_msg)
        Assert.Equal(64, SockDiag.MessageUidOffset);
        Assert.Equal(68, SockDiag.MessageInodeOffset);
        Assert.Equal(0xFFFF_FFFFu, SockDiag.NoCookie);        // INET_DIAG_NOCOOKIE (~0U)
        Assert.Equal((2, 10, 6, 17), (SockDiag.AfInet, SockDiag.AfInet6, IpProtocol.Tcp, IpProtocol.Udp));
        Assert.Equal(72, SockDiag.MessageSize);
    }

    [Fact]
    public void TcpRequestPutsTheLocalEndInSrc()
    {
        var flow = new FlowTuple(4, 6, 0x0A01_0203, 40000, 0xC0A8_0001, 443, true);
        var bytes = Request(flow, wildcardRemote: false, sequence: 77);

        Assert.Equal(72u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(20, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));  // NLM_F_REQUEST only: no NLM_F_DUMP
        Assert.Equal(77u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        var req = bytes.AsSpan(16);
        Assert.Equal([2, 6, 0, 0], req[..4].ToArray());
        Assert.Equal(0xFFFF_FFFFu, BinaryPrimitives.ReadUInt32LittleEndian(req[4..]));
        var id = req[8..];
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(id));
        Assert.Equal(443, BinaryPrimitives.ReadUInt16BigEndian(id[2..]));
        Assert.Equal([10, 1, 2, 3], id.Slice(4, 4).ToArray());
        Assert.Equal(new byte[12], id.Slice(8, 12).ToArray());
        Assert.Equal([192, 168, 0, 1], id.Slice(20, 4).ToArray());
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(id[36..]));
        Assert.Equal(Enumerable.Repeat((byte)0xFF, 8).ToArray(), id.Slice(40, 8).ToArray());

        // Listener retry: the remote end (dst for TCP) is zeroed, the local end kept.
        id = Request(flow, wildcardRemote: true, sequence: 78).AsSpan(24);
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(id));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(id[2..]));
        Assert.Equal([10, 1, 2, 3], id.Slice(4, 4).ToArray());
        Assert.Equal(new byte[16], id.Slice(20, 16).ToArray());
    }

    [Fact]
    public void UdpRequestPutsTheRemoteEndInSrc()
    {
        var local = UInt128.Parse("42540766411282592856903984951653826561"); // 2001:db8::1
        var remote = local + 1;
        var id = Request(new FlowTuple(6, 17, local, 5353, remote, 9999, false), wildcardRemote: false, sequence: 1).AsSpan(16);
        Assert.Equal([10, 17], id[..2].ToArray());
        id = id[8..];
        Assert.Equal(9999, BinaryPrimitives.ReadUInt16BigEndian(id));
        Assert.Equal(5353, BinaryPrimitives.ReadUInt16BigEndian(id[2..]));
        Assert.Equal(Convert.FromHexString("20010DB8000000000000000000000002"), id.Slice(4, 16).ToArray());
        Assert.Equal(Convert.FromHexString("20010DB8000000000000000000000001"), id.Slice(20, 16).ToArray());
    }

    [Fact]
    public void V4MappedTupleIsSentAsIpv4()
    {
        var mapped = ((UInt128)0xFFFF << 32) | 0x7F00_0001;
        var req = Request(new FlowTuple(6, 6, mapped, 1000, mapped, 2000, true), wildcardRemote: false, sequence: 1).AsSpan(16);
        Assert.Equal(2, req[0]);
        Assert.Equal([127, 0, 0, 1], req.Slice(12, 4).ToArray());
        Assert.Equal(new byte[12], req.Slice(16, 12).ToArray());

        // One side mapped, the other a real IPv6 address: stays IPv6 (the kernel would not use the IPv4 tables either).
        Assert.Equal(10, Request(new FlowTuple(6, 6, mapped, 1000, UInt128.One, 2000, true), false, 1)[16]);
    }

    [Fact]
    public void ReplyGivesUidAndInodeOfTheAnsweredRequestOnly()
    {
        var reply = new byte[16 + 72 + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(reply, (uint)reply.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(reply.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(8), 5);
        BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(16 + 64), 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(16 + 68), 123456);

        Assert.Equal(ReplyStatus.Found, SockDiag.ReadReply(reply, 5, out var uid, out var inode));
        Assert.Equal((1000u, 123456UL), (uid, inode));
        Assert.Equal(ReplyStatus.Stale, SockDiag.ReadReply(reply, 6, out _, out _));

        // NLMSG_ERROR (ENOENT) and a truncated message are "not found".
        var error = new byte[16 + 4 + 16];
        BinaryPrimitives.WriteUInt32LittleEndian(error, (uint)error.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(error.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(error.AsSpan(8), 5);
        BinaryPrimitives.WriteInt32LittleEndian(error.AsSpan(16), -2);
        Assert.Equal(ReplyStatus.NotFound, SockDiag.ReadReply(error, 5, out _, out _));
        Assert.Equal(ReplyStatus.NotFound, SockDiag.ReadReply(reply.AsSpan(0, 40), 5, out _, out _));
    }

    private static byte[] Request(in FlowTuple flow, bool wildcardRemote, uint sequence)
    {
        var bytes = new byte[SockDiag.MessageSize];
        Assert.Equal(SockDiag.MessageSize, SockDiag.WriteRequest(bytes, in flow, wildcardRemote, sequence));
        return bytes;
    }
}
