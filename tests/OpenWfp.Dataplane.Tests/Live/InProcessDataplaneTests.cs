using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Netns;
using OpenWfp.Testing.Policy;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// <see cref="LiveDataplane"/> hosted in the test process (started on a thread inside a namespace): routed traffic at
/// IPFORWARD, malformed packets from the kernel, several queues.
/// </summary>
public sealed class InProcessDataplaneTests
{
    [Fact]
    public void IpForward_BlocksRoutedTraffic_ByDestination()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");

        // client (10.93.1.1) — router (10.93.1.254 | 10.93.2.254, forwarding on, the data plane here) — server (10.93.2.1, .2)
        using var client = NetworkNamespace.Create("owfpc");
        using var router = NetworkNamespace.Create("owfpr");
        using var server = NetworkNamespace.Create("owfps");
        client.Exec("ip", "link", "add", "c0", "type", "veth", "peer", "name", "r0", "netns", router.Name).EnsureSuccess("veth c");
        server.Exec("ip", "link", "add", "s0", "type", "veth", "peer", "name", "r1", "netns", router.Name).EnsureSuccess("veth s");
        client.Exec("ip", "addr", "add", "10.93.1.1/24", "dev", "c0").EnsureSuccess("addr");
        router.Exec("ip", "addr", "add", "10.93.1.254/24", "dev", "r0").EnsureSuccess("addr");
        router.Exec("ip", "addr", "add", "10.93.2.254/24", "dev", "r1").EnsureSuccess("addr");
        server.Exec("ip", "addr", "add", "10.93.2.1/24", "dev", "s0").EnsureSuccess("addr");
        server.Exec("ip", "addr", "add", "10.93.2.2/24", "dev", "s0").EnsureSuccess("addr");
        foreach (var (ns, dev) in new[] { (client, "c0"), (router, "r0"), (router, "r1"), (server, "s0") })
        {
            ns.Exec("ip", "link", "set", dev, "up").EnsureSuccess("up");
        }

        client.Exec("ip", "route", "add", "default", "via", "10.93.1.254").EnsureSuccess("route");
        server.Exec("ip", "route", "add", "default", "via", "10.93.2.254").EnsureSuccess("route");
        router.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1").EnsureSuccess("forwarding");

        var engine = new FilterEngine();
        engine.AddFilter(FilterBuilder.At("IPFORWARD_V4", FilterAction.Block, ("IP_DESTINATION_ADDRESS", FwpMatchType.Equal, FwpValue.FromUInt32(0x0A5D0202)))); // 10.93.2.2
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7300, ChainPrefix = "OWFPFWD" });
        try
        {
            InProcess.Start(router, dataplane);
            Assert.Equal("forward", HookModeName(dataplane));
            Assert.Equal(0, client.Exec("ping", "-c", "1", "-W", "2", "10.93.2.1").ExitCode);
            Assert.NotEqual(0, client.Exec("ping", "-c", "1", "-W", "2", "10.93.2.2").ExitCode);
            var stats = dataplane.Stats();
            Assert.True(stats.Blocked >= 1 && stats.Permitted >= 2, $"blocked {stats.Blocked}, permitted {stats.Permitted}");
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    [Fact]
    public void MalformedPacketsFromTheKernel_GetTheDefaultDecisionAndACounter_AndTrafficGoesOn()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var engine = new FilterEngine();
        engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(1)))); // every outbound packet is examined
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7400, ChainPrefix = "OWFPBAD" });
        try
        {
            InProcess.Start(lab.Client, dataplane);

            // Raw IPv4 packets whose transport headers are cut short (TCP with 3 bytes, UDP with 5): the kernel sends
            // them as they are, through OUTPUT, to the queue.
            var raw = lab.Client.Exec("python3", "-c", """
                import socket, struct, sys
                def send(proto, payload):
                    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
                    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                                     socket.inet_aton(sys.argv[1]), socket.inet_aton(sys.argv[2]))
                    s.sendto(ip + payload, (sys.argv[2], 0))
                for _ in range(20):
                    send(6, b'abc'); send(17, b'abcde')
                """, LiveLab.V4(1), LiveLab.V4(2));
            Assert.Equal(0, raw.ExitCode);
            Thread.Sleep(500);
            var stats = dataplane.Stats();
            Assert.True(stats.UnparsedPackets >= 40, $"unparsed {stats.UnparsedPackets}");
            Assert.Equal(0, stats.UnreadableMessages);
            Assert.True(lab.Tcp(LiveLab.V4(2), 8080), "well-formed traffic still passes");
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    [Fact]
    public void SeveralQueues_EachBoundAndRead_AndConnectionsPass()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var engine = new FilterEngine();
        engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block, ("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(8081))));
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7500, QueueCount = 3, ChainPrefix = "OWFPMQ" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var queues = lab.Client.Exec("cat", "/proc/net/netfilter/nfnetlink_queue").StandardOutput;
            foreach (var q in new[] { "7500", "7501", "7502" })
            {
                Assert.Contains(q + " ", queues, StringComparison.Ordinal);
            }

            Assert.Contains(lab.OurRulesWithPrefix("OWFPMQ"), r => r.Contains("--queue-balance 7500:7502", StringComparison.Ordinal));
            foreach (var host in new[] { LiveLab.V4(2), LiveLab.V4(3) })
            {
                Assert.True(lab.Tcp(host, 8080), $"{host}:8080 passes");
                Assert.False(lab.Tcp(host, 8081), $"{host}:8081 is blocked");
            }
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    private static string HookModeName(LiveDataplane dataplane) =>
        dataplane.Plan is { V4.Forward: OpenWfp.Dataplane.Rules.HookMode.EveryPacket, V4.Output: OpenWfp.Dataplane.Rules.HookMode.None } ? "forward" : $"{dataplane.Plan}";
}
