using static OpenWfp.Netlink.NfQueueConstants;

namespace OpenWfp.Netlink.Tests;

public class ReaderTests
{
    internal static readonly byte[] Ip = [0x45, 0, 0, 0x1C, 1, 2, 3];

    /// <summary>An NFQNL_MSG_PACKET with every attribute the reader understands.</summary>
    internal static byte[] FullPacket(uint seq = 1)
    {
        var body = new Bytes()
            .U8(10).U8(0).B16(513)                                    // nfgenmsg: NFPROTO_IPV6, V0, queue 513
            .H16(11).H16(NfqaPacketHdr).B32(0x01020304).B16(0x86DD).U8(3).Pad() // PACKET_HDR {id, hw proto, hook LOCAL_OUT}
            .H16(8).H16(NfqaMark).B32(0xA5)
            .H16(20).H16(NfqaTimestamp).B32(0).B32(1).B32(0).B32(2)  // 16-byte timestamp (ignored)
            .H16(8).H16(NfqaIfIndexInDev).B32(2)
            .H16(8).H16(NfqaIfIndexOutDev).B32(3)
            .H16(8).H16(NfqaIfIndexPhysInDev).B32(4)
            .H16(8).H16(NfqaIfIndexPhysOutDev).B32(5)
            .H16(12).H16(NfqaCt | NetlinkConstants.NlaFNested).H16(8).H16(1).B32(0x99) // nested CT
            .H16(8).H16(NfqaCtInfo).B32(2)
            .H16(8).H16(NfqaCapLen).B32(1500)
            .H16(8).H16(NfqaSkbInfo).B32(NfqaSkbGso | NfqaSkbCsumNotReady)
            .H16(8).H16(NfqaUid).B32(1000)
            .H16(8).H16(NfqaGid).B32(100)
            .H16(4 + 7).H16(NfqaPayload).Raw(Ip).Pad()
            .ToArray();
        return new Bytes().H32((uint)(16 + body.Length)).H16(0x0300).H16(0).H32(seq).H32(0).Raw(body).ToArray();
    }

    private static byte[] Error(int error, uint seq) =>
        new Bytes().H32(36).H16(NetlinkConstants.NlmsgError).H16(0).H32(seq).H32(77)
            .H32(unchecked((uint)error))
            .H32(28).H16(0x0301).H16(1).H32(seq).H32(0) // offending header
            .ToArray();

    [Fact]
    public void FullPacketRoundTrip()
    {
        var buf = FullPacket(42);
        var reader = new NfQueueMessageReader(buf);
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out var m));
        Assert.Equal(NetlinkMessageKind.Packet, m.Kind);
        Assert.Equal(42u, m.Sequence);
        var p = m.Packet;
        Assert.Equal(10, p.Family);
        Assert.Equal(513, p.QueueNumber);
        Assert.Equal(0x01020304u, p.PacketId);
        Assert.Equal(0x86DD, p.HwProtocol);
        Assert.Equal(NfInetLocalOut, p.Hook);
        Assert.Equal(0xA5u, p.Mark);
        Assert.Equal((2u, 3u, 4u, 5u), (p.InDevice, p.OutDevice, p.PhysInDevice, p.PhysOutDevice));
        Assert.Equal(2u, p.ConntrackInfo);
        Assert.Equal(8, p.ConntrackLength);
        Assert.Equal(0x99, buf[p.ConntrackOffset + 7]);
        Assert.Equal(1500u, p.CapLen);
        Assert.True(p.IsTruncated);
        Assert.True(p.IsGso);
        Assert.True(p.IsChecksumNotReady);
        Assert.Equal((1000u, 100u), (p.Uid, p.Gid));
        Assert.True(p.Has(NfqaUid) && p.Has(NfqaGid) && p.Has(NfqaCt) && p.Has(NfqaTimestamp));
        Assert.False(p.Has(NfqaSecctx));
        Assert.Equal(Ip, buf.AsSpan(p.PayloadOffset, p.PayloadLength).ToArray());
        Assert.Equal(NetlinkReadStatus.End, reader.Read(out _));
    }

    [Fact]
    public void MinimalPacketHasNoOptionalAttributes()
    {
        var buf = new Bytes().H32(32).H16(0x0300).H16(0).H32(0).H32(0)
            .U8(2).U8(0).B16(0)
            .H16(11).H16(NfqaPacketHdr).B32(9).B16(0x0800).U8(0).Pad()
            .ToArray();
        var reader = new NfQueueMessageReader(buf);
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out var m));
        Assert.Equal(9u, m.Packet.PacketId);
        Assert.False(m.Packet.Has(NfqaUid));
        Assert.False(m.Packet.IsTruncated);
        Assert.Equal(0, m.Packet.PayloadLength);
    }

    [Fact]
    public void SeveralMessagesInOneBuffer()
    {
        var done = new Bytes().H32(20).H16(NetlinkConstants.NlmsgDone).H16(2).H32(5).H32(0).H32(0).ToArray();
        byte[] buf = [.. FullPacket(1), .. Error(0, 2), .. FullPacket(3), .. Error(-2, 4), .. done];
        var reader = new NfQueueMessageReader(buf);
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out var m));
        Assert.Equal(NetlinkMessageKind.Packet, m.Kind);
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out m));
        Assert.Equal(NetlinkMessageKind.Error, m.Kind);
        Assert.Equal(0, m.Error);
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out m));
        Assert.Equal((NetlinkMessageKind.Packet, 3u), (m.Kind, m.Sequence));
        Assert.Equal(Ip, buf.AsSpan(m.Packet.PayloadOffset, m.Packet.PayloadLength).ToArray());
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out m));
        Assert.Equal(NetlinkMessageKind.Error, m.Kind);
        Assert.Equal(-2, m.Error); // -ENOENT
        Assert.Equal(2, m.Errno);
        Assert.Equal((4u, 77u), (m.Sequence, m.PortId));
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out m));
        Assert.Equal(NetlinkMessageKind.Done, m.Kind);
        Assert.Equal(NetlinkReadStatus.End, reader.Read(out _));
        Assert.Equal(NetlinkReadStatus.End, reader.Read(out _));
    }

    [Fact]
    public void MalformedInputGivesStatus()
    {
        Assert.Equal(NetlinkReadStatus.End, Status([]));
        Assert.Equal(NetlinkReadStatus.Truncated, Status(new byte[10]));
        Assert.Equal(NetlinkReadStatus.BadLength, Status(new Bytes().H32(8).H16(2).H16(0).H32(0).H32(0).ToArray()));
        Assert.Equal(NetlinkReadStatus.Truncated, Status(FullPacket()[..^1]));
        Assert.Equal(NetlinkReadStatus.MessageTooShort, Status(new Bytes().H32(16).H16(2).H16(0).H32(0).H32(0).ToArray()));

        // Attribute shorter than its header.
        var bad = FullPacket();
        bad[20] = 2;
        bad[21] = 0;
        Assert.Equal(NetlinkReadStatus.MalformedAttribute, Status(bad));

        // Attribute overrunning the message.
        bad = FullPacket();
        bad[20] = 0xFF;
        bad[21] = 0x7F;
        Assert.Equal(NetlinkReadStatus.MalformedAttribute, Status(bad));

        // Mark attribute too short for a be32.
        var shortMark = new Bytes().H32(36).H16(0x0300).H16(0).H32(0).H32(0).U8(2).U8(0).B16(0)
            .H16(11).H16(NfqaPacketHdr).B32(1).B16(0x800).U8(0).Pad()
            .H16(6).H16(NfqaMark).B16(1).Pad().ToArray();
        Assert.Equal(NetlinkReadStatus.MalformedAttribute, Status(shortMark));

        // No PACKET_HDR.
        var noHdr = new Bytes().H32(28).H16(0x0300).H16(0).H32(0).H32(0).U8(2).U8(0).B16(0)
            .H16(8).H16(NfqaMark).B32(1).ToArray();
        Assert.Equal(NetlinkReadStatus.MissingPacketHeader, Status(noHdr));
    }

    [Fact]
    public void AttributeErrorSkipsToNextMessage()
    {
        var bad = FullPacket();
        bad[20] = 2;
        byte[] buf = [.. bad, .. FullPacket(9)];
        var reader = new NfQueueMessageReader(buf);
        Assert.Equal(NetlinkReadStatus.MalformedAttribute, reader.Read(out _));
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out var m));
        Assert.Equal(9u, m.Sequence);
    }

    [Fact]
    public void WriterOutputIsReadableAsOtherMessages()
    {
        var buf = new byte[256];
        var n = NfQueueMessageWriter.WriteVerdict(buf, 5, 1, 2, NfAccept, 3);
        var reader = new NfQueueMessageReader(buf.AsSpan(0, n));
        Assert.Equal(NetlinkReadStatus.Ok, reader.Read(out var m));
        Assert.Equal((NetlinkMessageKind.Other, (ushort)0x0301, n), (m.Kind, m.Type, m.Length));
    }

    private static NetlinkReadStatus Status(byte[] buffer)
    {
        var reader = new NfQueueMessageReader(buffer);
        return reader.Read(out _);
    }
}
