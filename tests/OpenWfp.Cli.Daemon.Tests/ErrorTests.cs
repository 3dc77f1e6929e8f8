using System.Net.Sockets;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>What the daemon commands say when wfpd cannot be reached or the command line is wrong: one line, exit 1.</summary>
public sealed class ErrorTests
{
    [Theory]
    [InlineData("show", "filters")]
    [InlineData("show", "state")]
    [InlineData("apply", "SAMPLE")]
    [InlineData("add", "filter", "--layer", "ALE_AUTH_CONNECT_V4", "--action", "block")]
    [InlineData("delete", "filter", "7")]
    [InlineData("events")]
    [InlineData("classify", "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_REMOTE_PORT=23")]
    [InlineData("explain", "--layer", "ALE_AUTH_CONNECT_V4")]
    [InlineData("export")]
    public void NoDaemonIsOneLine(params string[] args)
    {
        var dir = WfpdProcess.NewStateDirectory();
        try
        {
            var socket = Path.Combine(dir, "bfe.sock");
            var line = CliRunner.Fails([.. args.Select(a => a == "SAMPLE" ? CliRunner.SamplePolicy : a), "--socket", socket]);
            Assert.Equal($"wfp: {socket}: cannot connect to wfpd (no such file; is wfpd running? see docs/WFPD.md)", line);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public void ASocketNobodyListensOnIsConnectionRefused()
    {
        var dir = WfpdProcess.NewStateDirectory();
        try
        {
            // As a crashed wfpd leaves it: a socket file nobody listens on (bound, not listening, refuses the same way;
            // .NET removes the file when the socket is closed, so it stays open for the test).
            var socket = Path.Combine(dir, "bfe.sock");
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Bind(new UnixDomainSocketEndPoint(socket));
            Assert.Equal(
                $"wfp: {socket}: cannot connect to wfpd (connection refused, nothing listens there; is wfpd running? see docs/WFPD.md)",
                CliRunner.Fails("show", "filters", "--socket", socket));
        }
        finally
        {
            WfpdProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public void TheSocketComesFromTheEnvironmentWhenNotGiven()
    {
        var dir = WfpdProcess.NewStateDirectory();
        var before = Environment.GetEnvironmentVariable("OPENWFP_SOCKET");
        try
        {
            var socket = Path.Combine(dir, "env.sock");
            Environment.SetEnvironmentVariable("OPENWFP_SOCKET", socket);
            Assert.Equal($"wfp: {socket}: cannot connect to wfpd (no such file; is wfpd running? see docs/WFPD.md)", CliRunner.Fails("show", "filters"));

            // --socket with no path means the same; with --socket, classify works on the daemon, not on a file.
            Assert.StartsWith($"wfp: {socket}: cannot connect", CliRunner.Fails("classify", "--socket", "--layer", "ALE_AUTH_CONNECT_V4"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENWFP_SOCKET", before);
            WfpdProcess.DeleteDirectory(dir);
        }
    }

    [Theory]
    [InlineData("wfp: --condition \"IP_REMOTE_PORT = 23\": unknown operator \"=\" (one of == != < <= > >= in flags-all flags-any flags-none ends-with not-ends-with)", "-c", "IP_REMOTE_PORT = 23")]
    [InlineData("wfp: --condition \"IP_REMOTE_PORT\": expected FIELD OP VALUE, e.g. \"IP_REMOTE_PORT == 23\" or \"IP_REMOTE_ADDRESS in 10.0.0.0/8\"", "-c", "IP_REMOTE_PORT")]
    [InlineData("wfp: --condition \"IP_REMOTE_PORT == 99999\": IP_REMOTE_PORT expects a number 0..65535 (decimal or 0x hex), not \"99999\"", "-c", "IP_REMOTE_PORT == 99999")]
    [InlineData("wfp: --condition \"IP_LOCAL_PORTX == 9\": layer ALE_AUTH_CONNECT_V4 has no field IP_LOCAL_PORTX", "-c", "IP_LOCAL_PORTX == 9")]
    [InlineData("wfp: --condition \"IP_REMOTE_PORT in 80\": IP_REMOTE_PORT expects a range written low-high, such as 1024-65535, not \"80\"", "-c", "IP_REMOTE_PORT in 80")]
    [InlineData("wfp: --weight range:16: a weight range is range:0 … range:15", "-w", "range:16")]
    [InlineData("wfp: --weight heavy: expected a number (decimal or 0x hex, up to 64 bits) or range:N (N 0..15)", "-w", "heavy")]
    [InlineData("wfp: --key nope: expected a non-zero GUID such as 9b0e1a3c-0d7f-4c55-a1d2-3e4f5a6b7c8d", "--key", "nope")]
    public void AddFilterMistakesAreCaughtBeforeConnecting(string expected, string option, string value)
    {
        // The socket does not exist: these errors come before any connection is tried.
        Assert.Equal(expected, CliRunner.Fails("add", "filter", "--socket", "/nonexistent/bfe.sock", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", option, value));
    }

    [Theory]
    [InlineData("wfp: --action allow: expected permit, block or callout:NAME (a callout's name or key, or a built-in FWPM_CALLOUT_* name)", "allow")]
    [InlineData("wfp: --action callout:: expected permit, block or callout:NAME (a callout's name or key, or a built-in FWPM_CALLOUT_* name)", "callout:")]
    public void AddFilterActionMistakes(string expected, string action) =>
        Assert.Equal(expected, CliRunner.Fails("add", "filter", "--socket", "/nonexistent/bfe.sock", "-l", "ALE_AUTH_CONNECT_V4", "-a", action));

    [Fact]
    public void CommandLineMistakes()
    {
        Assert.Equal("wfp: delete filter abc: expected a filter id (a number) or a filter key (a GUID)", CliRunner.Fails("delete", "filter", "abc", "--socket", "/nonexistent/bfe.sock"));
        Assert.Equal("wfp: Unrecognized command or argument 'bogus'. (see 'wfp show --help')", CliRunner.Fails("show", "bogus"));
        Assert.Equal("wfp: Option '--action' is required. (see 'wfp add filter --help')", CliRunner.Fails("add", "filter", "--layer", "ALE_AUTH_CONNECT_V4"));
        Assert.Equal(
            $"wfp: --policy {CliRunner.SamplePolicy} and --socket do not go together: 'classify' works on a policy file or on the running wfpd's policy",
            CliRunner.Fails("classify", "--policy", CliRunner.SamplePolicy, "--socket", "/nonexistent/bfe.sock", "--layer", "ALE_AUTH_CONNECT_V4"));
        Assert.Equal(
            "wfp: --layer LAYER is required with --socket, e.g. wfp explain --socket --layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT=443",
            CliRunner.Fails("explain", "--socket", "/nonexistent/bfe.sock"));
        Assert.Equal(
            "wfp: --policy FILE (or --socket, for the running wfpd's policy) is required, e.g. wfp export --policy policy.json --out filters.xml",
            CliRunner.Fails("export"));
    }
}
