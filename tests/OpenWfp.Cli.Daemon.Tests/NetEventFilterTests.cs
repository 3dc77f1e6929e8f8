using System.Text.Json;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>
/// The net event filters of <c>wfp events</c> and <c>wfp show netevents</c> (FWPM_NET_EVENT_ENUM_TEMPLATE0's
/// conditions and time, and OpenWfp's layer and filter), against a real wfpd that recorded classify drops.
/// </summary>
public sealed class NetEventFilterTests
{
    [Fact]
    public async Task EachFilterOption_SelectsTheEventsItNames()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        var s = wfpd.Socket;
        CliRunner.Ok("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-c", "IP_REMOTE_PORT == 23", "-a", "block", "-n", "telnet", "--socket", s);
        CliRunner.Ok("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-c", "IP_REMOTE_PORT == 22", "-a", "block", "-n", "ssh", "--socket", s);
        Classify(s, "tcp", "10.1.2.3", 23);
        Classify(s, "udp", "192.0.2.9", 23);
        Classify(s, "tcp", "192.0.2.10", 22);

        Assert.Equal(["10.1.2.3:23", "192.0.2.9:23", "192.0.2.10:22"], Remotes(s));
        Assert.Equal(["10.1.2.3:23"], Remotes(s, "--remote", "10.0.0.0/8"));
        Assert.Equal(["192.0.2.9:23"], Remotes(s, "--protocol", "udp"));
        Assert.Equal(["192.0.2.10:22"], Remotes(s, "--remote-port", "20-22"));
        Assert.Equal(["192.0.2.10:22"], Remotes(s, "--filter", "2"));
        Assert.Equal(["10.1.2.3:23", "192.0.2.9:23"], Remotes(s, "--filter", "1", "--type", "drop", "--since", "1h", "--layer", "ALE_AUTH_CONNECT_V4"));
        Assert.Empty(Remotes(s, "--type", "allow"));
        Assert.Empty(Remotes(s, "--layer", "ALE_AUTH_RECV_ACCEPT_V4"));
        Assert.Empty(Remotes(s, "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O")));

        Assert.Equal("no net events match\n", CliRunner.Ok("events", "--type", "allow", "--socket", s));
        Assert.Equal("no net events match\n", CliRunner.Ok("show", "netevents", "--protocol", "icmp", "--socket", s));
        var table = CliRunner.Ok("show", "netevents", "--remote", "192.0.2.10", "--socket", s);
        Assert.Contains("192.0.2.10:22", table, StringComparison.Ordinal);
        Assert.DoesNotContain("10.1.2.3", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFilterValues_AreOneLineErrors()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        Assert.Equal(
            "wfp: --type sometimes: expected drop, allow, or an FWPM_NET_EVENT_TYPE_* name such as CAPABILITY_DROP",
            CliRunner.Fails("events", "--type", "sometimes", "--socket", wfpd.Socket));
        Assert.Equal(
            "wfp: --since yesterday: expected a time such as 2026-01-31T12:00:00Z or an age such as 30s, 10m, 2h, 1d",
            CliRunner.Fails("show", "netevents", "--since", "yesterday", "--socket", wfpd.Socket));
        Assert.Equal(
            "wfp: --filter x: expected a filter id (a number from 1), as 'wfp show filters' lists it",
            CliRunner.Fails("events", "--filter", "x", "--socket", wfpd.Socket));
        Assert.StartsWith("wfp: --remote 10.0.0.0/99: ", CliRunner.Fails("events", "--remote", "10.0.0.0/99", "--socket", wfpd.Socket), StringComparison.Ordinal);
    }

    private static void Classify(string socket, string protocol, string remote, int port) =>
        CliRunner.Ok("classify", "--socket", socket, "-l", "ALE_AUTH_CONNECT_V4", "-v", "IP_PROTOCOL=" + protocol, "-v", "IP_REMOTE_ADDRESS=" + remote, "-v", $"IP_REMOTE_PORT={port}");

    private static List<string> Remotes(string socket, params string[] filters)
    {
        var lines = CliRunner.Ok(["events", "--json", "--socket", socket, .. filters]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return
        [
            .. lines.Select(l =>
            {
                using var e = JsonDocument.Parse(l);
                return $"{e.RootElement.GetProperty("remoteAddress").GetString()}:{e.RootElement.GetProperty("remotePort").GetInt32()}";
            }),
        ];
    }
}
