using System.Text.Json;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary><c>wfp explain --capture FILE --frame N</c>: one packet, every layer, every filter.</summary>
public sealed class ExplainFrameTests
{
    [Fact]
    public void InboundSyn_ShowsEachLayer_AndTheRecvAcceptFilterThatBlocked()
    {
        using var files = new SampleFiles();
        var (code, output, error) = CliRunner.Run("explain", "--policy", files.Policy, "--capture", files.Capture, "--frame", "53", "--local", "10.77.0.1");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("packet     TCP 10.77.0.2:47010 → 10.77.0.1:2222 [SYN]", output, StringComparison.Ordinal);
        Assert.Contains("direction  inbound (--local 10.77.0.1/32)", output, StringComparison.Ordinal);
        Assert.Contains("layers     INBOUND_MAC_FRAME_ETHERNET → INBOUND_IPPACKET_V4 → INBOUND_TRANSPORT_V4 → ALE_AUTH_RECV_ACCEPT_V4", output, StringComparison.Ordinal);
        Assert.Contains("=== Layer 1/4: INBOUND_MAC_FRAME_ETHERNET — no filters at this layer", output, StringComparison.Ordinal);
        Assert.Contains("=== Layer 4/4: ALE_AUTH_RECV_ACCEPT_V4", output, StringComparison.Ordinal);
        Assert.Contains("filter 5 \"No inbound services\"", output, StringComparison.Ordinal);
        Assert.Contains("✓ IP_PROTOCOL  equal  tcp  actual tcp", output, StringComparison.Ordinal);
        Assert.Contains("=== Packet  BLOCK — blocked at ALE_AUTH_RECV_ACCEPT_V4 by filter #5 \"No inbound services\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void LaterPacketOfABlockedFlow_SaysWhereTheFlowWasDecided()
    {
        using var files = new SampleFiles();
        var (code, output, _) = CliRunner.Run("explain", "--policy", files.Policy, "--capture", files.Capture, "--frame", "56", "--local", "10.77.0.1", "--local", "fd77::1");
        Assert.Equal(0, code);
        Assert.Contains("flow       #13, blocked at frame 53 by filter #5 \"No inbound services\" at ALE_AUTH_RECV_ACCEPT_V4", output, StringComparison.Ordinal);
        Assert.Contains("layers     none", output, StringComparison.Ordinal);
        Assert.Contains("dropped before any layer: its flow #13 was blocked at frame 53", output, StringComparison.Ordinal);
    }

    [Fact]
    public void HardPermit_InAHigherSublayer_BeatsTheBlockBelow_InJson()
    {
        using var files = new SampleFiles();
        var (code, output, _) = CliRunner.Run("explain", "--policy", files.Policy, "--capture", files.Capture, "--frame", "3", "--local", "10.77.0.1", "--json");
        Assert.Equal(0, code);
        var doc = JsonDocument.Parse(output).RootElement;
        Assert.Equal(3, doc.GetProperty("frame").GetInt32());
        Assert.Equal("permit", doc.GetProperty("decision").GetString());
        var layers = doc.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal("ALE_AUTH_CONNECT_V4", layers[0].GetProperty("layer").GetString());
        var filters = layers[0].GetProperty("filters").EnumerateArray().ToList();
        var dns = filters.Single(f => f.GetProperty("name").GetString() == "Allow DNS (hard)");
        var udp = filters.Single(f => f.GetProperty("name").GetString() == "Block other UDP");
        Assert.True(dns.GetProperty("decided").GetBoolean());
        Assert.Equal("terminated", udp.GetProperty("outcome").GetString());
        Assert.False(udp.GetProperty("decided").GetBoolean());
        Assert.False(layers[1].GetProperty("classified").GetBoolean()); // ALE_FLOW_ESTABLISHED_V4 has no filters
    }

    [Fact]
    public void FrameBeyondTheEnd_IsOneLineAndExit1()
    {
        using var files = new SampleFiles();
        var (code, _, error) = CliRunner.Run("explain", "--policy", files.Policy, "--capture", files.Capture, "--frame", "61");
        Assert.Equal(1, code);
        Assert.Equal($"wfp: {files.Capture}: there is no frame 61; the capture has 60 frames", error.Trim());
    }
}
