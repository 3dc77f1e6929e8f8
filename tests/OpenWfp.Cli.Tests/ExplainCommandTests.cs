using System.Text.Json;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests;

public class ExplainCommandTests
{
    [Fact]
    public void Explain_NoArguments_RunsSampleShowingHardPermitAndBlockOverride()
    {
        var (code, stdout, stderr) = CliRunner.Run("explain");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("sublayer \"Corp baseline\"  weight 0x8000", stdout);
        Assert.Contains("sublayer \"Security team\"  weight 0x4000", stdout);

        // Scenario 1: the hard permit holds against the lower sublayer's block.
        Assert.Contains("→ PERMIT (hard): first decision  ◀ decides", stdout);
        Assert.Contains("→ BLOCK (hard): ignored, filter 1's decision is already hard", stdout);
        Assert.Contains("decision   PERMIT (hard) by filter 1 \"Allow update server (hard)\"", stdout);

        // Scenario 2: the block overrides the soft permit.
        Assert.Contains("→ BLOCK (hard): overrides filter 2's soft permit  ◀ decides", stdout);
        Assert.Contains("decision   BLOCK (hard) by filter 3 \"Block malware range\"", stdout);
        Assert.Contains("decision   PERMIT — no filter matched (default permit)", stdout);
        Assert.Contains("✓ IP_REMOTE_ADDRESS  equal  203.0.113.0/24   actual 203.0.113.10", stdout);
        Assert.Contains("✗ IP_REMOTE_PORT     equal  80               actual 443", stdout);
        Assert.DoesNotContain("\u001b[", stdout);
    }

    [Fact]
    public void Explain_NoArgumentsJson_GivesEveryScenarioDecision()
    {
        var (code, stdout, _) = CliRunner.Run("explain", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var decisions = doc.RootElement.GetProperty("scenarios").EnumerateArray()
            .Select(s => (s.GetProperty("decision").GetString(), s.GetProperty("filterId").GetUInt64(), s.GetProperty("hard").GetBoolean()))
            .ToList();
        Assert.Equal([("permit", 1UL, true), ("block", 3UL, true), ("permit", 2UL, false), ("permit", 0UL, false)], decisions);
        var first = doc.RootElement.GetProperty("scenarios")[0];
        var blockFilter = first.GetProperty("filters").EnumerateArray().Single(f => f.GetProperty("filterId").GetUInt64() == 4);
        Assert.Equal("terminated", blockFilter.GetProperty("outcome").GetString());
        Assert.Equal("block", blockFilter.GetProperty("returned").GetString());
        Assert.False(blockFilter.GetProperty("decided").GetBoolean());
        var condition = blockFilter.GetProperty("conditions")[0];
        Assert.Equal("IP_REMOTE_ADDRESS", condition.GetProperty("field").GetString());
        Assert.Equal("203.0.113.0/24", condition.GetProperty("value").GetString());
        Assert.Equal("203.0.113.10", condition.GetProperty("actual").GetString());
        Assert.True(condition.GetProperty("held").GetBoolean());
    }

    [Fact]
    public void Explain_WithPolicy_ShowsSkippedFilterAndDecision()
    {
        var (code, stdout, stderr) = CliRunner.Run("explain", "--policy", CliRunner.SamplePolicy, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_ADDRESS=203.0.113.10", "--value", "IP_REMOTE_PORT=443");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("→ skipped: not evaluated: a higher-weight filter already terminated this sublayer", stdout);
        Assert.Contains("decision   PERMIT (hard) by filter 1", stdout);
    }

    [Fact]
    public void Help_TeachesWithExamples()
    {
        var (code, stdout, _) = CliRunner.Run("explain", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Examples:", stdout);
        Assert.Contains("--value", stdout);
    }

    [Fact]
    public void Explain_Color_OnlyWhenAllowed()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, WfpCli.Run(["explain"], new CliConsole(stdout, stderr, Color: true)));
        Assert.Contains("\u001b[32m✓\u001b[0m", stdout.ToString());
        Assert.Contains("\u001b[31m✗\u001b[0m", stdout.ToString());
    }

    [Fact]
    public void Explain_UnregisteredInspectionCallout_Continues()
    {
        const string text = """
            { "version": 1,
              "callouts": [ { "name": "Inspector", "layer": "ALE_AUTH_CONNECT_V4" } ],
              "filters": [ { "name": "inspect all", "layer": "ALE_AUTH_CONNECT_V4", "action": { "callout": "Inspector", "type": "inspection" } } ] }
            """;
        using var policy = CliRunner.File(text);
        var (code, stdout, _) = CliRunner.Run("explain", "-p", policy.Path, "-l", "ALE_AUTH_CONNECT_V4");
        Assert.Equal(0, code);
        Assert.Contains("filter 1 \"inspect all\"  [callout inspection", stdout);
        Assert.Contains("(no conditions: matches everything)", stdout);
        Assert.Contains("→ continue: inspection callout not registered: skipped", stdout);
        Assert.Contains("no filter matched (default permit)", stdout);
    }

    [Fact]
    public void Explain_LayerWithoutFilters_SaysSo()
    {
        var (code, stdout, _) = CliRunner.Run("explain", "-p", CliRunner.SamplePolicy, "-l", "ALE_AUTH_RECV_ACCEPT_V4", "-v", "IP_LOCAL_PORT=22");
        Assert.Equal(0, code);
        Assert.Contains("(the policy has no filters at ALE_AUTH_RECV_ACCEPT_V4)", stdout);
    }
}
