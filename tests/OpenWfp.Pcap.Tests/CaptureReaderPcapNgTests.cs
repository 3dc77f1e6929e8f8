namespace OpenWfp.Pcap.Tests;

public sealed class CaptureReaderPcapNgTests
{
    private static readonly long T0Ns = Captures.T0Seconds * 1_000_000_000L;

    [Fact]
    public void TryReadNext_TwoSectionsDifferentByteOrder_ResetsInterfacesAndScalesTimestamps()
    {
        var b = new ByteBuilder(bigEndian: false);
        b.SectionHeader();
        b.InterfaceDescription((ushort)LinkTypes.Ethernet, 65535);                  // default 10^-6
        b.InterfaceDescription((ushort)LinkTypes.Raw, 1500, tsResol: 9);            // 10^-9
        b.InterfaceDescription((ushort)LinkTypes.LinuxSll, 0, tsResol: 0x80 | 10);  // 2^-10
        b.EnhancedPacket(0, (ulong)(Captures.T0Seconds * 1_000_000) + 123_456, Captures.Payload(14, 1));
        b.EnhancedPacket(1, (ulong)T0Ns + 987_654_321, Captures.Payload(21, 2), originalLength: 100);
        b.EnhancedPacket(2, ((ulong)Captures.T0Seconds << 10) + 512, Captures.Payload(3, 3));

        b.BigEndian = true;
        b.SectionHeader();
        b.InterfaceDescription((ushort)LinkTypes.Ipv6, 0, tsResol: 3);              // 10^-3
        b.EnhancedPacket(0, (ulong)(Captures.T0Seconds * 1000) + 7, Captures.Payload(40, 4));

        var packets = Captures.ReadAll(b.ToArray(), out var reader);

        Assert.Equal(CaptureFormat.PcapNg, reader.Format);
        Assert.False(reader.IsTruncated);
        Assert.Equal(4, packets.Count);
        Assert.Equal([1L, 2L, 3L, 4L], packets.Select(p => p.Frame));
        Assert.Equal([0, 1, 2, 0], packets.Select(p => p.Interface));
        Assert.Equal([LinkTypes.Ethernet, LinkTypes.Raw, LinkTypes.LinuxSll, LinkTypes.Ipv6], packets.Select(p => p.LinkType));
        Assert.Equal(T0Ns + 123_456_000, packets[0].Nanoseconds);
        Assert.Equal(T0Ns + 987_654_321, packets[1].Nanoseconds);
        Assert.Equal(T0Ns + 500_000_000, packets[2].Nanoseconds);
        Assert.Equal(T0Ns + 7_000_000, packets[3].Nanoseconds);
        Assert.Equal(21, packets[1].CapturedLength);
        Assert.Equal(100, packets[1].OriginalLength);
        Assert.Equal(Captures.Payload(3, 3), packets[2].Data);
        Assert.Equal(Captures.Payload(40, 4), packets[3].Data);
    }

    [Fact]
    public void TryReadNext_SecondSectionReusesInterfaceIdOfFirst_Throws()
    {
        var b = new ByteBuilder(false).SectionHeader();
        b.InterfaceDescription(1);
        b.InterfaceDescription(101);
        b.EnhancedPacket(1, 0, [1]);
        b.SectionHeader();
        b.InterfaceDescription(1);
        b.EnhancedPacket(1, 0, [2]);
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        Assert.True(reader.TryReadNext(out _));
        var ex = Assert.Throws<CaptureFormatException>(() => reader.TryReadNext(out _));
        Assert.Equal(2, ex.FrameNumber);
        Assert.Contains("interface id 1", ex.Message);
    }

    [Fact]
    public void TryReadNext_TsOffset_AddsSeconds()
    {
        var b = new ByteBuilder(true).SectionHeader();
        b.InterfaceDescription(1, 0, tsResol: 9, tsOffset: Captures.T0Seconds);
        b.EnhancedPacket(0, 42, [1, 2]);

        var packet = Assert.Single(Captures.ReadAll(b.ToArray()));

        Assert.Equal(T0Ns + 42, packet.Nanoseconds);
    }

    [Fact]
    public void TryReadNext_SimplePacketBlock_UsesInterfaceZeroAndSnapLength()
    {
        var b = new ByteBuilder(false).SectionHeader();
        b.InterfaceDescription((ushort)LinkTypes.Ethernet, snapLength: 8);
        b.SimplePacket(60, Captures.Payload(8, 5));  // cut by snaplen 8
        b.SimplePacket(5, Captures.Payload(5, 6));   // 5 bytes, padded to 8 in the block

        var packets = Captures.ReadAll(b.ToArray());

        Assert.Equal(2, packets.Count);
        Assert.Equal(8, packets[0].CapturedLength);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(Captures.Payload(8, 5), packets[0].Data);
        Assert.Equal(5, packets[1].CapturedLength);
        Assert.Equal(Captures.Payload(5, 6), packets[1].Data);
        Assert.All(packets, p => Assert.Equal(0L, p.Nanoseconds));
        Assert.All(packets, p => Assert.Equal(LinkTypes.Ethernet, p.LinkType));
    }

    [Fact]
    public void TryReadNext_ObsoletePacketBlock_ReadsInterfaceAndTimestamp()
    {
        var b = new ByteBuilder(true).SectionHeader();
        b.InterfaceDescription((ushort)LinkTypes.Ethernet);
        b.InterfaceDescription((ushort)LinkTypes.Raw, tsResol: 9);
        b.ObsoletePacket(1, (ulong)T0Ns + 5, Captures.Payload(17, 9));

        var packet = Assert.Single(Captures.ReadAll(b.ToArray()));

        Assert.Equal(1, packet.Interface);
        Assert.Equal(LinkTypes.Raw, packet.LinkType);
        Assert.Equal(T0Ns + 5, packet.Nanoseconds);
        Assert.Equal(Captures.Payload(17, 9), packet.Data);
    }

    [Fact]
    public void TryReadNext_UnknownBlocks_AreSkipped()
    {
        var b = new ByteBuilder(false).SectionHeader();
        b.Block(0x0000_0BAD, x => x.U32(1).U32(2).U32(3));     // custom/unknown
        b.InterfaceDescription(1);
        b.Block(4, x => x.U16(0).U16(0));                       // Name Resolution Block
        b.EnhancedPacket(0, 1, [0xAA]);
        b.Block(5, x => x.U32(0).U32(0).U32(0));                // Interface Statistics Block
        b.Block(0x4000_0BAD, x => x.Bytes(Captures.Payload(13, 0)));
        b.EnhancedPacket(0, 2, [0xBB, 0xCC]);

        var packets = Captures.ReadAll(b.ToArray(), out var reader);

        Assert.Equal(2, packets.Count);
        Assert.Equal(new byte[] { 0xAA }, packets[0].Data);
        Assert.Equal(new byte[] { 0xBB, 0xCC }, packets[1].Data);
        Assert.Equal(2, packets[1].Frame);
        Assert.False(reader.IsTruncated);
    }

    [Fact]
    public void TryReadNext_SectionHeaderOnly_EndsCleanly()
    {
        var b = new ByteBuilder(true).SectionHeader();
        using var reader = new CaptureReader(new MemoryStream(b.ToArray()));

        Assert.Equal(CaptureFormat.PcapNg, reader.Format);
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.IsTruncated);
    }
}
