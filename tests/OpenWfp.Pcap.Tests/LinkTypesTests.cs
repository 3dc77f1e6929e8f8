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
        Assert.Equal(113u, LinkTypes.LinuxSll);
        Assert.Equal(228u, LinkTypes.Ipv4);
        Assert.Equal(229u, LinkTypes.Ipv6);
        Assert.Equal(276u, LinkTypes.LinuxSll2);
        Assert.Equal(256 * 1024 * 1024, CaptureReader.MaxRecordLength);
    }
}
