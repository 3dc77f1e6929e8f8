using System.Net.Sockets;
using System.Text;
using OpenWfp.Wire;
using static OpenWfp.Netlink.NfQueueConstants;

namespace OpenWfp.Netlink.Tests;

/// <summary>NFQUEUE against the real kernel, inside throw-away network namespaces (root only).</summary>
public sealed class NfQueueLiveTests
{
    private const ushort Q = 7000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReceivesLocalOutPacketWithMetadataAndAcceptDelivers(bool v6)
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        Assert.Equal(Q, queue.QueueNumber);
        var data = Encoding.ASCII.GetBytes($"hello over {(v6 ? "IPv6" : "IPv4")}");
        lab.Send(data);

        var (packet, payload) = Assert.Single(QueueLab.Take(queue, 1));
        Assert.Equal(lab.Family, packet.Family);
        Assert.Equal(Q, packet.QueueNumber);
        Assert.Equal(NfInetLocalOut, packet.Hook);
        Assert.True(packet.Has(NfqaUid) && packet.Has(NfqaGid), "F_UID_GID should add NFQA_UID/GID to locally generated packets");
        Assert.Equal(0u, packet.Uid); // the tests run as root
        Assert.Equal(lab.IpHeaderLength + 8 + data.Length, payload.Length);
        Assert.Equal(v6 ? 6 : 4, payload[0] >> 4);
        Assert.Equal(data, payload[(lab.IpHeaderLength + 8)..]);
        Assert.Null(lab.Received(100)); // held by the queue until the verdict

        queue.Verdict(packet.PacketId, NfAccept);
        queue.Flush();
        Assert.Equal(data, lab.Received(2000));
        Assert.Equal(1, queue.Stats.Packets);
        Assert.Equal(0, queue.Stats.VerdictErrors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DropVerdictDiscardsThePacket(bool v6)
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        lab.Send([1, 2, 3]);
        lab.Send([4, 5, 6]);
        var packets = QueueLab.Take(queue, 2);
        Assert.Equal(2, packets.Count);
        queue.Verdict(packets[0].Packet.PacketId, NfDrop);
        queue.Verdict(packets[1].Packet.PacketId, NfAccept);
        queue.Flush();
        Assert.Equal([4, 5, 6], lab.Received(2000)); // the dropped one never arrives, the accepted one does
        Assert.Null(lab.Received(300));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RepeatWithMarkPassesOnceThroughTheMarkSkipRule(bool v6)
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6, Q, ["-m", "mark", "--mark", "0x5/0xff", "-j", "ACCEPT"]);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        lab.Send([42]);
        var (packet, _) = Assert.Single(QueueLab.Take(queue, 1));
        Assert.False(packet.Has(NfqaMark));

        queue.Verdict(packet.PacketId, NfRepeat, 0x105);
        queue.Flush();
        Assert.Equal([42], lab.Received(2000));
        Assert.Equal(0, queue.Receive(300)); // not queued a second time
        Assert.Equal(1, lab.RuleCounter("mark match 0x5/0xff"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchVerdictReleasesEveryPacketUpToTheId(bool v6)
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        const int count = 40;
        for (var i = 0; i < count; i++)
        {
            lab.Send([(byte)i]);
        }

        var packets = QueueLab.Take(queue, count);
        Assert.Equal(count, packets.Count);
        Assert.True(queue.Stats.Batches < count, $"{queue.Stats.Batches} receives for {count} packets: recvmmsg took one at a time");
        queue.BatchVerdict(packets.Max(p => p.Packet.PacketId), NfAccept);
        queue.Flush();
        var received = new List<byte>();
        while (received.Count < count && lab.Received(2000) is { } datagram)
        {
            received.Add(datagram[0]);
        }

        Assert.Equal(Enumerable.Range(0, count).Select(i => (byte)i), received);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RewrittenPayloadWithFixedChecksumsReachesTheReceiver(bool v6)
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        lab.Send(Encoding.ASCII.GetBytes("attack at dawn"));
        var (packet, payload) = Assert.Single(QueueLab.Take(queue, 1));

        Encoding.ASCII.GetBytes("attack at noon").CopyTo(payload, lab.IpHeaderLength + 8);
        Assert.True(Checksums.Fix(payload));
        queue.VerdictWithPayload(packet.PacketId, NfAccept, payload);
        queue.Flush();
        Assert.Equal("attack at noon", Encoding.ASCII.GetString(lab.Received(2000) ?? []));
        Assert.Equal(0, queue.Stats.VerdictErrors);
    }

    [Fact]
    public void SecondBindOfTheSameQueueFailsWithAClearMessage()
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6: false, queue: null);
        var first = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        var wrapped = Assert.Throws<InvalidOperationException>(() => lab.Namespace.Run(() => NfQueue.Open(new NfQueueOptions { QueueNumber = Q })));
        var error = Assert.IsType<NfQueueException>(wrapped.InnerException);
        Assert.Equal(NfQueueFailure.AlreadyBound, error.Failure);
        Assert.StartsWith($"NFQUEUE {Q} is already bound by another process (netlink port id {first.PortId})", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(first.PortId, lab.KernelStats(Q).PortId); // the failed attempt did not disturb the owner
    }

    [Fact]
    public void VerdictForAnUnknownIdIsCountedNotReturned()
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6: false, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q });
        queue.Verdict(123_456, NfAccept);
        queue.Flush();
        lab.Send([7]);
        var (packet, _) = Assert.Single(QueueLab.Take(queue, 1));
        Assert.Equal(1, queue.Stats.VerdictErrors);
        Assert.Equal(Errno.ENOENT, queue.Stats.LastVerdictErrno);
        queue.Verdict(packet.PacketId, NfAccept);
        queue.Flush();
        Assert.Equal([7], lab.Received(2000));
    }

    [Fact]
    public void SocketOverflowIsCountedAndTheQueueKeepsWorking()
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6: false, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q, ReceiveBufferBytes = 1, MaxLength = 10_000 });
        lab.Sender.Blocking = false;
        var payload = new byte[200];
        for (var i = 0; i < 5000; i++)
        {
            lab.Sender.SendTo(payload, SocketFlags.None, lab.Target); // send-buffer full is fine: overflow is what we want
        }

        // Drain what the tiny socket buffer kept, then release it.
        var held = new List<uint>();
        for (var idle = 0; idle < 3;)
        {
            var n = queue.Receive(100);
            idle = n == 0 ? idle + 1 : 0;
            for (var i = 0; i < n; i++)
            {
                Assert.True(queue.TryReadPacket(i, out var packet));
                held.Add(packet.PacketId);
            }
        }

        var kernel = lab.KernelStats(Q);
        Assert.True(queue.Stats.Enobufs >= 1, "the overflow should have been reported once as ENOBUFS");
        Assert.True(kernel.UserDropped > 0, $"kernel user_dropped {kernel.UserDropped}");
        Assert.NotEmpty(held);
        queue.BatchVerdict(held.Max(), NfAccept);
        queue.Flush();
        while (lab.Received(200) is not null)
        {
        }

        lab.Sender.Blocking = true;
        lab.Send([0xEE, 0xEE]);
        var (after, _) = Assert.Single(QueueLab.Take(queue, 1));
        queue.Verdict(after.PacketId, NfAccept);
        queue.Flush();
        Assert.Equal([0xEE, 0xEE], lab.Received(2000));
        Assert.Equal(0u, lab.KernelStats(Q).QueuedNow);
    }

    [Fact]
    public void ReceiveVerdictAndFlushAllocateNothing()
    {
        Assert.SkipWhen(QueueLab.SkipReason is not null, QueueLab.SkipReason ?? "");
        using var lab = QueueLab.Create(v6: false, Q);
        var queue = lab.OpenQueue(new NfQueueOptions { QueueNumber = Q, BatchSize = 32 });
        const int warmUp = 200, window = 1000, windows = 3;
        var stop = false;
        var sender = new Thread(() =>
        {
            var data = new byte[64];
            try
            {
                for (var i = 0; i < warmUp + (windows * window) + 100 && !Volatile.Read(ref stop); i++)
                {
                    lab.Sender.SendTo(data, lab.Target);
                }
            }
            catch (SocketException)
            {
                // The queue closed under a blocked send (EPERM for a dropped packet): the test is over.
            }
        });
        sender.Start();
        var deadline = Environment.TickCount64 + 30_000;
        try
        {
            Assert.True(Handle(queue, warmUp, deadline) >= warmUp, "warm-up packets did not arrive in time");

            // A window during which a garbage collection ran is measured again: only a GC-free window is conclusive.
            var results = new List<string>();
            for (var w = 0; w < windows; w++)
            {
                var collections = GC.CollectionCount(0);
                var before = GC.GetAllocatedBytesForCurrentThread();
                var handled = Handle(queue, window, deadline);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                var collected = GC.CollectionCount(0) != collections;
                Assert.True(handled >= window, $"only {handled} packets arrived in time");
                if (!collected)
                {
                    Assert.Equal(0, allocated);
                    return;
                }

                results.Add($"{allocated} bytes with a GC");
            }

            Assert.Fail($"every window saw a garbage collection: {string.Join(", ", results)}");
        }
        finally
        {
            Volatile.Write(ref stop, true);
            queue.Dispose(); // unblocks a sender waiting for send-buffer space held by queued packets
            sender.Join(10_000);
        }
    }

    // Receive + Datagram + TryReadPacket + Verdict + Flush for at least `count` packets (whole batches), the loop wfpd runs.
    private static int Handle(NfQueue queue, int count, long deadline)
    {
        var handled = 0;
        while (handled < count && Environment.TickCount64 < deadline)
        {
            var n = queue.Receive(500);
            for (var i = 0; i < n; i++)
            {
                if (queue.TryReadPacket(i, out var packet) && queue.Datagram(i).Length > packet.PayloadOffset)
                {
                    queue.Verdict(packet.PacketId, NfAccept, packet.Mark | 0x10);
                    handled++;
                }
            }

            queue.Flush();
        }

        return handled;
    }
}
