namespace OpenWfp.Pcap.Tests;

public sealed class AllocationTests
{
    private const int Packets = 10_000;

    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.PcapNg)]
    public void TryReadNext_10000Packets_AllocatesNothingAfterFirst(CaptureFormat format)
    {
        var file = BuildFile(format);

        // A first full pass lets the JIT reach steady state so its own allocations are not counted.
        ReadAllAndSum(file, out _);
        var allocated = ReadAllAndSum(file, out var count);

        Assert.Equal(Packets, count);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.PcapNg)]
    public void Write_10000Packets_AllocatesNothingAfterFirst(CaptureFormat format)
    {
        var data = Captures.Payload(1500, 1);
        var stream = new MemoryStream(Packets * 1600);
        using var writer = format == CaptureFormat.Pcap
            ? CaptureWriter.CreatePcap(stream, LinkTypes.Ethernet, leaveOpen: true)
            : CaptureWriter.CreatePcapNg(stream, leaveOpen: true);
        writer.Write(1, LinkTypes.Ethernet, data);
        for (var i = 0; i < 100; i++)
        {
            writer.Write(i, LinkTypes.Ethernet, data.AsSpan(0, 60 + i));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Packets; i++)
        {
            writer.Write(i, LinkTypes.Ethernet, data.AsSpan(0, 60 + (i % 1000)));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Packets + 101, writer.PacketsWritten);
    }

    private static long ReadAllAndSum(byte[] file, out int count)
    {
        using var reader = new CaptureReader(new MemoryStream(file));
        Assert.True(reader.TryReadNext(out var first));
        count = 1;
        long checksum = first.Data.Span[0];
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (reader.TryReadNext(out var packet))
        {
            checksum += packet.Data.Span[^1] + packet.TimestampUnixNanoseconds + packet.InterfaceIndex;
            count++;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotEqual(0, checksum);
        return allocated;
    }

    private static byte[] BuildFile(CaptureFormat format)
    {
        var b = new ByteBuilder(false);
        if (format == CaptureFormat.Pcap)
        {
            b.PcapHeader(0xA1B2C3D4, LinkTypes.Ethernet);
        }
        else
        {
            b.SectionHeader().InterfaceDescription(1).InterfaceDescription(101, 0, tsResol: 0x80 | 20);
        }

        for (var i = 0; i < Packets; i++)
        {
            // Sizes vary up to ~9 KB so records straddle the 64 KiB read buffer many times.
            var data = Captures.Payload(40 + ((i * 37) % 9000), (byte)(i | 1));
            if (format == CaptureFormat.Pcap)
            {
                b.PcapRecord((uint)i, 0, data);
            }
            else
            {
                b.EnhancedPacket((uint)(i & 1), (ulong)i << 20, data);
            }
        }

        return b.ToArray();
    }
}
