namespace OpenWfp.Pcap.Tests;

public sealed class CaptureReaderPcapTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void TryReadNext_HandBuiltPcap_ReturnsEveryField(bool bigEndian, bool nano)
    {
        var b = new ByteBuilder(bigEndian).PcapHeader(nano ? 0xA1B23C4Du : 0xA1B2C3D4u, LinkTypes.Ethernet, 1500);
        var s = (uint)Captures.T0Seconds;
        b.PcapRecord(s, nano ? 123_456_789u : 123_456u, Captures.Payload(60, 1));
        b.PcapRecord(s + 1, nano ? 999_999_999u : 999_999u, Captures.Payload(64, 2), originalLength: 1400);

        var packets = Captures.ReadAll(b.ToArray(), out var reader);

        Assert.Equal(CaptureFormat.Pcap, reader.Format);
        Assert.Equal(1500u, reader.SnapLength);
        Assert.False(reader.IsTruncated);
        Assert.Equal(2, packets.Count);
        Assert.Equal(1, packets[0].Frame);
        Assert.Equal(2, packets[1].Frame);
        Assert.Equal((Captures.T0Seconds * 1_000_000_000L) + (nano ? 123_456_789L : 123_456_000L), packets[0].Nanoseconds);
        Assert.Equal(((Captures.T0Seconds + 1) * 1_000_000_000L) + (nano ? 999_999_999L : 999_999_000L), packets[1].Nanoseconds);
        Assert.Equal(60, packets[0].CapturedLength);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(64, packets[1].CapturedLength);
        Assert.Equal(1400, packets[1].OriginalLength);
        Assert.All(packets, p => Assert.Equal(LinkTypes.Ethernet, p.LinkType));
        Assert.All(packets, p => Assert.Equal(0, p.Interface));
        Assert.Equal(Captures.Payload(60, 1), packets[0].Data);
        Assert.Equal(Captures.Payload(64, 2), packets[1].Data);
    }

    [Fact]
    public void Timestamp_MicrosecondFile_IsUtcDateTime()
    {
        var b = new ByteBuilder(false).PcapHeader(0xA1B2C3D4, LinkTypes.Raw);
        b.PcapRecord((uint)Captures.T0Seconds, 250_000, [0x45]);
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        Assert.True(reader.TryReadNext(out var p));
        Assert.Equal(Captures.T0.AddMilliseconds(250), p.Timestamp);
        Assert.Equal(DateTimeKind.Utc, p.Timestamp.Kind);
        Assert.Equal(LinkTypes.Raw, p.LinkType);
    }

    [Fact]
    public void TryReadNext_HeaderOnly_EndsCleanly()
    {
        var b = new ByteBuilder(false).PcapHeader(0xA1B2C3D4, LinkTypes.Ethernet);
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsTruncated);
        Assert.Equal(0, reader.FramesRead);
        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void TryReadNext_LinkTypeWithFcsBits_MasksToLow16Bits()
    {
        var b = new ByteBuilder(false).PcapHeader(0xA1B2C3D4, 0x1000_0000u | LinkTypes.Ethernet);
        b.PcapRecord(1, 0, [1, 2, 3]);
        var packets = Captures.ReadAll(b.ToArray());

        Assert.Equal(LinkTypes.Ethernet, Assert.Single(packets).LinkType);
    }

    [Fact]
    public void TryReadNext_PacketLargerThanBuffer_GrowsAndReturnsData()
    {
        var big = Captures.Payload(300_000, 7);
        var b = new ByteBuilder(false).PcapHeader(0xA1B2C3D4, LinkTypes.Ethernet, 400_000);
        b.PcapRecord(1, 0, [9]);
        b.PcapRecord(2, 0, big);
        b.PcapRecord(3, 0, [8, 8]);

        var packets = Captures.ReadAll(b.ToArray());

        Assert.Equal(3, packets.Count);
        Assert.Equal(big, packets[1].Data);
        Assert.Equal(new byte[] { 8, 8 }, packets[2].Data);
    }

    [Fact]
    public void TryReadNext_StreamReturningOneByteAtATime_StillReadsPackets()
    {
        var b = new ByteBuilder(true).PcapHeader(0xA1B2C3D4, LinkTypes.Ethernet);
        b.PcapRecord(1, 2, Captures.Payload(100, 3));
        b.PcapRecord(4, 5, Captures.Payload(7, 4));
        using var reader = new CaptureReader(new TrickleStream(b.ToArray()));

        Assert.True(reader.TryReadNext(out var p1));
        Assert.Equal(Captures.Payload(100, 3), p1.Data.ToArray());
        Assert.True(reader.TryReadNext(out var p2));
        Assert.Equal(Captures.Payload(7, 4), p2.Data.ToArray());
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsTruncated);
    }

    [Fact]
    public void Dispose_LeaveOpenFalse_DisposesStream()
    {
        var stream = new MemoryStream(new ByteBuilder(false).PcapHeader(0xA1B2C3D4, 1).ToArray());
        new CaptureReader(stream).Dispose();

        Assert.False(stream.CanRead);
    }

    [Fact]
    public void Dispose_LeaveOpenTrue_KeepsStream()
    {
        var stream = new MemoryStream(new ByteBuilder(false).PcapHeader(0xA1B2C3D4, 1).ToArray());
        new CaptureReader(stream, leaveOpen: true).Dispose();

        Assert.True(stream.CanRead);
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(1, buffer.Length)]);
    }
}
