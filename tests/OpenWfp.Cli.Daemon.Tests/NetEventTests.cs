using System.Text.Json;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>
/// <c>wfp show netevents</c> and <c>wfp events [--follow]</c>. The real wfpd does not serve net events yet, so the
/// output is checked against a fake daemon, and the real one only for a clean answer either way.
/// </summary>
public sealed class NetEventTests
{
    [Fact]
    public async Task ShowNetEventsIsATableOfTheRing()
    {
        await using var fake = await FakeNetEventDaemon.Server.StartAsync();
        fake.Daemon.Ring.Add(FakeNetEventDaemon.Drop(1));
        fake.Daemon.Ring.Add(FakeNetEventDaemon.Allow(2));

        var lines = CliRunner.Ok("show", "netevents", "--socket", fake.Socket).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^time\s+type\s+dir\s+layer\s+filter\s+connection\s+app$", lines[0]);
        Assert.Matches(@"^2026-01-0\d \d\d:\d\d:\d\d\.001  drop   out  ALE_AUTH_CONNECT_V4\s+5 ""Block telnet""  tcp 10\.0\.0\.1:40000 → 192\.0\.2\.1:23\s+-$", lines[1]);
        Assert.Matches(@"^2026-01-0\d \d\d:\d\d:\d\d\.000  allow  in   ALE_AUTH_RECV_ACCEPT_V6  -\s+udp \[2001:db8::2\]:5353 → \[2001:db8::1\]:53  /usr/sbin/named$", lines[2]);

        using var doc = JsonDocument.Parse(CliRunner.Ok("show", "netevents", "--socket", fake.Socket, "--json"));
        var events = doc.RootElement.GetProperty("netEvents").EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal("drop", events[0].GetProperty("type").GetString());
        Assert.Equal("Block telnet", events[0].GetProperty("filterName").GetString());
        Assert.Equal("2026-01-02T03:04:05.0010000+00:00", events[0].GetProperty("time").GetString());
        Assert.Equal("/usr/sbin/named", events[1].GetProperty("app").GetString());
        Assert.Equal("in", events[1].GetProperty("direction").GetString());
    }

    [Fact]
    public async Task EventsPrintsTheRingAsLines()
    {
        await using var fake = await FakeNetEventDaemon.Server.StartAsync();
        Assert.Equal("no net events\n", CliRunner.Ok("show", "netevents", "--socket", fake.Socket));
        Assert.Equal("no net events\n", CliRunner.Ok("events", "--socket", fake.Socket));

        // JSON lines: no events, no lines (a consumer reads one object per line).
        Assert.Equal("", CliRunner.Ok("events", "--socket", fake.Socket, "--json"));

        fake.Daemon.Ring.Add(FakeNetEventDaemon.Drop(1));
        var line = Assert.Single(CliRunner.Ok("events", "--socket", fake.Socket).TrimEnd('\n').Split('\n'));
        Assert.Matches(@"^2026-01-0\d \d\d:\d\d:\d\d\.001  drop   out  ALE_AUTH_CONNECT_V4\s+tcp 10\.0\.0\.1:40000 → 192\.0\.2\.1:23  filter 5 ""Block telnet""$", line);

        var json = Assert.Single(CliRunner.Ok("events", "--socket", fake.Socket, "--json").TrimEnd('\n').Split('\n'));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(5UL, doc.RootElement.GetProperty("filterId").GetUInt64());
        Assert.Equal(23, doc.RootElement.GetProperty("remotePort").GetInt32());
    }

    [Fact]
    public async Task EventsFollowWithNothingNewPrintsNothing()
    {
        await using var fake = await FakeNetEventDaemon.Server.StartAsync();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var console = new CliConsole(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), Color: false) { Interrupt = interrupt.Token };
        var run = Task.Run(() => WfpCli.Run(["events", "--follow", "--socket", fake.Socket], console), TestContext.Current.CancellationToken);

        await fake.Daemon.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await interrupt.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal("", stdout.ToString());
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public async Task EventsFollowStreamsJsonLinesUntilInterrupted()
    {
        await using var fake = await FakeNetEventDaemon.Server.StartAsync();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var output = TextWriter.Synchronized(stdout);
        using var interrupt = new CancellationTokenSource();
        var console = new CliConsole(output, TextWriter.Synchronized(stderr), Color: false) { Interrupt = interrupt.Token };
        var run = Task.Run(() => WfpCli.Run(["events", "--follow", "--json", "--socket", fake.Socket], console), TestContext.Current.CancellationToken);

        await fake.Daemon.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await fake.Daemon.Live.Writer.WriteAsync(FakeNetEventDaemon.Drop(7), TestContext.Current.CancellationToken);
        await fake.Daemon.Live.Writer.WriteAsync(FakeNetEventDaemon.Drop(8, filterId: 77), TestContext.Current.CancellationToken);
        await fake.Daemon.Live.Writer.WriteAsync(FakeNetEventDaemon.Drop(9, filterId: 99), TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await interrupt.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal("", stderr.ToString());

        var lines = stdout.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        var docs = lines.Select(l => JsonDocument.Parse(l)).ToList();
        try
        {
            Assert.Equal([7UL, 8, 9], docs.Select(d => d.RootElement.GetProperty("sequence").GetUInt64()));

            // Known at start, added later (looked up by id), and gone (no name).
            Assert.Equal(["Block telnet", "Added later", null], docs.Select(d => d.RootElement.GetProperty("filterName").GetString()));
        }
        finally
        {
            docs.ForEach(d => d.Dispose());
        }
    }

    [Fact]
    public async Task TheRealDaemonAnswersCleanlyEitherWay()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        var r = CliRunner.Run("show", "netevents", "--socket", wfpd.Socket);
        if (r.Code == 0)
        {
            Assert.Equal("", r.Err);
        }
        else
        {
            // Not served yet: one line naming the call's failure.
            Assert.Equal(1, r.Code);
            Assert.Equal("wfp: show netevents: this wfpd does not serve that call yet (the call failed with gRPC status Unimplemented) [RPC_S_PROCNUM_OUT_OF_RANGE]\n", r.Err);
        }
    }
}
