namespace OpenWfp.Pcap.Tests;

public sealed class CaptureReaderBadInputTests
{
    private static byte[] ValidPcap(bool bigEndian = false) =>
        new ByteBuilder(bigEndian).PcapHeader(0xA1B2C3D4, 1)
            .PcapRecord(1, 0, Captures.Payload(20, 1))
            .PcapRecord(2, 0, Captures.Payload(30, 2))
            .ToArray();

    private static ByteBuilder PcapNgWithInterface() =>
        new ByteBuilder(false).SectionHeader().InterfaceDescription(1);

    [Fact]
    public void Open_EmptyStream_ThrowsTruncatedHeader()
    {
        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream()));

        Assert.Contains("truncated file header", ex.Message);
        Assert.Equal(0, ex.ByteOffset);
    }

    [Fact]
    public void Open_UnknownMagic_ThrowsNamingMagicAndOffset()
    {
        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0])));

        Assert.Contains("unknown capture file magic 0x04034b50", ex.Message);
        Assert.Contains("byte offset 0", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(23)]
    public void Open_TruncatedPcapHeader_Throws(int length)
    {
        var bytes = ValidPcap().AsSpan(0, length).ToArray();

        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(bytes)));

        Assert.Contains("truncated pcap file header", ex.Message);
    }

    [Fact]
    public void Open_PcapVersionNot2_Throws()
    {
        var bytes = ValidPcap();
        bytes[4] = 9;

        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(bytes)));

        Assert.Contains("unsupported pcap version 9.4", ex.Message);
    }

    [Theory]
    [InlineData(24 + 36 + 5, false)]   // inside the second record's header
    [InlineData(24 + 36 + 16 + 29, false)] // inside the second record's data
    [InlineData(24 + 36 + 16 + 29, true)]
    public void TryReadNext_TruncatedLastPcapRecord_EndsWithTruncatedFlag(int length, bool bigEndian)
    {
        var bytes = ValidPcap(bigEndian).AsSpan(0, length).ToArray();
        using var reader = new CaptureReader(new MemoryStream(bytes));

        Assert.True(reader.TryReadNext(out var first));
        Assert.Equal(20, first.CapturedLength);
        Assert.False(reader.TryReadNext(out var second));
        Assert.Equal(0, second.CapturedLength);
        Assert.True(reader.IsTruncated);
        Assert.Equal(24 + 36, reader.TruncatedAtOffset);
        Assert.Equal(1, reader.FramesRead);
    }

    [Fact]
    public void TryReadNext_AbsurdPcapCapturedLength_ThrowsNamingFrameAndOffset()
    {
        var b = new ByteBuilder(false).PcapHeader(0xA1B2C3D4, 1).PcapRecord(1, 0, [1, 2, 3, 4]);
        b.U32(2).U32(0).U32(0x7FFF_FFF0).U32(0x7FFF_FFF0);
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        Assert.True(reader.TryReadNext(out _));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Equal(2, ex.FrameNumber);
        Assert.Equal(24 + 20, ex.ByteOffset);
        Assert.StartsWith("frame 2 at byte offset 44: captured length 2147483632 exceeds", ex.Message);
    }

    [Fact]
    public void Open_TruncatedSectionHeader_Throws()
    {
        var bytes = new ByteBuilder(false).SectionHeader().ToArray().AsSpan(0, 20).ToArray();

        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(bytes)));

        Assert.Contains("truncated pcapng section header block", ex.Message);
    }

    [Fact]
    public void Open_BadByteOrderMagic_Throws()
    {
        var bytes = new ByteBuilder(false).SectionHeader().ToArray();
        bytes[8] = 0xEE;

        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(bytes)));

        Assert.Contains("bad byte-order magic", ex.Message);
        Assert.Equal(0, ex.ByteOffset);
    }

    [Theory]
    [InlineData(8u, "total length 8 is invalid")]
    [InlineData(30u, "total length 30 is invalid")]
    [InlineData(0x2000_0000u, "total length 536870912 is invalid")]
    public void TryReadNext_BadBlockLength_Throws(uint length, string expected)
    {
        var b = PcapNgWithInterface();
        var offset = b.Length;
        b.U32(6).U32(length).U32(0).U32(0);
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Contains(expected, ex.Message);
        Assert.Equal(offset, ex.ByteOffset);
        Assert.Contains($"byte offset {offset}", ex.Message);
        Assert.Equal(1, ex.FrameNumber);
    }

    [Fact]
    public void TryReadNext_TrailingLengthMismatch_Throws()
    {
        var b = PcapNgWithInterface();
        var offset = b.Length;
        b.EnhancedPacket(0, 0, [1, 2, 3, 4]);
        var bytes = b.ToArray();
        bytes[^4] = 0x44;

        using var reader = new CaptureReader(new MemoryStream(bytes));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Contains("trailing total length 68 does not match leading 36", ex.Message);
        Assert.Equal(offset, ex.ByteOffset);
    }

    [Fact]
    public void TryReadNext_EnhancedPacketCapturedLengthBeyondBlock_Throws()
    {
        var b = PcapNgWithInterface();
        b.Block(6, x => x.U32(0).U32(0).U32(0).U32(100).U32(100).U32(0xDEAD));

        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Contains("captured length 100 exceeds the 4 bytes the block holds", ex.Message);
        Assert.Equal(1, ex.FrameNumber);
    }

    [Fact]
    public void TryReadNext_EnhancedPacketBeforeInterface_Throws()
    {
        var b = new ByteBuilder(false).SectionHeader().EnhancedPacket(0, 0, [1]);

        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Contains("interface id 0 not described", ex.Message);
    }

    [Fact]
    public void TryReadNext_OptionOverrunsBlock_Throws()
    {
        var b = new ByteBuilder(false).SectionHeader();
        b.Block(1, x => x.U16(1).U16(0).U32(0).U16(9).U16(200).U32(0));

        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Contains("option 9 of 200 bytes overruns the block", ex.Message);
    }

    [Theory]
    [InlineData(6)]   // inside the block header
    [InlineData(20)]  // inside the body
    [InlineData(35)]  // one byte short of the trailer
    public void TryReadNext_TruncatedLastPcapNgBlock_EndsWithTruncatedFlag(int keep)
    {
        var b = PcapNgWithInterface().EnhancedPacket(0, 0, [1, 2, 3]);
        var lastOffset = b.Length;
        b.EnhancedPacket(0, 1, [4, 5, 6, 7]);
        var bytes = b.ToArray().AsSpan(0, lastOffset + keep).ToArray();

        using var reader = new CaptureReader(new MemoryStream(bytes));

        Assert.True(reader.TryReadNext(out _));
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsTruncated);
        Assert.Equal(lastOffset, reader.TruncatedAtOffset);
    }

    [Fact]
    public void TryReadNext_SimplePacketBeforeInterface_Throws()
    {
        var b = new ByteBuilder(false).SectionHeader().SimplePacket(4, [1, 2, 3, 4]);

        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Contains("simple packet block before any interface description block", ex.Message);
        Assert.Equal(28, ex.ByteOffset);
    }

    [Fact]
    public void Open_PcapNgMajorVersion2_Throws()
    {
        var bytes = new ByteBuilder(false).SectionHeader().ToArray();
        bytes[12] = 2;

        var ex = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(bytes)));

        Assert.Contains("unsupported pcapng version 2", ex.Message);
    }

    [Fact]
    public void TryReadNext_SecondSectionHeaderTruncated_EndsWithTruncatedFlag()
    {
        var b = PcapNgWithInterface().EnhancedPacket(0, 0, [1]);
        var offset = b.Length;
        var bytes = b.SectionHeader().ToArray().AsSpan(0, offset + 16).ToArray();

        using var reader = new CaptureReader(new MemoryStream(bytes));

        Assert.True(reader.TryReadNext(out _));
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsTruncated);
        Assert.Equal(offset, reader.TruncatedAtOffset);
    }

    [Fact]
    public void TryReadNext_CorruptBlockAfterPackets_ReportsFrameNumberInMessage()
    {
        var b = PcapNgWithInterface().EnhancedPacket(0, 0, [1]).EnhancedPacket(0, 0, [2]);
        var offset = b.Length;
        b.U32(6).U32(13).U32(0);
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        Assert.True(reader.TryReadNext(out _));
        Assert.True(reader.TryReadNext(out _));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));

        Assert.Equal($"block at byte offset {offset} (reading frame 3): total length 13 is invalid (minimum 12, multiple of 4, at most 268435456)", ex.Message);
        Assert.Equal(3, ex.FrameNumber);
    }
}
