using System.Globalization;
using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Testing.Policy;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// Tiny-fragment evasion against the live data plane: a TCP SYN cut into 8-byte IPv4 fragments (its header split
/// across three) from the peer namespace. The kernel's nf_defrag, which conntrack loads for the rules, reassembles it
/// before the queue, so the shim classifies the whole header (docs/DATAPLANE.md, Fragments).
/// </summary>
public sealed class FragmentTests
{
    // Sends a SYN to argv[2]:argv[3] from argv[1] as 8-byte fragments (in the order argv[4] gives), then waits for a
    // SYN-ACK. Exit 0: answered; 2: not answered.
    private const string TinySynScript = """
        import socket, struct, sys, time
        src, dst, dport, order = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
        sport = 40000 + dport % 1000
        def csum(b):
            if len(b) % 2: b += b'\0'
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            while s >> 16: s = (s & 0xFFFF) + (s >> 16)
            return ~s & 0xFFFF
        tcp = struct.pack('!HHIIBBHHH', sport, dport, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
        rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP); rx.settimeout(0.2)
        tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        pieces = [(0, tcp[0:8], True), (8, tcp[8:16], True), (16, tcp[16:20], False)]
        for i in order.split(','):
            off, data, more = pieces[int(i)]
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(data), 4000 + dport % 1000, (0x2000 if more else 0) | off // 8,
                             64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
            tx.sendto(ip + data, (dst, 0))
        deadline = time.time() + 3
        while time.time() < deadline:
            try: p = rx.recv(200)
            except socket.timeout: continue
            ihl = (p[0] & 15) * 4
            s, d = struct.unpack('!HH', p[ihl:ihl + 4])
            if s == dport and d == sport and p[ihl + 13] & 0x12 == 0x12: sys.exit(0)
        sys.exit(2)
        """;

    private const string ListenScript = """
        import socket, sys, threading
        for p in sys.argv[1].split(','):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('', int(p))); s.listen(16)
            threading.Thread(target=lambda s=s: [s.accept() for _ in iter(int, 1)], daemon=True).start()
        print('ready', flush=True)
        threading.Event().wait()
        """;

    [Theory]
    [InlineData("0,1,2")]
    [InlineData("2,0,1")] // out of order
    public void TinyFragmentedSyn_IsClassifiedOnItsWholeHeader(string order)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var listener = lab.Client.Start("python3", "-c", ListenScript, "9022,9023");
        try
        {
            var ready = listener.StandardOutput.ReadLineAsync();
            Assert.True(ready.Wait(TimeSpan.FromSeconds(10)) && ready.Result == "ready", "the listener did not start");

            var engine = new FilterEngine();
            engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V4", FilterAction.Block, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(9022))));
            // A per-packet inbound filter makes every inbound packet, fragments included, reach the queue.
            engine.AddFilter(FilterBuilder.At("INBOUND_TRANSPORT_V4", FilterAction.Permit, ("IP_LOCAL_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(1))));
            var dataplane = new LiveDataplane(engine, events: null, new DataplaneOptions { QueueNumber = 7500, ChainPrefix = "OWFPFRAG" });
            try
            {
                InProcess.Start(lab.Client, dataplane);
                string Syn(int port) => lab.Server.ExecWithTimeout(TimeSpan.FromSeconds(15), "python3", "-c", TinySynScript, LiveLab.V4(2), LiveLab.V4(1), port.ToString(CultureInfo.InvariantCulture), order).ExitCode.ToString(CultureInfo.InvariantCulture);

                Assert.Equal("0", Syn(9023)); // the permitted port answers: the fragments do reach the host
                Assert.Equal("2", Syn(9022)); // the blocked port does not, though no fragment alone shows the whole header
                var stats = dataplane.Stats();
                Assert.True(stats.Blocked >= 1, $"blocked {stats.Blocked}");
                Assert.Equal(0, stats.FragmentsHeld);
                Assert.Equal(0, stats.DatagramsReassembled);
            }
            finally
            {
                dataplane.Dispose();
            }
        }
        finally
        {
            listener.Kill();
        }
    }
}
