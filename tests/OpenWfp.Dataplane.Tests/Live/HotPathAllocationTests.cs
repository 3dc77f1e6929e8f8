using System.Diagnostics;
using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.NetEvents;
using OpenWfp.Testing.Policy;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// The live hot path — receive from NFQUEUE, parse, shim, classify, process identity, verdict, net events — allocates
/// nothing per packet once warm. Measured on the queue thread itself (its loop adds up
/// GC.GetAllocatedBytesForCurrentThread), with real packets from a namespace.
/// </summary>
public sealed class HotPathAllocationTests
{
    // Sends bursts of UDP from 64 sockets to three ports (one permitted, one blocked per packet at
    // OUTBOUND_TRANSPORT, one blocked per flow at ALE_AUTH_CONNECT). Each phase opens new sockets: new flows, new
    // identity lookups. Waits for a line on stdin between the warm-up and the measured phase.
    private const string Sender = """
        import socket, sys, time
        def burst(n, host):
            socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(64)]
            for i in range(n):
                socks[i % 64].sendto(b'x' * 64, (host, (5353, 9, 10)[i % 3]))
                if i % 200 == 0: time.sleep(0.005)
            time.sleep(0.2)
            for s in socks: s.close()
        burst(int(sys.argv[2]), sys.argv[1]); print('warm', flush=True)
        sys.stdin.readline()
        burst(int(sys.argv[3]), sys.argv[1]); print('done', flush=True)
        """;

    /// <summary>Less than one allocation of the smallest object per 200 packets of the measured phase.</summary>
    private const long OneOffBytes = 24 * 5000 / 200;

    [Fact]
    public void QueueThread_AllocatesNothingPerPacket_OnceWarm()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var engine = new FilterEngine();
        engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(9))));
        engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(10))));
        engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("ALE_APP_ID", FwpMatchType.Equal, AppId.ValueFromPath("/nonexistent/app"))));
        var events = new NetEventLog { Keywords = NetEventKeywords.ClassifyAllow };
        var dataplane = new LiveDataplane(engine, events, new DataplaneOptions { QueueNumber = 7200, ChainPrefix = "OWFPALLOC" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var sender = lab.Client.Start("python3", "-c", Sender, LiveLab.V4(2), "3000", "6000");
            Assert.Equal("warm", sender.StandardOutput.ReadLine());
            WaitQuiet(dataplane);
            var before = dataplane.LoopAllocatedBytes;
            var packetsBefore = dataplane.Stats().Packets;
            var eventsBefore = events.Written;

            sender.StandardInput.WriteLine("go");
            sender.StandardInput.Flush();
            Assert.Equal("done", sender.StandardOutput.ReadLine());
            WaitQuiet(dataplane);

            var stats = dataplane.Stats();
            var packets = stats.Packets - packetsBefore;
            Assert.True(packets >= 5000, $"only {packets} packets reached the queue in the measured phase");
            Assert.True(stats.Blocked > 0 && stats.Permitted > 0, $"blocked {stats.Blocked}, permitted {stats.Permitted}");
            Assert.True(events.Written - eventsBefore >= (ulong)packets / 2, $"{events.Written - eventsBefore} net events for {packets} packets");
            // Per packet, nothing: the smallest object is 24 bytes, so even one allocation per hundred packets would
            // exceed this bound by far. What the bound tolerates is a one-off on the queue thread that does not scale
            // with packets: once, in a CI run with every other test assembly running beside it, 32 bytes were seen
            // (not reproduced in isolation or under a CPU load; the cause is not known).
            var allocated = dataplane.LoopAllocatedBytes - before;
            Assert.True(allocated < OneOffBytes, $"the queue thread allocated {allocated} bytes over {packets} packets");
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    /// <summary>Waits until the queue threads have seen no packet for 300 ms (at most 20 s).</summary>
    private static void WaitQuiet(LiveDataplane dataplane)
    {
        var clock = Stopwatch.StartNew();
        var last = -1L;
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(300);
            var now = dataplane.Stats().Packets;
            if (now == last)
            {
                return;
            }

            last = now;
        }
    }
}
