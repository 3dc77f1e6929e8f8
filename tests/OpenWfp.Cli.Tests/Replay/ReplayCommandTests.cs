using System.Text.Json;
using OpenWfp.Pcap;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary><c>wfp replay</c> on the bundled capture: what people see, what scripts get, and the files it writes.</summary>
public sealed class ReplayCommandTests
{
    [Fact]
    public void NoArguments_ReplaysTheBundledSample_WithDecisionsAndSummary()
    {
        var (code, output, error) = CliRunner.Run("replay");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("Built-in sample: samples/sample-capture.pcapng against samples/replay-policy.json", output, StringComparison.Ordinal);
        Assert.Contains("local      10.77.0.1/32, fd77::1/128", output, StringComparison.Ordinal);

        // One line per frame, then the summary.
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.TrimStart().StartsWith("53 ", StringComparison.Ordinal) && l.Contains("TCP 10.77.0.2:47010 → 10.77.0.1:2222 [SYN]", StringComparison.Ordinal) && l.Contains("BLOCK", StringComparison.Ordinal) && l.Contains("\"No inbound services\" at ALE_AUTH_RECV_ACCEPT_V4", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("54 ", StringComparison.Ordinal) && l.Contains("flow #13 was blocked at frame 53", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("3 ", StringComparison.Ordinal) && l.Contains("permit", StringComparison.Ordinal) && l.Contains("\"Allow DNS (hard)\" at ALE_AUTH_CONNECT_V4", StringComparison.Ordinal));
        Assert.Contains("  frames     60 (5533 bytes", output, StringComparison.Ordinal);
        Assert.Contains("40 permitted, 20 blocked (16 of them dropped as part of a blocked flow", output, StringComparison.Ordinal);
        Assert.Contains("13 ALE flows", output, StringComparison.Ordinal);
        Assert.Matches(@"#6 ""Block HTTP over IPv6""\s+ALE_AUTH_CONNECT_V6\s+0\s+1\s+9", output);
    }

    [Fact]
    public void WithoutLocal_TheSummarySaysWhichAddressesWereTakenAsLocal_AndThatLocalChangesDecisions()
    {
        using var files = new SampleFiles();
        var (code, output, error) = CliRunner.Run("replay", files.Capture, "--policy", files.Policy, "--summary");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("  decisions  48 permitted, 12 blocked", output, StringComparison.Ordinal);

        // The inbound connection to 10.77.0.1:2222 made its client (10.77.0.2) this host's too: that is why it differs.
        var local = Assert.Single(output.Split('\n'), l => l.StartsWith("  local ", StringComparison.Ordinal));
        Assert.Equal(
            "  local      not given: this host was taken to be the sender of each new flow's first packet, so every new flow is outbound " +
            "(taken as local: 10.77.0.1, fd77::1, fd77::2, 10.77.0.2); --local CIDR decides by address instead and can change the decisions",
            local);

        var (withLocal, withLocalOutput, _) = CliRunner.Run("replay", files.Capture, "--policy", files.Policy, "--local", "10.77.0.1", "--local", "fd77::1", "--summary");
        Assert.Equal(0, withLocal);
        Assert.Contains("  decisions  40 permitted, 20 blocked", withLocalOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("  local ", withLocalOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_OmitsThePacketLines()
    {
        var (code, output, _) = CliRunner.Run("replay", "--summary");
        Assert.Equal(0, code);
        Assert.DoesNotContain("TCP 10.77.0.2:47010", output, StringComparison.Ordinal);
        Assert.Contains("40 permitted, 20 blocked", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_IsOneObjectPerPacket_ThenASummary()
    {
        var (code, output, _) = CliRunner.Run("replay", "--json");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(61, lines.Length);
        var docs = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(docs.Take(60), d => Assert.Equal("packet", d.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(1, 60), docs.Take(60).Select(d => d.GetProperty("frame").GetInt32()));

        var syn = docs[52];
        Assert.Equal("block", syn.GetProperty("decision").GetString());
        Assert.Equal("inbound", syn.GetProperty("direction").GetString());
        Assert.Equal("ALE_AUTH_RECV_ACCEPT_V4", syn.GetProperty("decidingLayer").GetString());
        Assert.Equal("No inbound services", syn.GetProperty("filterName").GetString());
        var layers = syn.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["INBOUND_MAC_FRAME_ETHERNET", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_AUTH_RECV_ACCEPT_V4"], layers.Select(l => l.GetProperty("layer").GetString()));
        var recvAccept = layers[3].GetProperty("values");
        Assert.Equal("10.77.0.1", recvAccept.GetProperty("IP_LOCAL_ADDRESS").GetString());
        Assert.Equal("2222", recvAccept.GetProperty("IP_LOCAL_PORT").GetString());
        Assert.Equal("10.77.0.2", recvAccept.GetProperty("IP_REMOTE_ADDRESS").GetString());
        Assert.Equal("tcp", recvAccept.GetProperty("IP_PROTOCOL").GetString());

        var summary = docs[60];
        Assert.Equal("summary", summary.GetProperty("type").GetString());
        Assert.Equal(60, summary.GetProperty("frames").GetInt32());
        Assert.Equal(40, summary.GetProperty("permitted").GetInt32());
        Assert.Equal(20, summary.GetProperty("blocked").GetInt32());
        Assert.Equal(13, summary.GetProperty("flows").GetInt32());
    }

    [Fact]
    public void OutPcapAndDropsPcap_SplitTheFramesByVerdict()
    {
        using var files = new SampleFiles();
        var permitted = files.Path2("permitted.pcapng");
        var dropped = files.Path2("dropped.pcap");
        var (code, _, error) = CliRunner.Run("replay", files.Capture, "--policy", files.Policy, "--local", "10.77.0.1", "--local", "fd77::1", "--out-pcap", permitted, "--drops-pcap", dropped, "--summary");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(40, CountFrames(permitted));
        Assert.Equal(20, CountFrames(dropped));

        // The dropped file is classic pcap (by its name) and starts with frame 39, the first blocked packet.
        using var reader = new CaptureReader(File.OpenRead(dropped));
        Assert.Equal(CaptureFormat.Pcap, reader.Format);
        Assert.True(reader.TryReadNext(out var first));
        using var original = new CaptureReader(File.OpenRead(files.Capture));
        CapturedPacket frame39 = default;
        for (var i = 0; i < 39; i++)
        {
            Assert.True(original.TryReadNext(out frame39));
        }

        Assert.True(first.Data.Span.SequenceEqual(frame39.Data.Span));
    }

    [Fact]
    public void WithoutLocal_TheFirstSenderOfEachFlowIsThisHost()
    {
        using var files = new SampleFiles();
        var (code, output, _) = CliRunner.Run("replay", files.Capture, "--policy", files.Policy, "--json");
        Assert.Equal(0, code);
        var docs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        // Frame 53 is the server's SYN: without --local its sender counts as this host, so it meets ALE_AUTH_CONNECT.
        Assert.Equal("outbound", docs[52].GetProperty("direction").GetString());
        Assert.Contains(docs[52].GetProperty("layers").EnumerateArray(), l => l.GetProperty("layer").GetString() == "ALE_AUTH_CONNECT_V4");
        Assert.Equal(0, docs[60].GetProperty("local").GetArrayLength());
    }

    [Fact]
    public void UnparsedBlock_BlocksFramesThatDoNotParse()
    {
        using var files = new SampleFiles();
        var broken = files.Path2("broken.pcap");
        using (var writer = CaptureWriter.CreatePcap(File.Create(broken), LinkTypes.Ethernet))
        {
            writer.Write(DateTime.UnixEpoch, LinkTypes.Ethernet, new byte[] { 1, 2, 3, 4, 5 });
            writer.Write(DateTime.UnixEpoch, LinkTypes.Ethernet, new byte[10]);
        }

        var permitted = CliRunner.Run("replay", broken, "--policy", files.Policy, "--json");
        var blocked = CliRunner.Run("replay", broken, "--policy", files.Policy, "--json", "--unparsed", "block");
        var first = JsonDocument.Parse(permitted.Out.Split('\n')[0]).RootElement;
        Assert.Equal("permit", first.GetProperty("decision").GetString());
        Assert.Equal("unparsed", first.GetProperty("reason").GetString());
        Assert.Equal("block", JsonDocument.Parse(blocked.Out.Split('\n')[0]).RootElement.GetProperty("decision").GetString());
        Assert.Equal(2, JsonDocument.Parse(blocked.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.GetProperty("unparsed").GetInt32());
    }

    private static int CountFrames(string path)
    {
        using var reader = new CaptureReader(File.OpenRead(path));
        var n = 0;
        while (reader.TryReadNext(out _))
        {
            n++;
        }

        return n;
    }
}
