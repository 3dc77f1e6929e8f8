using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// Callouts that see and change live traffic: a STREAM callout resets a connection, edits its data (same and different
/// length), holds data until it has enough; a DATAGRAM_DATA callout answers a query by injecting the reply.
/// </summary>
public sealed class StreamCalloutLiveTests
{
    // One connection at a time; says what happened to it on stdout, line by line.
    private const string ServerScript = """
        import socket, sys
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(('::', int(sys.argv[1]))); s.listen(16)
        print('ready', flush=True)
        while True:
            c, _ = s.accept()
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        print('eof', flush=True); break
                    print('got ' + d.decode(errors='replace').replace('\n', '|'), flush=True)
                    c.sendall(d)
            except ConnectionResetError:
                print('reset', flush=True)
            c.close()
        """;

    private const string ResetClientScript = """
        import socket, sys, time
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        s.sendall(b'GET / HTTP/1.1\n\n')
        want = b'GET / HTTP/1.1\n\n'; got = b''
        while len(got) < len(want): got += s.recv(100)
        print('echo ok' if got == want else 'echo bad')
        t = time.monotonic()
        s.sendall(b'POST /upload HTTP/1.1\n\n')
        try:
            d = s.recv(100)
            print('data' if d else 'eof')
        except ConnectionResetError:
            print('reset %.3f' % (time.monotonic() - t))
        except socket.timeout:
            print('timeout')
        """;

    private const string EchoClientScript = """
        import socket, sys, time
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for line in sys.argv[3:]:
            parts = line.split('+')
            for i, p in enumerate(parts):
                if i: time.sleep(0.3)
                s.sendall(p.encode())
            want = len(''.join(parts).replace('cat', 'tiger').replace('dog', 'cow'))
            got = b''
            while len(got) < want:
                d = s.recv(65536)
                if not d: break
                got += d
            print(got.decode().replace('\n', '|'), flush=True)
        s.close()
        """;

    private static readonly LayerInfo StreamV4 = LayerCatalog.Layer("STREAM_V4");

    [Fact]
    public void DropConnection_ResetsBothEndsAtOnce()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var server = StartServer(lab, 9090);
        var engine = EngineWith(new PostResetter());
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7104, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var r = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(20), "python3", "-c", ResetClientScript, LiveLab.V4(2), "9090");
            var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 2, $"client: {r.StandardOutput} {r.StandardError}");
            Assert.Equal("echo ok", lines[0]);
            Assert.StartsWith("reset ", lines[1], StringComparison.Ordinal);
            Assert.True(double.Parse(lines[1][6..], System.Globalization.CultureInfo.InvariantCulture) < 0.5, lines[1]);
            Assert.Equal("reset", NextLineAfterGot(server));
            var stats = dataplane.Stats();
            Assert.Equal(1, stats.ConnectionsReset);
            Assert.True(stats.Injected >= 2, $"injected {stats.Injected}");
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    [Fact]
    public void StreamEdit_SameAndDifferentLength_ArrivesEdited_AndTheConnectionKeepsWorking()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var server = StartServer(lab, 9091);
        var engine = EngineWith(new Editor());
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7105, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var big = new string('x', 3000);
            var r = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(30), "python3", "-c", EchoClientScript, LiveLab.V4(2), "9091",
                "hello\n", "my dog\n", "a cat here\n", "after the edit\n", big + "\n", "one more cat\n", "last\n");
            Assert.True(r.ExitCode == 0, $"client: {r.StandardOutput} {r.StandardError}");
            Assert.Equal(
                ["hello|", "my cow|", "a tiger here|", "after the edit|", big + "|", "one more tiger|", "last|"],
                r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            var stats = dataplane.Stats();
            Assert.True(stats.Modified >= 3, $"modified {stats.Modified}");
            Assert.Equal(0, stats.ConnectionsReset);
        }
        finally
        {
            dataplane.Dispose();
        }

        // What the server received: the edited bytes.
        var received = new StringBuilder();
        while (server.StandardOutput.ReadLineAsync() is var line && line.Wait(TimeSpan.FromSeconds(2)) && line.Result is { } text && text != "eof")
        {
            received.Append(text);
        }

        Assert.Contains("got my cow|", received.ToString(), StringComparison.Ordinal);
        Assert.Contains("got a tiger here|", received.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("cat", received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NeedMoreData_HoldsTheSegment_UntilTheCalloutHasEnough()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var server = StartServer(lab, 9092);
        var callout = new WantsTwenty();
        var engine = EngineWith(callout);
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7106, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);

            // Ten bytes, a pause, ten more: the first ten wait in the kernel until the callout has seen twenty.
            var r = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(20), "python3", "-c", EchoClientScript, LiveLab.V4(2), "9092", "0123456789+abcdefghij", "after\n");
            var s0 = dataplane.Stats();
            var log = new StringBuilder();
            while (r.ExitCode != 0 && server.StandardOutput.ReadLineAsync() is var l && l.Wait(TimeSpan.FromSeconds(1)) && l.Result is { } t)
            {
                log.Append(t).Append(" / ");
            }

            Assert.True(r.ExitCode == 0, $"client: {r.StandardOutput} {r.StandardError}; held {s0.Held}, released {s0.Released}, packets {s0.Packets}, permitted {s0.Permitted}, blocked {s0.Blocked}, calls {callout.Calls}; server: {log}");
            Assert.Equal(["0123456789abcdefghij", "after|"], r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            // The held segment reaches the server when it is released (its copy goes out then), in order.
            var got = new StringBuilder();
            while (got.Length < 20 && server.StandardOutput.ReadLineAsync() is var line && line.Wait(TimeSpan.FromSeconds(5)) && line.Result is { } text && text.StartsWith("got ", StringComparison.Ordinal))
            {
                got.Append(text[4..]);
            }

            Assert.Equal("0123456789abcdefghij", got.ToString());
            Assert.True(callout.SawTwenty, "the callout was called again with all the data");
            var stats = dataplane.Stats();
            Assert.True(stats.Held >= 1 && stats.Released >= 1, $"held {stats.Held}, released {stats.Released}");
            Assert.Equal(0, stats.HeldOverflows);
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    [Fact]
    public void DatagramCallout_InjectsTheReply_TheClientReceivesIt()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var engine = new FilterEngine();
        var layer = LayerCatalog.Layer("DATAGRAM_DATA_V4");
        var key = engine.AddCallout(new CalloutSpec { DisplayData = new("answers"), ApplicableLayer = layer.Key }).Key;
        engine.Callouts.Register(key, new Answerer());
        engine.AddFilter(new FilterSpec { DisplayData = new("answer port 5999"), LayerKey = layer.Key, Action = FilterAction.Callout(ActionType.CalloutTerminating, key) });
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7107, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var watch = Stopwatch.StartNew();
            var r = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(10), "python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
                s.sendto(b'question', (sys.argv[1], 5999))
                d, a = s.recvfrom(100)
                print(d.decode(), a[0], a[1])
                """, LiveLab.V4(2));
            Assert.True(r.ExitCode == 0, $"client: {r.StandardOutput} {r.StandardError}");
            Assert.Equal($"answer to question {LiveLab.V4(2)} 5999", r.StandardOutput.Trim());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3));
            Assert.True(lab.Udp(LiveLab.V4(2), 5353), "other datagrams pass");
            Assert.Equal(1, dataplane.Stats().Injected);
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    private static System.Diagnostics.Process StartServer(LiveLab lab, int port)
    {
        var server = lab.Server.Start("python3", "-c", ServerScript, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var ready = server.StandardOutput.ReadLineAsync();
        Assert.True(ready.Wait(TimeSpan.FromSeconds(10)) && ready.Result == "ready", "the test server started");
        return server;
    }

    private static string? NextLineAfterGot(System.Diagnostics.Process server)
    {
        while (true)
        {
            var line = server.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(5)))
            {
                return null;
            }

            if (line.Result is null || !line.Result.StartsWith("got ", StringComparison.Ordinal))
            {
                return line.Result;
            }
        }
    }

    private static FilterEngine EngineWith(ICallout callout)
    {
        var engine = new FilterEngine();
        var key = engine.AddCallout(new CalloutSpec { DisplayData = new("stream test"), ApplicableLayer = StreamV4.Key }).Key;
        engine.Callouts.Register(key, callout);
        engine.AddFilter(new FilterSpec { DisplayData = new("inspect"), LayerKey = StreamV4.Key, Action = FilterAction.Callout(ActionType.CalloutTerminating, key) });
        return engine;
    }

    private static string Text(in StreamData data)
    {
        var bytes = new byte[data.Length];
        data.CopyTo(bytes);
        return Encoding.ASCII.GetString(bytes);
    }

    private sealed class PostResetter : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            classifyOut.ActionType = ActionType.Permit;
            if (context.LayerData.HasStreamResult && Text(context.LayerData.Stream).Contains("POST ", StringComparison.Ordinal))
            {
                context.LayerData.StreamResult.Action = StreamAction.DropConnection;
                classifyOut.ActionType = ActionType.Block;
            }
        }
    }

    /// <summary>Outbound data: "cat" becomes "tiger" (longer), "dog" becomes "cow" (same length).</summary>
    private sealed class Editor : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            classifyOut.ActionType = ActionType.Permit;
            var data = context.LayerData;
            if (!data.HasStreamResult || data.Stream.IsReceive || data.Stream.Length == 0)
            {
                return;
            }

            var text = Text(data.Stream);
            if (!text.Contains("cat", StringComparison.Ordinal) && !text.Contains("dog", StringComparison.Ordinal))
            {
                return;
            }

            var edited = Encoding.ASCII.GetBytes(text.Replace("cat", "tiger", StringComparison.Ordinal).Replace("dog", "cow", StringComparison.Ordinal));
            if (data.Injector?.InjectStream(context.Metadata.FlowHandle, StreamDataFlags.Send, edited) == InjectStatus.Ok)
            {
                classifyOut.ActionType = ActionType.Block;
                classifyOut.Flags |= ClassifyOut.FlagAbsorb;
            }
        }
    }

    private sealed class WantsTwenty : ICallout
    {
        private readonly List<string> _calls = [];
        private volatile bool _sawTwenty;

        public bool SawTwenty => _sawTwenty;

        public string Calls
        {
            get
            {
                lock (_calls)
                {
                    return string.Join(", ", _calls);
                }
            }
        }

        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            classifyOut.ActionType = ActionType.Permit;
            var data = context.LayerData;
            if (data.HasStreamResult)
            {
                lock (_calls)
                {
                    _calls.Add($"{data.Stream.Flags}@{data.Stream.StreamOffset}+{data.Stream.Length}");
                }
            }

            if (!data.HasStreamResult || data.Stream.IsReceive || data.Stream.Length == 0 || data.Stream.StreamOffset >= 20)
            {
                return;
            }

            if (data.Stream.Length < 20)
            {
                data.StreamResult.Action = StreamAction.NeedMoreData;
                data.StreamResult.CountBytesRequired = 20;
                return;
            }

            _sawTwenty |= Text(data.Stream).StartsWith("0123456789abcdefghij", StringComparison.Ordinal);
        }
    }

    /// <summary>Answers a datagram to port 5999 by injecting the reply, and drops the question.</summary>
    private sealed class Answerer : ICallout
    {
        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            classifyOut.ActionType = ActionType.Permit;
            var data = context.LayerData;
            var packet = data.Packet;
            if (packet.Length < 28 || packet[0] >> 4 != 4 || data.IpHeaderSize == 0)
            {
                return;
            }

            var udp = packet[data.IpHeaderSize..];
            if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != 5999)
            {
                return;
            }

            var question = Encoding.ASCII.GetString(udp[8..]);
            var reply = PacketBuilder.Ipv4(
                BinaryPrimitives.ReadUInt32BigEndian(packet[16..]),
                BinaryPrimitives.ReadUInt32BigEndian(packet[12..]),
                IpProtocol.Udp,
                PacketBuilder.Udp(5999, BinaryPrimitives.ReadUInt16BigEndian(udp), Encoding.ASCII.GetBytes("answer to " + question)));
            if (data.Injector?.InjectReceive(reply, data.InterfaceIndex) == InjectStatus.Ok)
            {
                classifyOut.ActionType = ActionType.Block;
                classifyOut.Flags |= ClassifyOut.FlagAbsorb;
            }
        }
    }
}
