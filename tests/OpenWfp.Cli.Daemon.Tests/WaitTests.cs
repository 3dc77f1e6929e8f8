using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary><c>wfp wait</c>, <c>--wait</c> and <c>--socket</c> before the command, against a real wfpd.</summary>
public sealed class WaitTests
{
    [Fact]
    public async Task WaitSucceedsAtOnceWhenWfpdIsUp()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        Assert.Equal($"wfpd is ready at {wfpd.Socket}\n", CliRunner.Ok("wait", "--socket", wfpd.Socket, "--timeout", "30"));
        Assert.Equal($"wfpd is ready at {wfpd.Socket}\n", CliRunner.Ok("--socket", wfpd.Socket, "wait"));
    }

    [Fact]
    public async Task WaitAndTheWaitOptionOutlastAWfpdThatStartsLater()
    {
        var directory = WfpdProcess.NewStateDirectory();
        var socket = Path.Combine(directory, "bfe.sock");
        try
        {
            // Both start before the socket exists; both must still succeed once wfpd is up.
            var wait = Task.Run(() => CliRunner.Run("wait", "--socket", socket, "--timeout", "60"), TestContext.Current.CancellationToken);
            var show = Task.Run(() => CliRunner.Run("--wait", "60", "show", "state", "--socket", socket), TestContext.Current.CancellationToken);
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.False(wait.IsCompleted);
            Assert.False(show.IsCompleted);

            await using var wfpd = await WfpdProcess.StartAsync(directory);
            var waited = await wait.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.Equal(new CliResult(0, $"wfpd is ready at {socket}\n", ""), waited);
            var shown = await show.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.Equal((0, ""), (shown.Code, shown.Err));
            Assert.Equal(CliRunner.Ok("show", "state", "--socket", socket), shown.Out);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task SocketBeforeTheCommandIsTheSocketAfterIt()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        var after = CliRunner.Ok("show", "filters", "--socket", wfpd.Socket);
        Assert.Contains("Allow update server (hard)", after);
        Assert.Equal(after, CliRunner.Ok("--socket", wfpd.Socket, "show", "filters"));

        string[] classify = ["classify", "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_ADDRESS=203.0.113.10", "--value", "IP_REMOTE_PORT=443"];
        var classified = CliRunner.Ok([.. classify, "--socket", wfpd.Socket]);
        Assert.Contains("decision   PERMIT (hard) by filter 1 \"Allow update server (hard)\"", classified);
        Assert.Equal(classified, CliRunner.Ok(["--socket", wfpd.Socket, .. classify]));
    }
}
