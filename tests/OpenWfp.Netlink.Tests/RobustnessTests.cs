namespace OpenWfp.Netlink.Tests;

public class RobustnessTests
{
    [Fact]
    public void RandomAndTruncatedBuffersNeverThrow()
    {
        var rng = new Random(1234);
        byte[][] seeds = [ReaderTests.FullPacket(), [.. ReaderTests.FullPacket(), .. ReaderTests.FullPacket(2)]];
        var buffer = new byte[600];
        var messages = 0;
        for (var i = 0; i < 100_000; i++)
        {
            int length;
            switch (i % 3)
            {
                case 0:
                    length = rng.Next(buffer.Length);
                    rng.NextBytes(buffer.AsSpan(0, length));
                    break;
                case 1:
                    var seed = seeds[rng.Next(seeds.Length)];
                    length = rng.Next(seed.Length + 1);
                    seed.AsSpan(0, length).CopyTo(buffer);
                    break;
                default:
                    seed = seeds[rng.Next(seeds.Length)];
                    length = seed.Length;
                    seed.CopyTo(buffer, 0);
                    for (var k = rng.Next(1, 6); k > 0; k--)
                    {
                        buffer[rng.Next(length)] = (byte)rng.Next(256);
                    }

                    break;
            }

            var span = buffer.AsSpan(0, length);
            var reader = new NfQueueMessageReader(span);
            for (var guard = 0; guard < 1000; guard++)
            {
                var status = reader.Read(out var m);
                if (status is NetlinkReadStatus.End or NetlinkReadStatus.Truncated or NetlinkReadStatus.BadLength)
                {
                    break;
                }

                if (status == NetlinkReadStatus.Ok && m.Kind == NetlinkMessageKind.Packet)
                {
                    messages++;
                    Assert.InRange(m.Packet.PayloadOffset + m.Packet.PayloadLength, 0, length);
                    Assert.InRange(m.Packet.ConntrackOffset + m.Packet.ConntrackLength, 0, length);
                }
            }
        }

        Assert.True(messages > 1000);
    }

    [Fact]
    public void ReadingAndWritingDoNotAllocate()
    {
        var packets = (byte[])[.. ReaderTests.FullPacket(1), .. ReaderTests.FullPacket(2)];
        var output = new byte[512];
        var payload = new byte[40];
        long sink = 0;

        void Run(int iterations)
        {
            for (var i = 0; i < iterations; i++)
            {
                var reader = new NfQueueMessageReader(packets);
                while (reader.Read(out var m) == NetlinkReadStatus.Ok)
                {
                    sink += m.Packet.PacketId + (uint)m.Packet.PayloadLength;
                }

                sink += NfQueueMessageWriter.WriteConfigCommand(output, (uint)i, 1, NfQueueConstants.CfgCmdBind);
                sink += NfQueueMessageWriter.WriteConfigParams(output, (uint)i, 1, NfQueueConstants.CopyPacket, 0xFFFF);
                sink += NfQueueMessageWriter.WriteQueueMaxLength(output, (uint)i, 1, 4096);
                sink += NfQueueMessageWriter.WriteConfigFlags(output, (uint)i, 1, 4, 4);
                sink += NfQueueMessageWriter.WriteVerdict(output, (uint)i, 1, (uint)i, NfQueueConstants.NfAccept, (uint)i);
                sink += NfQueueMessageWriter.WriteBatchVerdict(output, (uint)i, 1, (uint)i, NfQueueConstants.NfAccept);
                sink += NfQueueMessageWriter.WriteVerdictWithPayload(output, (uint)i, 1, (uint)i, NfQueueConstants.NfAccept, payload);
            }
        }

        Run(1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sink);
    }
}
