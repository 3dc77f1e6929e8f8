namespace OpenWfp.Pcap.Tests;

public sealed class LinkTypesTests
{
    // Values from https://www.tcpdump.org/linktypes.html; files on disk depend on them never changing.
    [Fact]
    public void Constants_MatchTcpdumpRegistry()
    {
        Assert.Equal(0u, LinkTypes.Null);
        Assert.Equal(1u, LinkTypes.Ethernet);
        Assert.Equal(101u, LinkTypes.Raw);
        Assert.Equal(108u, LinkTypes.Loop);
        Assert.Equal(113u, LinkTypes.LinuxSll);
        Assert.Equal(228u, LinkTypes.Ipv4);
        Assert.Equal(229u, LinkTypes.Ipv6);
        Assert.Equal(276u, LinkTypes.LinuxSll2);
        Assert.Equal(256 * 1024 * 1024, CaptureReader.MaxRecordLength);
    }

    [Fact]
    public void NullPcapWrittenByHand_ReadsWithItsLinkType()
    {
        // pcap-savefile(5): little-endian µs magic, version 2.4, zone, sigfigs, snaplen 65535, LINKTYPE_NULL; one record
        // of a 4-byte host-order AF_INET header plus 4 bytes.
        byte[] file =
        [
            0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0,
            2, 0, 0, 0, 0x45, 0, 0, 0x14,
        ];
        var packets = Captures.ReadAll(file);
        var p = Assert.Single(packets);
        Assert.Equal(LinkTypes.Null, p.LinkType);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0x45, 0, 0, 0x14 }, p.Data);
    }

    [Fact]
    public void LoopInPcapng_RoundTripsPerInterface()
    {
        var stream = new MemoryStream();
        using (var writer = CaptureWriter.CreatePcapNg(stream, leaveOpen: true))
        {
            writer.Write(Captures.T0, LinkTypes.Loop, [0, 0, 0, 2, 0x45]);
            writer.Write(Captures.T0, LinkTypes.Null, [2, 0, 0, 0, 0x45]);
        }

        var packets = Captures.ReadAll(stream.ToArray());
        Assert.Equal([LinkTypes.Loop, LinkTypes.Null], packets.Select(p => p.LinkType));
        Assert.Equal(new byte[] { 0, 0, 0, 2, 0x45 }, packets[0].Data);
    }
}
