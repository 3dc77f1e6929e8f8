using System.Buffers.Binary;
using System.Diagnostics;
using OpenWfp.Testing.Packets;
using static OpenWfp.Testing.Packets.PacketBuilder;

namespace OpenWfp.Wire.Tests;

public sealed class ChecksumsTests
{
    private const uint A = 0x0A000001;
    private const uint B = 0xC0A8010A;
    private static readonly UInt128 A6 = new(0x20010DB800000000, 1);
    private static readonly UInt128 B6 = new(0x20010DB800000000, 2);
    private static readonly string[] TsharkPaths = ["/usr/bin/tshark", "/usr/local/bin/tshark"];

    /// <summary>IP packets (link header removed) from <see cref="KnownFrames"/>, whose checksums an independent encoder wrote.</summary>
    public static TheoryData<string, int> KnownPackets => new()
    {
        { nameof(KnownFrames.EthernetIpv4TcpSyn), 14 },
        { nameof(KnownFrames.VlanUdpDnsQuery), 18 },
        { nameof(KnownFrames.SllOutgoingTcp), 16 },
        { nameof(KnownFrames.Sll2Ipv6Udp), 20 },
        { nameof(KnownFrames.Ipv4IcmpEcho), 0 },
        { nameof(KnownFrames.IcmpPortUnreachableQuotingUdp), 0 },
        { nameof(KnownFrames.Icmpv6PacketTooBigQuotingTcp), 0 },
    };

    [Theory]
    [MemberData(nameof(KnownPackets))]
    public void ZeroedChecksumsComeBackAsTheEncoderWroteThem(string name, int linkHeader)
    {
        var original = ((byte[])typeof(KnownFrames).GetField(name)!.GetValue(null)!)[linkHeader..];
        var packet = (byte[])original.Clone();
        foreach (var at in ChecksumOffsets(packet))
        {
            packet[at] = 0x5A;
            packet[at + 1] = 0xA5;
        }

        Assert.NotEqual(original, packet);
        Assert.True(Checksums.Fix(packet));
        Assert.Equal(original, packet);
    }

    [Fact]
    public void RewrittenPayloadsGetTheChecksumsOfFreshlyBuiltPackets()
    {
        var rng = new Random(7);
        for (var i = 0; i < 400; i++)
        {
            var before = RandomBytes(rng, rng.Next(0, 300));
            var after = RandomBytes(rng, before.Length);
            var (stale, expected) = (i % 6) switch
            {
                0 => (Ipv4(A, B, IpProtocol.Udp, Udp(1000, 53, before)), Ipv4(A, B, IpProtocol.Udp, Udp(1000, 53, after))),
                1 => (Ipv4(A, B, IpProtocol.Tcp, Tcp(4000, 443, 1, 2, TcpFlags.Ack, before)), Ipv4(A, B, IpProtocol.Tcp, Tcp(4000, 443, 1, 2, TcpFlags.Ack, after))),
                2 => (Ipv4(A, B, IpProtocol.Icmp, Icmp(8, 0, 0x10001, before)), Ipv4(A, B, IpProtocol.Icmp, Icmp(8, 0, 0x10001, after))),
                3 => (Ipv6(A6, B6, IpProtocol.Udp, Udp(1000, 53, before)), Ipv6(A6, B6, IpProtocol.Udp, Udp(1000, 53, after))),
                4 => (Ipv6(A6, B6, IpProtocol.Tcp, Tcp(4000, 443, 1, 2, TcpFlags.Psh, before, [1, 1, 1, 1])),
                      Ipv6(A6, B6, IpProtocol.Tcp, Tcp(4000, 443, 1, 2, TcpFlags.Psh, after, [1, 1, 1, 1]))),
                _ => (Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, 0x10001, before, v6: true), 64, ExtensionHeader.HopByHop(), ExtensionHeader.DestinationOptions()),
                      Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, 0x10001, after, v6: true), 64, ExtensionHeader.HopByHop(), ExtensionHeader.DestinationOptions())),
            };

            // The callout's rewrite: the new payload over the old packet, checksums now stale.
            var rewritten = (byte[])stale.Clone();
            after.CopyTo(rewritten, rewritten.Length - after.Length);
            Assert.True(Checksums.Fix(rewritten), $"case {i}");
            Assert.Equal(expected, rewritten);
        }
    }

    [Fact]
    public void UdpSumOfZeroIsSentAsAllOnes()
    {
        // Search for a payload whose UDP checksum computes to zero, then check Fix writes 0xFFFF.
        for (ushort word = 0; word < ushort.MaxValue; word++)
        {
            var payload = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(payload, word);
            var packet = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2, payload), transportChecksum: false);
            var udp = packet.AsSpan(20);
            var sum = InternetChecksum.Finish(InternetChecksum.Accumulate(udp, InternetChecksum.PseudoHeaderIpv4(A, B, IpProtocol.Udp, udp.Length)));
            if (sum == 0)
            {
                Assert.True(Checksums.Fix(packet));
                Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(26)));
                return;
            }
        }

        Assert.Fail("no payload with a zero UDP checksum found");
    }

    [Fact]
    public void FragmentsGetOnlyTheIpv4HeaderChecksum()
    {
        var packet = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2, [1, 2, 3, 4]), moreFragments: true);
        var original = (byte[])packet.Clone();
        packet[10] = packet[11] = 0;
        packet[26] = 0x12;
        Assert.True(Checksums.Fix(packet));
        Assert.Equal(original[10..12], packet[10..12]);
        Assert.Equal(0x12, packet[26]); // the transport bytes were not touched

        var v6 = (byte[])KnownFrames.Ipv6HopByHopFragmentUdp.Clone();
        Assert.True(Checksums.Fix(v6));
        Assert.Equal(KnownFrames.Ipv6HopByHopFragmentUdp, v6);
    }

    [Fact]
    public void MalformedPacketsAreRefusedAndLeftAlone()
    {
        var udp = Ipv4(A, B, IpProtocol.Udp, Udp(1, 2, [9, 9]));
        var tcp = Ipv4(A, B, IpProtocol.Tcp, Tcp(1, 2, 3, 4, TcpFlags.Syn));
        var udp6 = Ipv6(A6, B6, IpProtocol.Udp, Udp(1, 2, [9, 9]));
        byte[][] bad =
        [
            [],
            [0x45, 0, 0],
            [0x75, .. new byte[40]],                                   // version 7
            udp[..25],                                                 // shorter than its total length
            With(udp, 0, 0x44),                                        // IHL 4
            With(udp, 3, 27),                                          // total length leaves a 7-byte UDP header
            With(udp, 25, 40),                                         // UDP length beyond the packet
            With(tcp, 32, 0x40),                                       // TCP data offset 16 bytes
            With(tcp, 32, 0xF0),                                       // TCP data offset beyond the segment
            udp6[..45],
            With(udp6, 5, 0),                                          // payload length 0 (jumbogram)
            Ipv6(A6, B6, IpProtocol.Udp, Udp(1, 2), 64, new ExtensionHeader(IpProtocol.Routing, [0, 1, 0, 0, 0, 0])), // segments left 1
        ];
        foreach (var packet in bad)
        {
            var copy = (byte[])packet.Clone();
            Assert.False(Checksums.Fix(copy), Convert.ToHexString(packet));
            Assert.Equal(packet, copy);
        }
    }

    [Fact]
    public void TsharkAcceptsTheFixedChecksums()
    {
        var tshark = TsharkPaths.FirstOrDefault(File.Exists);
        Assert.SkipWhen(tshark is null, "tshark is not installed (Debian package tshark)");
        var rng = new Random(11);
        var packets = new List<byte[]>();
        for (var i = 0; i < 60; i++)
        {
            var payload = RandomBytes(rng, rng.Next(1, 200));
            var packet = (i % 5) switch
            {
                0 => Ipv4(A, B, IpProtocol.Udp, Udp(5000, 5001, payload), id: (ushort)i),
                1 => Ipv4(A, B, IpProtocol.Tcp, Tcp(5000, 80, (uint)i, 7, TcpFlags.Ack | TcpFlags.Psh, payload)),
                2 => Ipv4(A, B, IpProtocol.Icmp, Icmp(8, 0, (uint)i, payload)),
                3 => Ipv6(A6, B6, IpProtocol.Udp, Udp(5000, 5001, payload)),
                _ => Ipv6(A6, B6, IpProtocol.Icmpv6, Icmp(128, 0, (uint)i, payload, v6: true)),
            };
            foreach (var at in ChecksumOffsets(packet))
            {
                packet[at] ^= 0xFF;
            }

            packet[^1] ^= 0x42;
            Assert.True(Checksums.Fix(packet));
            packets.Add(packet);
        }

        var path = Path.Combine(Path.GetTempPath(), $"openwfp-checksums-{Environment.ProcessId}.pcap");
        try
        {
            WriteRawPcap(path, packets);
            string[] fields = ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status"];
            var info = new ProcessStartInfo(tshark!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-r", path, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields", .. fields.SelectMany(f => new[] { "-e", f })])
            {
                info.ArgumentList.Add(a);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(60_000);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(packets.Count, lines.Length);
            var verified = 0;
            foreach (var line in lines)
            {
                var statuses = line.Split('\t').Where(s => s.Length > 0).ToArray();
                Assert.True(statuses.Length >= 1, line);
                Assert.All(statuses, s => Assert.Equal("1", s)); // 1 = good, 0 = bad, 2 = unverified
                verified += statuses.Length;
            }

            // Every checksum was looked at: the IPv4 header's and the transport's, the transport's alone for IPv6.
            Assert.Equal(packets.Sum(p => p[0] >> 4 == 4 ? 2 : 1), verified);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Where the checksums of a well-formed packet are (IPv4 header and the transport's).</summary>
    private static List<int> ChecksumOffsets(byte[] packet)
    {
        var offsets = new List<int>();
        int transport;
        byte protocol;
        if (packet[0] >> 4 == 4)
        {
            offsets.Add(10);
            transport = (packet[0] & 0xF) * 4;
            protocol = packet[9];
        }
        else
        {
            transport = 40;
            protocol = packet[6];
        }

        offsets.Add(transport + protocol switch
        {
            IpProtocol.Tcp => 16,
            IpProtocol.Udp => 6,
            _ => 2,
        });
        return offsets;
    }

    private static byte[] With(byte[] packet, int index, byte value)
    {
        var copy = (byte[])packet.Clone();
        copy[index] = value;
        return copy;
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    // Classic pcap, LINKTYPE_RAW (101): each record is an IP packet.
    private static void WriteRawPcap(string path, List<byte[]> packets)
    {
        using var stream = File.Create(path);
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 101);
        stream.Write(header);
        var record = new byte[16];
        for (var i = 0; i < packets.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(1_700_000_000 + i));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)packets[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)packets[i].Length);
            stream.Write(record);
            stream.Write(packets[i]);
        }
    }
}
