using System.Text;
using OpenWfp.Callouts;
using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.NetEvents;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>The built-in callouts on live traffic: openwfp.http-request resets POSTs, openwfp.dns answers blocked names with NXDOMAIN.</summary>
public sealed class BuiltinCalloutLiveTests
{
    // Sends a request (pieces joined by '+' go out as separate segments, 0.2 s apart, with TCP_NODELAY) and reports
    // "echo" when the echo server sent it back, "reset S" when the connection was reset S seconds after the last piece.
    private const string HttpClientScript = """
        import socket, sys, time
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pieces = sys.argv[3].replace('\\n', '\r\n').split('+')
        for i, p in enumerate(pieces):
            if i: time.sleep(0.2)
            s.sendall(p.encode())
        t = time.monotonic(); want = len(''.join(pieces)); got = b''
        try:
            while len(got) < want:
                d = s.recv(65536)
                if not d: print('eof'); sys.exit(0)
                got += d
            print('echo')
        except ConnectionResetError:
            print('reset %.3f' % (time.monotonic() - t))
        except socket.timeout:
            print('timeout')
        """;

    // Answers every A query with 10.1.2.3.
    private const string DnsServerScript = """
        import socket, struct
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 53))
        print('ready', flush=True)
        while True:
            q, a = s.recvfrom(512)
            end = 12
            while q[end]: end += q[end] + 1
            question = q[12:end + 5]
            r = q[:2] + b'\x81\x80' + struct.pack('!HHHH', 1, 1, 0, 0) + question
            r += b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 60, 4) + bytes([10, 1, 2, 3])
            s.sendto(r, a)
        """;

    // Asks for an A record; prints "rcode N answers M" and the seconds it took.
    private const string DnsClientScript = """
        import socket, struct, sys, time
        name = sys.argv[2]
        q = struct.pack('!HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0)
        for label in name.split('.'): q += bytes([len(label)]) + label.encode()
        q += b'\0' + struct.pack('!HH', 1, 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
        t = time.monotonic()
        s.sendto(q, (sys.argv[1], 53))
        r, a = s.recvfrom(512)
        print('rcode %d answers %d %.3f' % (r[3] & 15, struct.unpack('!H', r[6:8])[0], time.monotonic() - t))
        """;

    [Fact]
    public void HttpRequest_GetPasses_PostIsReset_AlsoWhenTheRequestLineIsSplit()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var engine = new FilterEngine();
        var builtins = BuiltinCallouts.Register(engine);
        AddFilter(engine, OpenWfpCallouts.HttpRequest, "STREAM_V4", "POST");
        var events = new NetEventLog();
        var dataplane = new LiveDataplane(engine, events, new DataplaneOptions { QueueNumber = 7108, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            Assert.Equal("echo", Http(lab, "GET /index.html HTTP/1.1\\nHost: lab\\n\\n"));
            Assert.StartsWith("reset ", Http(lab, "POST /upload HTTP/1.1\\nHost: lab\\nContent-Length: 2\\n\\nhi"), StringComparison.Ordinal);
            var split = Http(lab, "PO+ST /upl+oad HTTP/1.1\\nHost: lab\\n\\n");
            var st = dataplane.Stats();
            Assert.True(split.StartsWith("reset ", StringComparison.Ordinal), $"{split}: held {st.Held} released {st.Released} reset {st.ConnectionsReset} injected {st.Injected} sent early {st.HeldSentEarly} blocked {st.Blocked} packets {st.Packets}; {string.Join(", ", builtins.Counters().Where(c => c.Value != 0).Select(c => $"{c.Key}={c.Value}"))}");
            Assert.Equal("echo", Http(lab, "GE+T / HTTP/1.1\\nHost: lab\\n\\n"));
            var stats = dataplane.Stats();
            Assert.True(stats.ConnectionsReset >= 2, $"resets {stats.ConnectionsReset}");
            Assert.Contains(builtins.Counters(), c => c.Key == "openwfp.http-request.Blocked" && c.Value == 2);

            // The drop's net event names the callout whose filter decided, and what it saw.
            var calloutId = engine.Current.CalloutsByKey[OpenWfpCallouts.HttpRequest.Key].CalloutId;
            var drops = events.Query(new NetEventQuery()).Where(e => e.Type == NetEventType.ClassifyDrop && e.CalloutId == calloutId).ToList();
            Assert.Contains(drops, e => e.CalloutDetail == "POST lab /upload" && e.LayerId == LayerIds.StreamV4);
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    [Fact]
    public void Dns_BlockedNameGetsNxDomainAtOnce_AllowedNameResolves()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var server = lab.Server.Start("python3", "-c", DnsServerScript);
        var ready = server.StandardOutput.ReadLineAsync();
        Assert.True(ready.Wait(TimeSpan.FromSeconds(10)) && ready.Result == "ready", "the DNS server started");
        var engine = new FilterEngine();
        BuiltinCallouts.Register(engine);
        AddFilter(engine, OpenWfpCallouts.Dns, "DATAGRAM_DATA_V4", "ads.example.com");
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7109, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var allowed = Dns(lab, "www.example.com");
            Assert.StartsWith("rcode 0 answers 1 ", allowed, StringComparison.Ordinal);
            var blocked = Dns(lab, "ads.example.com");
            Assert.StartsWith("rcode 3 answers 0 ", blocked, StringComparison.Ordinal);
            Assert.True(double.Parse(blocked.Split(' ')[4], System.Globalization.CultureInfo.InvariantCulture) < 1, blocked);
            Assert.Equal(1, dataplane.Stats().Injected);
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    private static string Http(LiveLab lab, string request)
    {
        var r = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(20), "python3", "-c", HttpClientScript, LiveLab.V4(2), "8080", request);
        Assert.True(r.ExitCode == 0, $"client: {r.StandardOutput} {r.StandardError}");
        return r.StandardOutput.Trim();
    }

    private static string Dns(LiveLab lab, string name)
    {
        var r = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(20), "python3", "-c", DnsClientScript, LiveLab.V4(2), name);
        Assert.True(r.ExitCode == 0, $"client: {r.StandardOutput} {r.StandardError}");
        return r.StandardOutput.Trim();
    }

    private static void AddFilter(FilterEngine engine, OpenWfpCallout callout, string layer, string config)
    {
        var context = engine.AddProviderContext(new ProviderContextSpec
        {
            DisplayData = new DisplayData($"{callout.Name} config"),
            Type = ProviderContextType.General,
            Data = Encoding.UTF8.GetBytes(config),
        });
        engine.AddFilter(new FilterSpec
        {
            DisplayData = new DisplayData($"{callout.Name} at {layer}"),
            LayerKey = LayerCatalog.Layer(layer).Key,
            Weight = FwpValue.FromUInt64(0),
            Flags = FilterFlags.HasProviderContext,
            ProviderContextKey = context.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, callout.Key),
        });
    }
}
