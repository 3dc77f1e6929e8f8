using System.Globalization;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>
/// What reaches user space: in ALE mode only a connection's first packets (a bulk transfer, a one-way UDP stream);
/// applications told apart by their executable; ICMP; net events for live drops.
/// </summary>
public sealed class LiveTrafficTests
{
    private const int Queue = 7000;

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public async Task AleMode_BulkTcpTransfer_SendsOnlyItsFirstPacketsToUserSpace(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", $"ALE_AUTH_CONNECT_V{family}", "-a", "block", "-c", "IP_REMOTE_PORT == 1").EnsureSuccess("add");
        var before = lab.QueuedSoFar(Queue);

        // 8 MB to the echo server and back on one connection: thousands of segments each way.
        var remote = family == 4 ? LiveLab.V4(2) : LiveLab.V6(2);
        var transfer = lab.Client.ExecWithTimeout(TimeSpan.FromSeconds(60), "python3", "-c", """
            import socket, sys, threading
            host = sys.argv[1]
            fam = socket.AF_INET6 if ':' in host else socket.AF_INET
            s = socket.create_connection((host, 8080), timeout=20)
            total = 8 << 20; got = 0
            def send():
                chunk = b'x' * 65536
                for _ in range(total // 65536): s.sendall(chunk)
            t = threading.Thread(target=send); t.start()
            while got < total:
                d = s.recv(1 << 20)
                if not d: break
                got += len(d)
            t.join(); print(got)
            """, remote);
        Assert.Equal(0, transfer.ExitCode);
        Assert.Equal((8 << 20).ToString(CultureInfo.InvariantCulture), transfer.StandardOutput.Trim());

        var queued = lab.QueuedSoFar(Queue) - before;
        // The SYN (and, at most, a few packets sent before its verdict); never the thousands of data segments.
        Assert.InRange(queued, 1, 8);
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Fact]
    public async Task AleMode_OneWayUdpStream_SendsFewPacketsToUserSpace()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-c", "IP_REMOTE_PORT == 1").EnsureSuccess("add");
        var before = lab.QueuedSoFar(Queue);

        // 5,000 datagrams to a port nobody answers from (one-way: conntrack keeps it NEW throughout).
        var send = lab.Client.Exec("python3", "-c", """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for i in range(5000):
                s.sendto(b'y' * 100, (sys.argv[1], 9999))
                if i % 500 == 0: time.sleep(0.01)
            """, LiveLab.V4(2));
        Assert.Equal(0, send.ExitCode);
        var queued = lab.QueuedSoFar(Queue) - before;
        Assert.InRange(queued, 1, 600); // the first datagram and those sent before its verdict, not 5,000
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Fact]
    public async Task ApplicationPath_TwoBinaries_OneBlocked()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var python = ResolvePython();
        var copy = Path.Combine(lab.Directory, "blocked-python");
        File.Copy(python, copy);
        Testing.Netns.NetworkNamespace.RunTool("chmod", ["755", copy]).EnsureSuccess("chmod");
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-c", $"ALE_APP_ID == \"{copy}\"").EnsureSuccess("add");
        lab.Wfp("add", "filter", "-l", "ALE_AUTH_CONNECT_V6", "-a", "block", "-c", $"ALE_APP_ID == \"{copy}\"").EnsureSuccess("add");

        Assert.True(lab.Tcp(LiveLab.V4(2), 8080, python: python), "the ordinary python3 passes\n" + wfpd.Output);
        Assert.False(lab.Tcp(LiveLab.V4(2), 8080, python: copy), "the copy is blocked by its path");
        Assert.True(lab.Tcp(LiveLab.V6(2), 8080, python: python), "IPv6: the ordinary python3 passes");
        Assert.False(lab.Tcp(LiveLab.V6(2), 8080, python: copy), "IPv6: the copy is blocked");

        // The drop was logged as a net event naming the application.
        var events = lab.Wfp("show", "netevents", "--json").EnsureSuccess("show netevents").StandardOutput;
        Assert.True(events.Contains(copy, StringComparison.Ordinal), "no drop event names the application:\n" + events);
        Assert.Equal(0, await wfpd.StopAsync());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Icmp_BlockedByProtocol_WhileNeighbourDiscoveryKeepsWorking(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        var protocol = family == 4 ? "icmp" : "ipv6-icmp";
        lab.Wfp("add", "filter", "-l", $"ALE_AUTH_CONNECT_V{family}", "-a", "block", "-c", $"IP_PROTOCOL == {(family == 4 ? 1 : 58)}", "-n", "no " + protocol).EnsureSuccess("add");
        var remote = family == 4 ? LiveLab.V4(2) : LiveLab.V6(2);

        // Forget the neighbour so the next packets need neighbour discovery (ARP for IPv4) again.
        lab.Client.Exec("ip", "neigh", "flush", "all");
        Assert.False(lab.Ping(remote), "echo requests should be blocked");
        Assert.True(lab.Tcp(remote, 8080), "TCP still works, so ND/ARP resolved the neighbour under the rules\n" + wfpd.Output);
        Assert.Equal(0, await wfpd.StopAsync());
    }

    private static string ResolvePython()
    {
        // The real interpreter binary (not a pyenv-style shim script, which would not run under another name).
        var path = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : Testing.Netns.NetworkNamespace.FindTool("python3") ?? "python3";
        return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }
}
