namespace OpenWfp.Netlink.Tests;

public class WriterTests
{
    private static byte[] Write(Func<byte[], int> write)
    {
        var buffer = new byte[70000];
        Array.Fill(buffer, (byte)0xCC); // garbage so padding must be written explicitly
        var n = write(buffer);
        return buffer[..n];
    }

    [Fact]
    public void ConfigBind()
    {
        var expected = new Bytes()
            .H32(28).H16(0x0302).H16(0x0005).H32(7).H32(0) // nlmsghdr: len, CONFIG, REQUEST|ACK, seq, pid
            .U8(0).U8(0).B16(42)                            // nfgenmsg: AF_UNSPEC, V0, res_id=42
            .H16(8).H16(1).U8(1).U8(0).B16(0)               // NFQA_CFG_CMD {BIND, pad, pf=0}
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteConfigCommand(b, 7, 42, NfQueueConstants.CfgCmdBind)));
    }

    [Fact]
    public void ConfigPfUnbindWithoutAck()
    {
        var expected = new Bytes()
            .H32(28).H16(0x0302).H16(0x0001).H32(1).H32(0)
            .U8(0).U8(0).B16(0)
            .H16(8).H16(1).U8(4).U8(0).B16(2) // PF_UNBIND, pf=AF_INET
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteConfigCommand(b, 1, 0, NfQueueConstants.CfgCmdPfUnbind, 2, ack: false)));
    }

    [Fact]
    public void ConfigParams()
    {
        var expected = new Bytes()
            .H32(32).H16(0x0302).H16(0x0005).H32(2).H32(0)
            .U8(0).U8(0).B16(0x0102)
            .H16(9).H16(2).B32(0xFFFF).U8(2).Pad() // NFQA_CFG_PARAMS {be32 range, u8 COPY_PACKET} len 9 + 3 pad
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteConfigParams(b, 2, 0x0102, NfQueueConstants.CopyPacket, 0xFFFF)));
    }

    [Fact]
    public void QueueMaxLength()
    {
        var expected = new Bytes()
            .H32(28).H16(0x0302).H16(0x0005).H32(3).H32(0)
            .U8(0).U8(0).B16(5)
            .H16(8).H16(3).B32(4096) // NFQA_CFG_QUEUE_MAXLEN
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteQueueMaxLength(b, 3, 5, 4096)));
    }

    [Fact]
    public void ConfigFlagsWithMask()
    {
        var f = NfQueueConstants.NfqaCfgFGso | NfQueueConstants.NfqaCfgFUidGid;
        var expected = new Bytes()
            .H32(36).H16(0x0302).H16(0x0005).H32(4).H32(0)
            .U8(0).U8(0).B16(5)
            .H16(8).H16(5).B32(0x0C)                // NFQA_CFG_FLAGS
            .H16(8).H16(4).B32(0x0C | 0x01)         // NFQA_CFG_MASK
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteConfigFlags(b, 4, 5, f, f | NfQueueConstants.NfqaCfgFFailOpen)));
    }

    [Fact]
    public void VerdictWithoutMark()
    {
        var expected = new Bytes()
            .H32(32).H16(0x0301).H16(0x0001).H32(9).H32(0)
            .U8(0).U8(0).B16(3)
            .H16(12).H16(2).B32(1).B32(0xDEADBEEF) // NFQA_VERDICT_HDR {be32 ACCEPT, be32 id}
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteVerdict(b, 9, 3, 0xDEADBEEF, NfQueueConstants.NfAccept)));
    }

    [Fact]
    public void VerdictWithMarkAndAck()
    {
        var expected = new Bytes()
            .H32(40).H16(0x0301).H16(0x0005).H32(9).H32(0)
            .U8(0).U8(0).B16(3)
            .H16(12).H16(2).B32(4).B32(17)   // REPEAT, id 17
            .H16(8).H16(3).B32(0x00010002)   // NFQA_MARK
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteVerdict(b, 9, 3, 17, NfQueueConstants.NfRepeat, 0x00010002, ack: true)));
    }

    [Fact]
    public void BatchVerdict()
    {
        var expected = new Bytes()
            .H32(32).H16(0x0303).H16(0x0001).H32(10).H32(0)
            .U8(0).U8(0).B16(1)
            .H16(12).H16(2).B32(0).B32(1000) // DROP everything up to id 1000
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteBatchVerdict(b, 10, 1, 1000, NfQueueConstants.NfDrop)));
    }

    [Fact]
    public void VerdictWithPayload()
    {
        byte[] payload = [0x45, 0x00, 0x00, 0x1D, 0x11]; // 5 bytes -> padded to 8
        var expected = new Bytes()
            .H32(52).H16(0x0301).H16(0x0001).H32(11).H32(0)
            .U8(0).U8(0).B16(2)
            .H16(12).H16(2).B32(1).B32(5)
            .H16(8).H16(3).B32(7)
            .H16(9).H16(10).Raw(payload).Pad()         // NFQA_PAYLOAD, nla_len excludes padding
            .ToArray();
        Assert.Equal(expected, Write(b => NfQueueMessageWriter.WriteVerdictWithPayload(b, 11, 2, 5, NfQueueConstants.NfAccept, payload, 7)));
    }

    [Fact]
    public void TooSmallDestinationThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => NfQueueMessageWriter.WriteConfigCommand(new byte[27], 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NfQueueMessageWriter.WriteVerdictWithPayload(new byte[80000], 1, 1, 1, 1, new byte[65532]));
    }
}
