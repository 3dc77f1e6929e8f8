namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// wfpd enforcing policy on real traffic: it runs in the client namespace of a <see cref="LiveLab"/>, the policy goes
/// in through the wfp CLI, and connections to the server namespace succeed or fail. Each test runs for IPv4 and IPv6.
/// </summary>
public sealed class LivePolicyTests
{
    public static TheoryData<int> Families => [4, 6];

    private static string Remote(int family, int host) => family == 4 ? LiveLab.V4(host) : LiveLab.V6(host);

    private static string Layer(string name, int family) => $"{name}_V{family}";

    [Theory]
    [MemberData(nameof(Families))]
    public async Task BlockByRemotePort(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", Layer("ALE_AUTH_CONNECT", family), "-a", "block", "-c", "IP_PROTOCOL == tcp", "-c", "IP_REMOTE_PORT == 8081")
            .EnsureSuccess("wfp add filter");

        Assert.True(lab.Tcp(Remote(family, 2), 8080), "port 8080 is not blocked\n" + wfpd.Output);

        // Blocked: connect() fails at once (the data plane aborts the local socket), as on Windows, instead of
        // retrying its SYN until the client's 20 s timeout.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var blocked = lab.TcpAttempt(Remote(family, 2), 8081, timeoutSeconds: 20);
        Assert.Equal(2, blocked.ExitCode);
        Assert.Contains("ConnectionAbortedError", blocked.StandardOutput, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the blocked connect took {clock.Elapsed}");

        // The drop was logged with the application that tried (logged before its socket was aborted).
        var events = lab.Wfp("show", "netevents", "--json").EnsureSuccess("show netevents").StandardOutput;
        Assert.Contains("\"remotePort\": 8081", events, StringComparison.Ordinal);
        Assert.Contains("python", events, StringComparison.Ordinal);
        Assert.True(lab.Udp(Remote(family, 2), 5353), "UDP is not blocked");
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task BlockByAddressMask(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        var mask = family == 4 ? $"{LiveLab.V4(3)}/32" : $"{LiveLab.V6(3)}/128";
        lab.Wfp("add", "filter", "-l", Layer("ALE_AUTH_CONNECT", family), "-a", "block", "-c", $"IP_REMOTE_ADDRESS in {mask}").EnsureSuccess("wfp add filter");

        Assert.True(lab.Tcp(Remote(family, 2), 8080), ".2 should pass\n" + wfpd.Output);
        Assert.False(lab.Tcp(Remote(family, 3), 8080), ".3 should be blocked");
        Assert.False(lab.Udp(Remote(family, 3), 5353), ".3 should be blocked for UDP too");
        Assert.True(lab.Ping(Remote(family, 2)), "ping to .2 should pass (and IPv6 neighbour discovery must work)");
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task HardPermitInAHigherSublayer_BeatsABlockBelow_ASoftOneDoesNot(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        var layer = Layer("ALE_AUTH_CONNECT", family);
        var policy = lab.WriteFile("sublayers.json", $$"""
            {
              "version": 1,
              "sublayers": [
                { "name": "Admin", "weight": "0x9000" },
                { "name": "Team", "weight": "0x1000" }
              ],
              "filters": [
                { "name": "hard permit 8080", "layer": "{{layer}}", "sublayer": "Admin", "flags": ["CLEAR_ACTION_RIGHT"], "action": "permit",
                  "conditions": [ { "field": "IP_REMOTE_PORT", "value": 8080 } ] },
                { "name": "soft permit 8081", "layer": "{{layer}}", "sublayer": "Admin", "action": "permit",
                  "conditions": [ { "field": "IP_REMOTE_PORT", "value": 8081 } ] },
                { "name": "block all tcp", "layer": "{{layer}}", "sublayer": "Team", "action": "block",
                  "conditions": [ { "field": "IP_PROTOCOL", "value": "tcp" } ] }
              ]
            }
            """);
        lab.Wfp("apply", policy).EnsureSuccess("wfp apply");

        Assert.True(lab.Tcp(Remote(family, 2), 8080), "the hard permit should win\n" + wfpd.Output);
        Assert.False(lab.Tcp(Remote(family, 2), 8081), "a soft permit is overridden by the lower sublayer's block");
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task FlowEstablishedLayer_ClassifiesTheCompletedHandshake(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", Layer("ALE_FLOW_ESTABLISHED", family), "-a", "block", "-c", "IP_PROTOCOL == tcp", "-c", "IP_REMOTE_PORT == 8081")
            .EnsureSuccess("wfp add filter");

        // The SYN passes ALE_AUTH_CONNECT (no filter there); the SYN-ACK completes the handshake and meets
        // FLOW_ESTABLISHED, which blocks the flow: nothing more gets through.
        Assert.True(lab.Tcp(Remote(family, 2), 8080), "8080 is established and permitted\n" + wfpd.Output);
        Assert.False(lab.Tcp(Remote(family, 2), 8081), "8081 is blocked at FLOW_ESTABLISHED");
        var events = lab.Wfp("show", "netevents", "--json").EnsureSuccess("show netevents").StandardOutput;
        Assert.Contains(Layer("ALE_FLOW_ESTABLISHED", family), events, StringComparison.Ordinal);
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task StreamLayer_SeesEverySegmentWithData(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", Layer("STREAM", family), "-a", "block", "-c", "IP_REMOTE_PORT == 8081").EnsureSuccess("wfp add filter");

        // The handshake carries no data and passes; the first segment with data is dropped at STREAM.
        Assert.True(lab.Tcp(Remote(family, 2), 8080), "8080's data passes\n" + wfpd.Output);
        Assert.False(lab.Tcp(Remote(family, 2), 8081), "8081's data is blocked at STREAM");
        var events = lab.Wfp("show", "netevents", "--json").EnsureSuccess("show netevents").StandardOutput;
        Assert.Contains(Layer("STREAM", family), events, StringComparison.Ordinal);
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task APolicyChange_CutsAnEstablishedConnection(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        var layer = Layer("ALE_AUTH_CONNECT", family);
        lab.Wfp("add", "filter", "-l", layer, "-a", "block", "-c", "IP_REMOTE_PORT == 1").EnsureSuccess("wfp add filter");

        // A client that keeps one connection open and, per line on stdin, sends a line and reports whether it came back.
        var client = lab.Client.Start("python3", "-c", KeepAliveClient, Remote(family, 2));
        Assert.Equal("connected", client.StandardOutput.ReadLine());
        Assert.Equal("ok", Ask(client));
        Assert.Equal("ok", Ask(client));

        lab.Wfp("add", "filter", "-l", layer, "-a", "block", "-c", "IP_REMOTE_PORT == 8080").EnsureSuccess("wfp add filter");
        Assert.StartsWith("fail", Ask(client), StringComparison.Ordinal);
        Assert.Equal(0, await wfpd.StopAsync());
    }

    /// <summary>Keeps one TCP connection to port 8080 open; per line on stdin, sends a line and prints ok or fail.</summary>
    internal const string KeepAliveClient = """
        import socket, sys
        host = sys.argv[1]
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3)
        s.connect((host, 8080)); print('connected', flush=True)
        for line in sys.stdin:
            try:
                s.sendall(b'x\n'); print('ok' if s.recv(10) == b'x\n' else 'bad', flush=True)
            except OSError as e:
                print('fail', type(e).__name__, flush=True)
        """;

    internal static string Ask(System.Diagnostics.Process client)
    {
        client.StandardInput.WriteLine("go");
        client.StandardInput.Flush();
        return client.StandardOutput.ReadLine() ?? "eof";
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Loopback_BlockedConnectFailsAtOnce_AndEachDropNamesItsApplication(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", Layer("ALE_AUTH_CONNECT", family), "-a", "block", "-c", "IP_REMOTE_PORT == 9").EnsureSuccess("wfp add filter");
        var loopback = family == 4 ? "127.0.0.1" : "::1";

        // Nothing listens on port 9: unblocked, connect() would be refused; blocked, the socket is aborted at once.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var blocked = lab.TcpAttempt(loopback, 9, timeoutSeconds: 20);
        Assert.Equal(2, blocked.ExitCode);
        Assert.Contains("ConnectionAbortedError", blocked.StandardOutput, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the blocked loopback connect took {clock.Elapsed}\n{wfpd.Output}");

        Assert.False(lab.Udp(loopback, 9, timeoutSeconds: 1), "the UDP datagram to port 9 was not blocked");

        // Both drops are loopback drops at ALE_AUTH_CONNECT, each with the process that sent it.
        var events = System.Text.Json.JsonDocument.Parse(lab.Wfp("show", "netevents", "--json").EnsureSuccess("show netevents").StandardOutput);
        var drops = events.RootElement.GetProperty("netEvents").EnumerateArray()
            .Where(e => e.GetProperty("remotePort").GetInt32() == 9)
            .ToList();
        Assert.Equal(["tcp", "udp"], drops.Select(e => e.GetProperty("protocol").GetString()).Order());
        Assert.All(drops, e => Assert.True(e.GetProperty("loopback").GetBoolean()));
        Assert.All(drops, e => Assert.Contains("python", e.GetProperty("app").GetString(), StringComparison.Ordinal));
        Assert.Equal(0, await wfpd.StopAsync());
    }
}
