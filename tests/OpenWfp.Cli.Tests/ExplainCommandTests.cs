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

    [Fact]
    public void Explain_SaysConditionsOnOneFieldAreOred_UnderTheFiltersThatHaveThem()
    {
        var (code, stdout, _) = CliRunner.Run("explain");
        Assert.Equal(0, code);
        var lines = stdout.ReplaceLineEndings("\n").Split('\n');
        const string Note = "        (conditions on one field are OR-ed, here IP_REMOTE_PORT: one of them must hold; different fields are AND-ed)";

        // Filter 2 ("Allow web (soft)": port 80 or 443) is the only one with two conditions on a field; the sample
        // shows it in each of its scenarios, right after its conditions.
        var at = lines.Select((l, i) => (l, i)).Where(x => x.l == Note).Select(x => x.i).ToList();
        Assert.NotEmpty(at);
        Assert.Equal(lines.Count(l => l.StartsWith("    filter 2 ", StringComparison.Ordinal)), at.Count);
        Assert.All(at, i => Assert.Matches(@"^        [✓✗] IP_REMOTE_PORT     equal  443 ", lines[i - 1]));
        Assert.All(at, i => Assert.Matches(@"^        [✓✗] IP_REMOTE_PORT     equal  80 ", lines[i - 2]));
        Assert.DoesNotContain(lines, l => l.Contains("OR-ed", StringComparison.Ordinal) && l != Note);
    }

    [Fact]
    public void Explain_SeveralRepeatedFields_AreNamedTogether()
    {
        const string text = """
            { "version": 1,
              "filters": [ { "name": "two sets", "layer": "ALE_AUTH_CONNECT_V4", "action": "block", "conditions": [
                { "field": "IP_REMOTE_PORT", "match": "equal", "value": "23" },
                { "field": "IP_PROTOCOL", "match": "equal", "value": "tcp" },
                { "field": "IP_REMOTE_PORT", "match": "equal", "value": "2323" },
                { "field": "IP_PROTOCOL", "match": "equal", "value": "udp" } ] } ] }
            """;
        using var policy = CliRunner.File(text);
        var (code, stdout, _) = CliRunner.Run("explain", "-p", policy.Path, "-l", "ALE_AUTH_CONNECT_V4", "-v", "IP_REMOTE_PORT=23", "-v", "IP_PROTOCOL=udp");
        Assert.Equal(0, code);
        Assert.Contains("\n        (conditions on one field are OR-ed, here IP_REMOTE_PORT and IP_PROTOCOL: one of each must hold; different fields are AND-ed)\n", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void InterfaceLuids_ReadByTheirParts_InTextOnly()
    {
        // NET_LUID: IfType 6 (ethernetCsmacd) in bits 48-63, NetLuidIndex 1 in bits 24-47.
        const ulong Luid = (6UL << 48) | (1UL << 24);
        Assert.Equal("luid 0x0006000001000000 (iftype 6, index 1)", Output.FieldText.Luid(Luid));
        Assert.Equal("luid 0x0018008000000000 (iftype 24, index 32768)", Output.FieldText.Luid((24UL << 48) | (32768UL << 24)));
        var text = $$"""
            { "version": 1,
              "filters": [ { "name": "eth 1", "layer": "ALE_AUTH_CONNECT_V4", "action": "block", "conditions": [
                { "field": "IP_LOCAL_INTERFACE", "match": "equal", "value": "{{Luid}}" } ] } ] }
            """;
        using var policy = CliRunner.File(text);
        string[] args = ["explain", "-p", policy.Path, "-l", "ALE_AUTH_CONNECT_V4", "-v", $"IP_LOCAL_INTERFACE={Luid}", "-v", "INTERFACE_INDEX=1"];
        var (code, stdout, _) = CliRunner.Run(args);
        Assert.Equal(0, code);
        var output = stdout.ReplaceLineEndings("\n");
        Assert.Contains("values     IP_LOCAL_INTERFACE=luid 0x0006000001000000 (iftype 6, index 1)  INTERFACE_INDEX=1\n", output, StringComparison.Ordinal);
        Assert.Contains("✓ IP_LOCAL_INTERFACE  equal  luid 0x0006000001000000 (iftype 6, index 1)  actual luid 0x0006000001000000 (iftype 6, index 1)\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Luid.ToString(System.Globalization.CultureInfo.InvariantCulture), output, StringComparison.Ordinal);

        // JSON keeps the number, as the policy format writes it.
        var (jsonCode, json, _) = CliRunner.Run([.. args, "--json"]);
        Assert.Equal(0, jsonCode);
        using var doc = JsonDocument.Parse(json);
        var condition = doc.RootElement.GetProperty("filters")[0].GetProperty("conditions")[0];
        Assert.Equal("1688849877041152", condition.GetProperty("value").GetString());
        Assert.Equal("1688849877041152", condition.GetProperty("actual").GetString());
        Assert.DoesNotContain("luid", json, StringComparison.Ordinal);
    }
}
