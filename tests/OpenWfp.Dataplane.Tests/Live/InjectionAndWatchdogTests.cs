using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OpenWfp.Dataplane.Live;
using OpenWfp.Dataplane.Rules;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// Injection through the namespace's raw sockets (a datagram addressed to this host is delivered locally and is not
/// queued again), and the watchdog that keeps a queue flowing when a callout hangs.
/// </summary>
public sealed class InjectionAndWatchdogTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void InjectedDatagram_ToThisHost_IsDelivered_AndNotQueuedAgain(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var engine = new FilterEngine();

        // Permit filters at both transport layers put both hooks in every-packet mode: only the mark keeps the
        // injected datagram out of the queue.
        foreach (var layer in (string[])[$"OUTBOUND_TRANSPORT_V{family}", $"INBOUND_TRANSPORT_V{family}"])
        {
            engine.AddFilter(new FilterSpec { DisplayData = new("permit"), LayerKey = LayerCatalog.Layer(layer).Key, Action = FilterAction.Permit });
        }

        const int Queue = 7101;
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = Queue, ChainPrefix = "OWFPTEST" });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            var server = family == 4 ? LiveLab.V4(2) : LiveLab.V6(2);
            var local = family == 4 ? LiveLab.V4(1) : LiveLab.V6(1);
            Assert.True(lab.Udp(server, 5353), "ordinary traffic passes");
            var queuedBefore = lab.QueuedSoFar(Queue);
            Assert.True(queuedBefore >= 2, $"the hooks queue every packet ({queuedBefore} queued)");

            var (text, from, sent) = lab.Client.Run(() =>
            {
                using var client = new Socket(family == 4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
                client.Bind(new IPEndPoint(IPAddress.Parse(local), 4000));
                client.ReceiveTimeout = 3000;
                using var raw = RawInjector.Open(MarkBits.Default);
                var udp = PacketBuilder.Udp(53, 4000, "injected reply"u8.ToArray());
                var datagram = family == 4
                    ? PacketBuilder.Ipv4(V4(server), V4(local), IpProtocol.Udp, udp)
                    : PacketBuilder.Ipv6(V6(server), V6(local), IpProtocol.Udp, udp);
                Assert.Equal(0, raw.Send(datagram, 0));
                var buffer = new byte[100];
                EndPoint remote = new IPEndPoint(family == 4 ? IPAddress.Any : IPAddress.IPv6Any, 0);
                var n = client.ReceiveFrom(buffer, ref remote);
                return (System.Text.Encoding.ASCII.GetString(buffer, 0, n), (IPEndPoint)remote, raw.Injected);
            });

            Assert.Equal("injected reply", text);
            Assert.Equal(IPAddress.Parse(server), from.Address);
            Assert.Equal(53, from.Port);
            Assert.Equal(1, sent);
            Assert.Equal(queuedBefore, lab.QueuedSoFar(Queue));
        }
        finally
        {
            dataplane.Dispose();
        }
    }

    [Fact]
    public void RawInjector_RefusesBytesThatAreNotADatagram()
    {
        Assert.False(RawInjector.TryLength([], out _));
        Assert.False(RawInjector.TryLength(new byte[19], out _));
        var v4 = PacketBuilder.Ipv4(1, 2, IpProtocol.Udp, PacketBuilder.Udp(1, 2, new byte[4]));
        Assert.True(RawInjector.TryLength(v4, out var length));
        Assert.Equal(32, length);
        Assert.False(RawInjector.TryLength(v4.AsSpan(0, 31), out _)); // shorter than its own length field
        var padded = v4.Concat(new byte[8]).ToArray();
        Assert.True(RawInjector.TryLength(padded, out length));
        Assert.Equal(32, length); // trailing bytes are not sent
        var v6 = PacketBuilder.Ipv6(1, 2, IpProtocol.Udp, PacketBuilder.Udp(1, 2));
        Assert.True(RawInjector.TryLength(v6, out length));
        Assert.Equal(48, length);
    }

    [Fact]
    public async Task HungCallout_GetsTheDefaultDecision_AndTheQueueKeepsFlowing()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create(tcpPorts: "8080,8081,8082");
        var engine = new FilterEngine();
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        using var callout = new HangsOnceOnPort(layer.Field("IP_REMOTE_PORT").Index, 8080);
        var key = engine.AddCallout(new CalloutSpec { DisplayData = new("hangs once"), ApplicableLayer = layer.Key }).Key;
        engine.Callouts.Register(key, callout);
        engine.AddFilter(new FilterSpec
        {
            DisplayData = new("ask the callout about TCP"),
            LayerKey = layer.Key,
            Action = FilterAction.Callout(ActionType.CalloutTerminating, key),
            Conditions = [new FilterCondition(layer.Field("IP_PROTOCOL").ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt8(6)))],
        });

        var logged = new List<string>();
        var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions
        {
            QueueNumber = 7102,
            ChainPrefix = "OWFPTEST",
            ClassifyDeadline = TimeSpan.FromMilliseconds(300),
            Log = (_, line) => { lock (logged) { logged.Add(line); } },
        });
        try
        {
            InProcess.Start(lab.Client, dataplane);
            Assert.True(lab.Tcp(LiveLab.V4(2), 8081), "before the hang");

            // The SYN to 8080 hangs in the callout; while it does, another connection must still be decided.
            var hung = Task.Run(() => lab.Tcp(LiveLab.V4(2), 8080, timeoutSeconds: 6));
            Assert.True(callout.Hanging.Wait(TimeSpan.FromSeconds(10)), "the callout was reached");
            Assert.True(lab.Tcp(LiveLab.V4(2), 8082, timeoutSeconds: 4), "another connection while the callout hangs");

            // Fail-closed: the hung SYN was dropped; its retransmission meets the new thread, whose callout answers.
            Assert.True(await hung, "8080 connects once its SYN is retransmitted");
            var stats = dataplane.Stats();
            Assert.Equal(1, stats.WorkersReplaced);
            lock (logged)
            {
                Assert.Contains(logged, l => l.Contains("longer than 300 ms", StringComparison.Ordinal));
            }

            // The hung thread returns: it must leave the queue alone, which keeps working.
            callout.Release();
            Thread.Sleep(300);
            Assert.True(lab.Tcp(LiveLab.V4(2), 8081), "after the hung thread returned");
            Assert.Equal(1, dataplane.Stats().WorkersReplaced);
            Assert.Equal(0, dataplane.Stats().Faults);
        }
        finally
        {
            dataplane.Dispose();
        }

        Assert.Empty(lab.OurRulesWithPrefix("OWFPTEST"));
    }

    private static uint V4(string address) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes());

    private static UInt128 V6(string address) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(address).GetAddressBytes());

    private sealed class HangsOnceOnPort(int remotePortIndex, ushort port) : ICallout, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private int _hung;

        public ManualResetEventSlim Hanging { get; } = new();

        public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
        {
            if (context.Value(remotePortIndex).RawUInt64 == port && Interlocked.Exchange(ref _hung, 1) == 0)
            {
                Hanging.Set();
                _release.Wait(TimeSpan.FromSeconds(30));
            }

            classifyOut.ActionType = ActionType.Permit;
        }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            _release.Dispose();
            Hanging.Dispose();
        }
    }
}
