using System.Diagnostics;
using OpenWfp.Cli.Daemon;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests;

/// <summary>
/// --socket and --wait before or after the command, and <c>wfp wait</c>, against a socket path where no wfpd runs:
/// the error names the path the option gave, whichever side of the command it stood.
/// </summary>
public sealed class DaemonOptionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wfp-opt-" + Guid.NewGuid().ToString("N")[..12]);

    public DaemonOptionTests() => Directory.CreateDirectory(_directory);

    private string Socket => Path.Combine(_directory, "bfe.sock");

    private string NoDaemon => $"wfp: {Socket}: cannot connect to wfpd (no such file; is wfpd running? see docs/WFPD.md)\n";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("show filters")]
    [InlineData("show state --json")]
    [InlineData("events")]
    [InlineData("delete filter 12")]
    [InlineData("classify --layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT=23")]
    [InlineData("explain --layer ALE_AUTH_CONNECT_V4")]
    [InlineData("export")]
    public void SocketBeforeOrAfterTheCommand_IsTheSameSocket(string command)
    {
        var words = command.Split(' ');
        var before = CliRunner.Run(["--socket", Socket, .. words]);
        var after = CliRunner.Run([.. words, "--socket", Socket]);
        Assert.Equal((1, "", NoDaemon), (before.Code, before.Out, before.Err.ReplaceLineEndings("\n")));
        Assert.Equal(before, after);
    }

    [Fact]
    public void SocketWithoutAPath_StillSelectsTheDaemon_InBothPlaces()
    {
        // classify/explain/export take --socket alone as "the running wfpd" at the default path.
        var path = SocketOption.Resolve(null);
        var expected = $"wfp: {path}: cannot connect to wfpd";
        Assert.SkipWhen(File.Exists(path), $"a wfpd socket exists at {path}");
        foreach (string[] args in new[]
        {
            new[] { "classify", "--socket", "--layer", "ALE_AUTH_CONNECT_V4" },
            ["--socket", "classify", "--layer", "ALE_AUTH_CONNECT_V4"],
            ["explain", "--socket", "--layer", "ALE_AUTH_CONNECT_V4"],
            ["export", "--socket", "--out", Path.Combine(_directory, "out.xml")],
            ["--socket", "export", "--out", Path.Combine(_directory, "out.xml")],
        })
        {
            var (code, _, err) = CliRunner.Run(args);
            Assert.Equal(1, code);
            Assert.StartsWith(expected, err, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(_directory, "out.xml")));
    }

    [Fact]
    public void AfterTheCommandWins_WhenBothAreGiven()
    {
        var (code, _, err) = CliRunner.Run("--socket", "/nonexistent/other.sock", "show", "filters", "--socket", Socket);
        Assert.Equal(1, code);
        Assert.Equal(NoDaemon, err.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void WaitGivesTheSocketAGraceTime_BeforeOrAfterTheCommand()
    {
        foreach (string[] args in new[]
        {
            new[] { "--wait", "1", "show", "state", "--socket", Socket },
            ["show", "state", "--socket", Socket, "--wait", "1"],
        })
        {
            var clock = Stopwatch.StartNew();
            var (code, output, err) = CliRunner.Run(args);
            Assert.Equal((1, "", NoDaemon), (code, output, err.ReplaceLineEndings("\n")));
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 20);
        }

        // Default: fail at once, as before --wait existed.
        var quick = Stopwatch.StartNew();
        Assert.Equal(1, CliRunner.Run("show", "state", "--socket", Socket).Code);
        Assert.InRange(quick.Elapsed.TotalSeconds, 0, 0.8);
    }

    [Theory]
    [InlineData("--socket /tmp/wfp-x.sock replay", "--socket", "replay")]
    [InlineData("replay --socket /tmp/wfp-x.sock", "--socket", "replay")]
    [InlineData("--socket import wfpstate.xml", "--socket", "import")]
    [InlineData("diff a.json b.json --wait 3", "--wait", "diff")]
    public void DaemonOptionOnACommandThatWorksOnFiles_IsOneLine_NotIgnored(string command, string option, string name)
    {
        var (code, output, err) = CliRunner.Run(command.Split(' '));
        Assert.Equal((1, ""), (code, output));
        Assert.Equal($"wfp: {option} does not apply to '{name}', which works on files, not on wfpd (see 'wfp {name} --help')\n", err.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("100000")]
    public void WaitOutOfRange_IsOneLine(string seconds)
    {
        var (code, output, err) = CliRunner.Run("--wait", seconds, "show", "state", "--socket", Socket);
        Assert.Equal((1, ""), (code, output));
        Assert.Equal($"wfp: --wait {seconds}: expected a number of seconds from 0 to 86400\n", err.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void WaitCommand_OnASocketThatNeverAppears_FailsAfterTheTimeoutWithOneLine()
    {
        var clock = Stopwatch.StartNew();
        var (code, output, err) = CliRunner.Run("wait", "--socket", Socket, "--timeout", "1");
        var elapsed = clock.Elapsed.TotalSeconds;
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"wfp: wfpd did not answer on {Socket} within 1 s\n", err.ReplaceLineEndings("\n"));
        Assert.InRange(elapsed, 0.9, 20);

        // The global spelling waits on the same socket.
        var global = CliRunner.Run("--socket", Socket, "wait", "--timeout", "0.3");
        Assert.Equal((1, $"wfp: wfpd did not answer on {Socket} within 0.3 s\n"), (global.Code, global.Err.ReplaceLineEndings("\n")));
    }

    [Fact]
    public void WaitCommand_OnAPathNothingListensOn_KeepsTryingUntilTheTimeout()
    {
        // A socket bound but not listening refuses connections, as a wfpd that has not called listen() yet does.
        using var bound = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        bound.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Socket));

        Assert.True(File.Exists(Socket));
        Assert.True(DaemonSession.NotListeningYet(Socket));
        var clock = Stopwatch.StartNew();
        var (code, _, err) = CliRunner.Run("wait", "--socket", Socket, "--timeout", "0.5");
        Assert.Equal((1, $"wfp: wfpd did not answer on {Socket} within 0.5 s\n"), (code, err.ReplaceLineEndings("\n")));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 20);
    }
}
