using OpenWfp.Pcap;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary>
/// <c>wfp replay</c> runs OpenWfp's callouts offline: the bundled capture against samples/callouts-policy.json, where
/// openwfp.http-request blocks POSTs at STREAM_V4 and openwfp.dns answers blocked.example.test with NXDOMAIN.
/// </summary>
public sealed class ReplayCalloutTests
{
    private static string CalloutPolicy => Path.Combine(AppContext.BaseDirectory, "samples", "callouts-policy.json");

    [Fact]
    public void ThePostIsResetAtTheStreamLayerAndTheGetPasses()
    {
        using var files = new SampleFiles();
        var output = CliRunner.Ok("replay", files.Capture, "--policy", CalloutPolicy, "--local", "10.77.0.1", "--local", "fd77::1");
        var lines = output.Split('\n');

        // Frame 12 carries the GET, frame 22 the POST /submit (tshark shows the same).
        Assert.Contains(lines, l => l.TrimStart().StartsWith("12 ", StringComparison.Ordinal) && l.Contains("permit", StringComparison.Ordinal) && l.Contains("at STREAM_V4", StringComparison.Ordinal));
        var post = Array.FindIndex(lines, l => l.TrimStart().StartsWith("22 ", StringComparison.Ordinal));
        Assert.Contains("BLOCK  connection reset (both ends) by #1 \"Inspect HTTP requests\" at STREAM_V4", lines[post], StringComparison.Ordinal);
        Assert.Contains("openwfp.http-request (callout id", lines[post + 1], StringComparison.Ordinal);
        Assert.Contains("blocked request \"POST 10.77.0.2 /submit\"; connection reset", lines[post + 1], StringComparison.Ordinal);

        // The rest of the reset connection is dropped because of frame 22.
        Assert.Contains(lines, l => l.TrimStart().StartsWith("24 ", StringComparison.Ordinal) && l.Contains("was blocked at frame 22", StringComparison.Ordinal));
    }

    [Fact]
    public void TheBlockedNameIsAnsweredNxdomainByInjection_OtherNamesPass()
    {
        using var files = new SampleFiles();
        var injected = files.Path2("injected.pcapng");
        var output = CliRunner.Ok("replay", files.Capture, "--policy", CalloutPolicy, "--local", "10.77.0.1", "--injected-pcap", injected);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.TrimStart().StartsWith("3 ", StringComparison.Ordinal) && l.Contains("permit", StringComparison.Ordinal) && l.Contains("DATAGRAM_DATA_V4", StringComparison.Ordinal));
        var query = Array.FindIndex(lines, l => l.TrimStart().StartsWith("7 ", StringComparison.Ordinal));
        Assert.Contains("BLOCK", lines[query], StringComparison.Ordinal);
        Assert.Contains("openwfp.dns (callout id", lines[query + 1], StringComparison.Ordinal);
        Assert.Contains("blocked query for blocked.example.test; answered NXDOMAIN", lines[query + 1], StringComparison.Ordinal);
        Assert.Contains("injected (receive): UDP 10.77.0.2:53 → 10.77.0.1:58132", lines[query + 2], StringComparison.Ordinal);
        Assert.Contains("callouts   2 events, 1 injections", output, StringComparison.Ordinal);

        // The injected answer is a raw IP packet in the capture: the DNS reply with RCODE 3 (NXDOMAIN), its id the query's.
        using var reader = new CaptureReader(File.OpenRead(injected));
        Assert.True(reader.TryReadNext(out var packet));
        Assert.Equal(LinkTypes.Raw, packet.LinkType);
        var dns = packet.Data.Span[28..];
        Assert.Equal(3, dns[3] & 0x0F);
        Assert.Equal(0x80, dns[2] & 0x80);
        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void ACalloutAssemblyEditsTheStream_TheReplayShowsThePacketSentOnEdited()
    {
        using var files = new SampleFiles();
        var policy = files.Path2("stmedit.json");
        File.WriteAllText(policy, """
            {
              "version": 1,
              "callouts": [ { "key": "8f3a1c52-0d4e-4b8a-9a7e-2c1f5e6d7b01", "name": "stmedit.stream-v4", "layer": "STREAM_V4", "flags": 131072 } ],
              "providerContexts": [ { "name": "edit", "text": "Hello=>HOWDY" } ],
              "filters": [ { "name": "edit web replies", "layer": "STREAM_V4", "action": { "callout": "stmedit.stream-v4" }, "providerContext": "edit",
                             "conditions": [ { "field": "IP_REMOTE_PORT", "value": 80 } ] } ]
            }
            """);
        var plugin = Path.Combine(AppContext.BaseDirectory, "callout-plugins", "OpenWfp.Samples.StmEdit.dll");
        var output = CliRunner.Ok("replay", files.Capture, "--policy", policy, "--local", "10.77.0.1", "--callout-assembly", plugin);
        var lines = output.Split('\n');

        // Frame 14 is the server's reply "Hello from the OpenWfp sample server.": edited to the same length, sent on.
        var reply = Array.FindIndex(lines, l => l.TrimStart().StartsWith("14 ", StringComparison.Ordinal));
        Assert.Contains("permit", lines[reply], StringComparison.Ordinal);
        Assert.Contains("sent on edited: TCP 10.77.0.2:80 → 10.77.0.1:47392", lines[reply + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingCalloutAssemblyIsAOneLineError()
    {
        using var files = new SampleFiles();
        var (code, _, error) = CliRunner.Run("replay", files.Capture, "--policy", files.Policy, "--callout-assembly", files.Path2("nope.dll"));
        Assert.Equal(1, code);
        Assert.Equal($"wfp: --callout-assembly {files.Path2("nope.dll")}: no such file", error.Trim());
    }

    [Fact]
    public void AFileThatIsNotAnAssemblyIsAOneLineError()
    {
        using var files = new SampleFiles();
        var bogus = files.Path2("bogus.dll");
        File.WriteAllText(bogus, "not a PE file");
        var (code, _, error) = CliRunner.Run("replay", files.Capture, "--policy", files.Policy, "--callout-assembly", bogus);
        Assert.Equal(1, code);
        Assert.StartsWith($"wfp: --callout-assembly {bogus}: not a .NET assembly OpenWfp can load", error.Trim(), StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}
