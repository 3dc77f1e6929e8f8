namespace OpenWfp.Wire.Tests;

public class ConstantTests
{
    [Fact]
    public void LinkTypesMatchTcpdumpOrg()
    {
        Assert.Equal(1, (int)LinkType.Ethernet);
        Assert.Equal(101, (int)LinkType.Raw);
        Assert.Equal(113, (int)LinkType.LinuxSll);
        Assert.Equal(276, (int)LinkType.LinuxSll2);
        Assert.Equal(228, (int)LinkType.Ipv4);
        Assert.Equal(229, (int)LinkType.Ipv6);
        Assert.Equal(0, (int)LinkType.Null);
        Assert.Equal(108, (int)LinkType.Loop);
        Assert.Equal(8, Enum.GetValues<LinkType>().Length);
    }

    [Fact]
    public void EtherTypesMatchIfEther()
    {
        Assert.Equal(0x0800, EtherType.Ipv4);
        Assert.Equal(0x86DD, EtherType.Ipv6);
        Assert.Equal(0x8100, EtherType.Vlan);
        Assert.Equal(0x88A8, EtherType.QinQ);
        Assert.Equal(0x9100, EtherType.QinQLegacy);
        Assert.Equal(0x0806, EtherType.Arp);
        Assert.Equal(0x0600, EtherType.MinimumEtherType);
    }

    [Fact]
    public void IpProtocolNumbersMatchIana()
    {
        Assert.Equal(0, IpProtocol.HopByHop);
        Assert.Equal(1, IpProtocol.Icmp);
        Assert.Equal(6, IpProtocol.Tcp);
        Assert.Equal(17, IpProtocol.Udp);
        Assert.Equal(43, IpProtocol.Routing);
        Assert.Equal(44, IpProtocol.Fragment);
        Assert.Equal(50, IpProtocol.Esp);
        Assert.Equal(51, IpProtocol.AuthenticationHeader);
        Assert.Equal(58, IpProtocol.Icmpv6);
        Assert.Equal(59, IpProtocol.NoNextHeader);
        Assert.Equal(60, IpProtocol.DestinationOptions);
        Assert.Equal(132, IpProtocol.Sctp);
        Assert.Equal(136, IpProtocol.UdpLite);
    }

    [Fact]
    public void TcpFlagBitsMatchRfc9293()
    {
        Assert.Equal(0x01, (int)TcpFlags.Fin);
        Assert.Equal(0x02, (int)TcpFlags.Syn);
        Assert.Equal(0x04, (int)TcpFlags.Rst);
        Assert.Equal(0x08, (int)TcpFlags.Psh);
        Assert.Equal(0x10, (int)TcpFlags.Ack);
        Assert.Equal(0x20, (int)TcpFlags.Urg);
        Assert.Equal(0x40, (int)TcpFlags.Ece);
        Assert.Equal(0x80, (int)TcpFlags.Cwr);
    }

    [Fact]
    public void HeaderLengths()
    {
        Assert.Equal(14, EthernetHeader.Length);
        Assert.Equal(16, PacketParser.SllHeaderLength);
        Assert.Equal(20, PacketParser.Sll2HeaderLength);
        Assert.Equal(20, Ipv4Header.MinimumLength);
        Assert.Equal(40, Ipv6Header.Length);
        Assert.Equal(20, TcpHeader.MinimumLength);
        Assert.Equal(8, UdpHeader.Length);
        Assert.Equal(8, IcmpHeader.Length);
    }
}
