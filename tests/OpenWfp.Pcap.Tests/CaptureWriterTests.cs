namespace OpenWfp.Pcap.Tests;

public sealed class CaptureWriterTests
{
    private static readonly long T0Ns = Captures.T0Seconds * 1_000_000_000L;

    [Theory]
    [InlineData(CaptureTimestampResolution.Microseconds, 123_456_000L)]
    [InlineData(CaptureTimestampResolution.Nanoseconds, 123_456_789L)]
    public void CreatePcap_RoundTrip_PreservesPacketsAtResolution(CaptureTimestampResolution resolution, long expectedFraction)
    {
        var stream = new MemoryStream();
        using (var writer = CaptureWriter.CreatePcap(stream, LinkTypes.Ethernet, resolution, snapLength: 2000, leaveOpen: true))
        {
            writer.Write(T0Ns + 123_456_789, LinkTypes.Ethernet, Captures.Payload(60, 1));
            writer.Write(Captures.T0.AddSeconds(1), LinkTypes.Ethernet, Captures.Payload(61, 2), originalLength: 1514);
            Assert.Equal(2, writer.PacketsWritten);
        }

        var bytes = stream.ToArray();
        Assert.Equal(resolution == CaptureTimestampResolution.Nanoseconds ? 0x4D : 0xD4, bytes[0]);
        var packets = Captures.ReadAll(bytes, out var reader);

        Assert.Equal(CaptureFormat.Pcap, reader.Format);
        Assert.Equal(2000u, reader.SnapLength);
        Assert.Equal(2, packets.Count);
        Assert.Equal(T0Ns + expectedFraction, packets[0].Nanoseconds);
        Assert.Equal(T0Ns + 1_000_000_000L, packets[1].Nanoseconds);
        Assert.Equal(Captures.Payload(60, 1), packets[0].Data);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(1514, packets[1].OriginalLength);
        Assert.All(packets, p => Assert.Equal(LinkTypes.Ethernet, p.LinkType));
    }

    [Fact]
    public void CreatePcap_PacketLongerThanSnapLength_IsCutAndKeepsOriginalLength()
    {
        var stream = new MemoryStream();
        using (var writer = CaptureWriter.CreatePcap(stream, LinkTypes.Raw, snapLength: 10, leaveOpen: true))
        {
            writer.Write(0, LinkTypes.Raw, Captures.Payload(50, 3));
        }

        var packet = Assert.Single(Captures.ReadAll(stream.ToArray()));

        Assert.Equal(10, packet.CapturedLength);
        Assert.Equal(50, packet.OriginalLength);
        Assert.Equal(Captures.Payload(10, 3), packet.Data);
    }

    [Fact]
    public void CreatePcap_WriteOtherLinkType_Throws()
    {
        using var writer = CaptureWriter.CreatePcap(new MemoryStream(), LinkTypes.Ethernet);

        var ex = Assert.Throws<ArgumentException>(() => writer.Write(0, LinkTypes.Raw, [1]));

        Assert.Contains("one link type (1); got 101", ex.Message);
        Assert.Equal(0, writer.PacketsWritten);
    }

    [Fact]
    public void Write_NegativeTimestamp_Throws()
    {
        using var writer = CaptureWriter.CreatePcapNg(new MemoryStream());

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(-1, LinkTypes.Raw, [1]));
    }

    [Fact]
    public void CreatePcapNg_RoundTrip_OneInterfacePerLinkTypeAndNanosecondTimestamps()
    {
        var stream = new MemoryStream();
        using (var writer = CaptureWriter.CreatePcapNg(stream, leaveOpen: true))
        {
            writer.Write(T0Ns + 1, LinkTypes.Ethernet, Captures.Payload(60, 1));
            writer.Write(T0Ns + 2, LinkTypes.Raw, Captures.Payload(21, 2), originalLength: 40);
            writer.Write(T0Ns + 3, LinkTypes.Ethernet, Captures.Payload(63, 3));
            writer.Write(T0Ns + 4, LinkTypes.Ipv6, Captures.Payload(1, 4));
        }

        var bytes = stream.ToArray();
        Assert.Equal(0, bytes.Length % 4);
        var packets = Captures.ReadAll(bytes, out var reader);

        Assert.Equal(CaptureFormat.PcapNg, reader.Format);
        Assert.Equal(4, packets.Count);
        Assert.Equal([0, 1, 0, 2], packets.Select(p => p.Interface));
        Assert.Equal([LinkTypes.Ethernet, LinkTypes.Raw, LinkTypes.Ethernet, LinkTypes.Ipv6], packets.Select(p => p.LinkType));
        Assert.Equal([T0Ns + 1, T0Ns + 2, T0Ns + 3, T0Ns + 4], packets.Select(p => p.Nanoseconds));
        Assert.Equal(40, packets[1].OriginalLength);
        Assert.Equal(Captures.Payload(63, 3), packets[2].Data);
        Assert.Equal(Captures.Payload(1, 4), packets[3].Data);
    }

    [Fact]
    public void Write_CapturedPacketFromReader_CopiesFileToPcapNg()
    {
        var source = new ByteBuilder(true).PcapHeader(0xA1B23C4D, LinkTypes.LinuxSll)
            .PcapRecord(5, 6, Captures.Payload(33, 1), 99)
            .PcapRecord(7, 8, Captures.Payload(44, 2))
            .ToArray();
        var copy = new MemoryStream();
        using (var reader = new CaptureReader(new MemoryStream(source)))
        using (var writer = CaptureWriter.CreatePcapNg(copy, leaveOpen: true))
        {
            while (reader.TryReadNext(out var packet))
            {
                writer.Write(packet);
            }
        }

        var packets = Captures.ReadAll(copy.ToArray());

        Assert.Equal(2, packets.Count);
        Assert.Equal(5_000_000_006L, packets[0].Nanoseconds);
        Assert.Equal(99, packets[0].OriginalLength);
        Assert.Equal(LinkTypes.LinuxSll, packets[1].LinkType);
        Assert.Equal(Captures.Payload(44, 2), packets[1].Data);
    }

    [Fact]
    public void Dispose_LeaveOpenFalse_DisposesStream()
    {
        var stream = new MemoryStream();
        CaptureWriter.CreatePcap(stream, LinkTypes.Ethernet).Dispose();

        Assert.False(stream.CanWrite);
    }

    [Fact]
    public void Write_AfterDispose_Throws()
    {
        var writer = CaptureWriter.CreatePcapNg(new MemoryStream());
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.Write(0, 1, [1]));
    }
}
