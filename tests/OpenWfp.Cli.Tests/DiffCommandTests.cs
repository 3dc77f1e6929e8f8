using System.Text.Json;
using OpenWfp.Cli.Tests.Replay;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests;

public sealed class DiffCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wfp-diff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // samples/sample-policy.json with the "Security team" sublayer (weight 0x4000) moved above "Corp baseline"
    // (0x8000): its block of the shared-hosting range now comes before the baseline's hard permit of the update server.
    private (string Before, string After) SamplePair()
    {
        var text = File.ReadAllText(CliRunner.SamplePolicy);
        Assert.Contains("\"0x4000\"", text, StringComparison.Ordinal);
        var after = Path.Combine(_dir, "after.json");
        File.WriteAllText(after, text.Replace("\"0x4000\"", "\"0x9000\"", StringComparison.Ordinal));
        return (CliRunner.SamplePolicy, after);
    }

    [Fact]
    public void Diff_SublayerReweighted_ListsTheObjectAndTheDecisionThatFlips()
    {
        var (before, after) = SamplePair();

        var output = CliRunner.Ok("diff", before, after);

        Assert.Contains($"{before} → {after}: 1 object differs (0 added, 0 removed, 1 changed)", output, StringComparison.Ordinal);
        Assert.Contains("  ~ \"Security team\" {", output, StringComparison.Ordinal);
        Assert.Contains("      weight: 0x4000 → 0x9000", output, StringComparison.Ordinal);
        Assert.Contains("decisions: 1 changes, of ", output, StringComparison.Ordinal);
        Assert.Contains("IP_REMOTE_ADDRESS=203.0.113.10", output, StringComparison.Ordinal);
        Assert.Contains("permit (by \"Allow update server (hard)\") → block (by \"Block shared hosting\")", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_Json_GivesCountsChangesAndClassifies()
    {
        var (before, after) = SamplePair();

        using var doc = JsonDocument.Parse(CliRunner.Ok("diff", before, after, "--json"));

        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(1, root.GetProperty("objects").GetProperty("changed").GetInt32());
        var change = root.GetProperty("changes")[0];
        Assert.Equal("sublayer", change.GetProperty("kind").GetString());
        Assert.Equal("changed", change.GetProperty("change").GetString());
        Assert.Equal("0x9000", change.GetProperty("fields")[0].GetProperty("after").GetString());
        var decisions = root.GetProperty("decisions");
        Assert.Equal("probes", decisions.GetProperty("source").GetString());
        Assert.Equal(1, decisions.GetProperty("changed").GetInt32());
        var flipped = decisions.GetProperty("classifies").EnumerateArray().Single(c => c.GetProperty("actionChanged").GetBoolean());
        Assert.Equal("block", flipped.GetProperty("after").GetProperty("action").GetString());
        Assert.Equal("203.0.113.10", flipped.GetProperty("values").GetProperty("IP_REMOTE_ADDRESS").GetString());
    }

    [Fact]
    public void Diff_ExitCode_IsOneOnlyWhenThePoliciesDiffer()
    {
        var (before, after) = SamplePair();

        Assert.Equal(1, CliRunner.Run("diff", before, after, "--exit-code").Code);
        var same = CliRunner.Run("diff", before, before, "--exit-code");
        Assert.Equal(0, same.Code);
        Assert.Contains("no object differs", same.Out, StringComparison.Ordinal);
        Assert.Contains("decisions: nothing that decides a classification changed", same.Out, StringComparison.Ordinal);

        // Without --exit-code a difference is not a failure.
        Assert.Equal(0, CliRunner.Run("diff", before, after).Code);
    }

    [Fact]
    public void Diff_WithLayerAndValues_ClassifiesThatInputUnderBoth()
    {
        var (before, after) = SamplePair();

        var output = CliRunner.Ok("diff", before, after, "--layer", "ALE_AUTH_CONNECT_V4",
            "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_ADDRESS=192.0.2.50", "--value", "IP_REMOTE_PORT=443");

        Assert.Contains("decisions: none changes, for your input", output, StringComparison.Ordinal);
        Assert.Contains("ALE_AUTH_CONNECT_V4 IP_PROTOCOL=tcp IP_REMOTE_ADDRESS=192.0.2.50 IP_REMOTE_PORT=443: permit (by \"Allow web (soft)\") → permit (by \"Allow web (soft)\")", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_NetshDumpAgainstItsOwnImport_NothingDiffers()
    {
        var dump = Path.Combine(AppContext.BaseDirectory, "Netsh", "Data", "wfpstate.xml");
        var imported = Path.Combine(_dir, "imported.json");
        CliRunner.Run("import", dump, "--out", imported);

        var output = CliRunner.Run("diff", dump, imported).Out;

        Assert.Contains("no object differs", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_RealWindowsDumpAgainstItsNativeJson_NothingDiffers()
    {
        // A Windows 11 state dump: 1,254 filters, 469 provider contexts, providers sharing a name.
        var dump = Path.Combine(AppContext.BaseDirectory, "Netsh", "Data", "real", "keploy-win11-wfpstate.xml.gz");
        var json = Path.Combine(_dir, "keploy.json");
        CliRunner.Ok("import", dump, "--out", json);

        var result = CliRunner.Run("diff", dump, json, "--exit-code");

        Assert.Equal((0, ""), (result.Code, result.Err));
        Assert.Contains("no object differs", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_Capture_ListsTheFramesWhoseVerdictChanges()
    {
        using var files = new SampleFiles();
        var text = File.ReadAllText(files.Policy);
        Assert.Contains("\"name\": \"No inbound services\"", text, StringComparison.Ordinal);
        var permissive = files.Path2("permissive.json");

        // The inbound block turned into a permit: the sample's blocked inbound connection now passes.
        var index = text.IndexOf("\"name\": \"No inbound services\"", StringComparison.Ordinal);
        var action = text.IndexOf("\"action\": \"block\"", index, StringComparison.Ordinal);
        File.WriteAllText(permissive, text[..action] + "\"action\": \"permit\"" + text[(action + "\"action\": \"block\"".Length)..]);

        using var doc = JsonDocument.Parse(CliRunner.Ok("diff", files.Policy, permissive, "--capture", files.Capture,
            "--local", "10.77.0.1/32", "--local", "fd77::1/128", "--json"));

        var decisions = doc.RootElement.GetProperty("decisions");
        Assert.Equal("capture", decisions.GetProperty("source").GetString());
        var frames = decisions.GetProperty("frames");
        Assert.True(frames.GetArrayLength() > 0);
        foreach (var frame in frames.EnumerateArray())
        {
            Assert.Equal("block", frame.GetProperty("before").GetString());
            Assert.Equal("permit", frame.GetProperty("after").GetString());
            Assert.Contains("No inbound services", frame.GetProperty("beforeFilter").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "diff", "a.json" }, "Required argument missing for command: 'diff'.")]
    [InlineData(new[] { "diff", "a.json", "b.json", "--value", "IP_REMOTE_PORT=1" }, "wfp: --value needs --layer LAYER, e.g. --layer ALE_AUTH_CONNECT_V4")]
    [InlineData(new[] { "diff", "a.json", "b.json", "--layer", "ALE_AUTH_CONNECT_V4", "--capture", "x.pcap" }, "wfp: --capture and --layer do not go together: 'diff' compares decisions over a capture or for one input")]
    [InlineData(new[] { "diff", "/nonexistent/a.json", "/nonexistent/b.json" }, "wfp: /nonexistent/a.json: no such file")]
    public void Diff_BadCommandLine_OneLineError(string[] args, string expected)
    {
        var line = CliRunner.Fails(args);
        Assert.StartsWith(expected.StartsWith("wfp: ", StringComparison.Ordinal) ? expected : "wfp: " + expected, line, StringComparison.Ordinal);
    }
}
