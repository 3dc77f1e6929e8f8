namespace OpenWfp.Wire.Tests;

public class RobustnessTests
{
    public static TheoryData<string, LinkType> Frames() => new()
    {
        { nameof(KnownFrames.EthernetIpv4TcpSyn), LinkType.Ethernet },
        { nameof(KnownFrames.VlanUdpDnsQuery), LinkType.Ethernet },
        { nameof(KnownFrames.QinQUdp), LinkType.Ethernet },
        { nameof(KnownFrames.SllOutgoingTcp), LinkType.LinuxSll },
        { nameof(KnownFrames.Sll2Ipv6Udp), LinkType.LinuxSll2 },
        { nameof(KnownFrames.Ipv6HopByHopFragmentUdp), LinkType.Raw },
        { nameof(KnownFrames.Ipv4IcmpEcho), LinkType.Ipv4 },
        { nameof(KnownFrames.IcmpPortUnreachableQuotingUdp), LinkType.Raw },
        { nameof(KnownFrames.Icmpv6PacketTooBigQuotingTcp), LinkType.Ipv6 },
    };

    private static byte[] Frame(string name) =>
        (byte[])typeof(KnownFrames).GetField(name)!.GetValue(null)!;

    [Theory]
    [MemberData(nameof(Frames))]
    public void EveryPrefixParsesToADefinedStatus(string name, LinkType linkType)
    {
        var frame = Frame(name);
        Assert.Equal(ParseStatus.Ok, PacketParser.Parse(linkType, frame, out var full));
        int ipHeaderEnd = full.TransportOffset;
        for (int n = 0; n <= frame.Length; n++)
        {
            var status = PacketParser.Parse(linkType, frame.AsSpan(0, n), out var p);
            if (n < ipHeaderEnd)
            {
                // The link or network header chain is cut: never Ok, never Malformed (the fields are all valid).
                Assert.Equal(ParseStatus.Truncated, status);
                continue;
            }

            Assert.Equal(ParseStatus.Ok, status);
            Assert.Equal(full.Protocol, p.Protocol);
            Assert.Equal(full.TransportOffset, p.TransportOffset);
            Assert.Equal(n < frame.Length, p.Has(PacketFlags.NetworkTruncated));
            Assert.InRange(p.PayloadOffset + p.PayloadLength, 0, n);
            Assert.True(p.PayloadLength >= 0);
            if (p.Has(PacketFlags.TransportPresent))
            {
                Assert.Equal(full.SourcePort, p.SourcePort);
                Assert.Equal(full.DestinationPort, p.DestinationPort);
                Assert.Equal(full.IcmpType, p.IcmpType);
            }
            else
            {
                Assert.True(p.Has(PacketFlags.TransportTruncated), $"prefix {n}: transport neither present nor truncated");
            }

            if (p.Has(PacketFlags.InnerPortsPresent))
            {
                Assert.Equal(full.InnerSourcePort, p.InnerSourcePort);
                Assert.Equal(full.InnerDestinationPort, p.InnerDestinationPort);
            }
            else if (p.Has(PacketFlags.IcmpError))
            {
                Assert.True(p.Has(PacketFlags.InnerTruncated));
            }
        }
    }

    [Theory]
    [InlineData(LinkType.Ethernet)]
    [InlineData(LinkType.Raw)]
    [InlineData(LinkType.LinuxSll)]
    [InlineData(LinkType.LinuxSll2)]
    [InlineData(LinkType.Ipv4)]
    [InlineData(LinkType.Ipv6)]
    public void RandomAndBitFlippedFramesNeverThrow(LinkType linkType)
    {
        var rng = new Random(0x5EED + (int)linkType);
        var seeds = new[]
        {
            KnownFrames.EthernetIpv4TcpSyn, KnownFrames.VlanUdpDnsQuery, KnownFrames.QinQUdp, KnownFrames.SllOutgoingTcp,
            KnownFrames.Sll2Ipv6Udp, KnownFrames.Ipv6HopByHopFragmentUdp, KnownFrames.Ipv4IcmpEcho,
            KnownFrames.IcmpPortUnreachableQuotingUdp, KnownFrames.Icmpv6PacketTooBigQuotingTcp,
        };
        var buffer = new byte[256];
        var counts = new int[5];
        for (int i = 0; i < 35_000; i++)
        {
            int length;
            if ((i & 1) == 0)
            {
                length = rng.Next(buffer.Length + 1);
                rng.NextBytes(buffer.AsSpan(0, length));

                // Steer half the random frames into the IP parsers, where most branches are.
                if (length > 20 && (i & 2) == 0)
                {
                    buffer[0] = (byte)((rng.Next(2) == 0 ? 0x40 : 0x60) | (buffer[0] & 0x0F));
                }
            }
            else
            {
                var seed = seeds[rng.Next(seeds.Length)];
                length = Math.Min(seed.Length, rng.Next(seed.Length + 8));
                seed.AsSpan(0, length).CopyTo(buffer);
                for (int flips = rng.Next(1, 4); flips > 0 && length > 0; flips--)
                {
                    buffer[rng.Next(length)] ^= (byte)(1 << rng.Next(8));
                }
            }

            var status = PacketParser.Parse(linkType, buffer.AsSpan(0, length), out var p);
            Assert.True(Enum.IsDefined(status));
            counts[(int)status]++;
            if (status == ParseStatus.Ok)
            {
                Assert.InRange(p.NetworkOffset, 0, length);
                Assert.InRange(p.PayloadOffset, 0, length);
                Assert.InRange(p.PayloadOffset + p.PayloadLength, p.PayloadOffset, length);
            }
        }

        Assert.True(counts[(int)ParseStatus.Ok] > 0);
        Assert.True(counts[(int)ParseStatus.Truncated] + counts[(int)ParseStatus.Malformed] > 0);
    }

    [Fact]
    public void ParsingAllocatesNothing()
    {
        var frames = new[]
        {
            (LinkType.Ethernet, KnownFrames.EthernetIpv4TcpSyn), (LinkType.Ethernet, KnownFrames.QinQUdp),
            (LinkType.LinuxSll2, KnownFrames.Sll2Ipv6Udp), (LinkType.Raw, KnownFrames.Ipv6HopByHopFragmentUdp),
            (LinkType.Raw, KnownFrames.IcmpPortUnreachableQuotingUdp), (LinkType.Raw, KnownFrames.Icmpv6PacketTooBigQuotingTcp),
        };
        long sink = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var (lt, f) = frames[i % frames.Length];
            PacketParser.Parse(lt, f, out var p);
            sink += p.SourcePort;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            var (lt, f) = frames[i % frames.Length];
            PacketParser.Parse(lt, f, out var p);
            sink += p.SourcePort + p.InnerSourcePort;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sink);
    }
}
