using System.Text.Json;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary><c>wfp apply</c> and <c>wfp show</c> against a real wfpd.</summary>
public sealed class ApplyShowTests
{
    [Fact]
    public async Task ApplyTheSamplePolicyPrintsTheCountsAndShowFiltersListsThem()
    {
        await using var wfpd = await WfpdProcess.StartAsync();

        var applied = CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);
        Assert.Contains($"applied {CliRunner.SamplePolicy} to wfpd at {wfpd.Socket} in one transaction", applied);
        Assert.Contains("  providers  1\n", applied);
        Assert.Contains("  sublayers  2\n", applied);
        Assert.Contains("  callouts   0\n", applied);
        Assert.Contains("  filters    4  (ids 1-4)\n", applied);

        var lines = CliRunner.Ok("show", "filters", "--socket", wfpd.Socket).TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^id\s+name\s+layer\s+sublayer\s+action\s+flags\s+weight\s+conditions$", lines[0]);
        Assert.Matches(@"^ 1  Allow update server \(hard\)\s+ALE_AUTH_CONNECT_V4\s+Corp baseline\s+permit\s+hard\s+0x000000000000000a\s+IP_REMOTE_ADDRESS == 203\.0\.113\.10 and IP_PROTOCOL == tcp and IP_REMOTE_PORT == 443$", lines[1]);
        Assert.EndsWith("IP_PROTOCOL == tcp and (IP_REMOTE_PORT == 80 or IP_REMOTE_PORT == 443)", lines[2]);
        Assert.Matches(@"^ 3  Block malware range\s+ALE_AUTH_CONNECT_V4\s+Security team\s+block\s+-\s+0x0b00000000000000\s+IP_REMOTE_ADDRESS in 198\.51\.100\.0/24$", lines[3]);

        // Columns line up: every row has its layer where the header has it.
        var layerColumn = lines[0].IndexOf("layer", StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.Equal("ALE_AUTH_CONNECT_V4", l.Substring(layerColumn, "ALE_AUTH_CONNECT_V4".Length)));
    }

    [Fact]
    public async Task ApplyAddsTheFilesProviderContexts_BeforeTheFiltersThatUseThem()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        var dir = Directory.CreateTempSubdirectory("wfp-apply-").FullName;
        try
        {
            var file = Path.Combine(dir, "contexts.json");
            File.WriteAllText(file, """
                { "version": 1,
                  "providerContexts": [ { "key": "5c0e7a1e-0000-4000-8000-000000000001", "name": "Blocklist", "type": "FWPM_GENERAL_CONTEXT", "data": "504f5354" } ],
                  "filters": [ { "name": "Uses it", "layer": "ALE_AUTH_CONNECT_V4", "action": "permit", "flags": ["HAS_PROVIDER_CONTEXT"],
                                 "providerContext": "5c0e7a1e-0000-4000-8000-000000000001" } ] }
                """);

            CliRunner.Ok("apply", file, "--socket", wfpd.Socket);

            var contexts = CliRunner.Ok("show", "provider-contexts", "--socket", wfpd.Socket);
            Assert.Contains("Blocklist", contexts, StringComparison.Ordinal);
            using var filters = JsonDocument.Parse(CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json"));
            var filter = Assert.Single(filters.RootElement.GetProperty("filters").EnumerateArray());
            Assert.Equal("5c0e7a1e-0000-4000-8000-000000000001", filter.GetProperty("providerContextKey").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ShowFiltersJsonIsOneDocumentWithTheFiltersAndTheirConditions()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        using var doc = JsonDocument.Parse(CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json"));
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(wfpd.Socket, root.GetProperty("socket").GetString());
        var filters = root.GetProperty("filters").EnumerateArray().ToList();
        Assert.Equal([1UL, 2, 3, 4], filters.Select(f => f.GetProperty("filterId").GetUInt64()));
        var web = filters[1];
        Assert.Equal("Allow web (soft)", web.GetProperty("name").GetString());
        Assert.Equal("ALE_AUTH_CONNECT_V4", web.GetProperty("layer").GetString());
        Assert.Equal("Corp baseline", web.GetProperty("sublayer").GetString());
        Assert.Equal("permit", web.GetProperty("action").GetString());
        Assert.Equal(5UL, web.GetProperty("weight").GetUInt64());
        Assert.Equal(
            ["IP_PROTOCOL == tcp", "IP_REMOTE_PORT == 80", "IP_REMOTE_PORT == 443"],
            web.GetProperty("conditions").EnumerateArray().Select(c => $"{c.GetProperty("field").GetString()} {c.GetProperty("op").GetString()} {c.GetProperty("value").GetString()}"));
        Assert.Equal(["CLEAR_ACTION_RIGHT"], filters[0].GetProperty("flags").EnumerateArray().Select(f => f.GetString()));

        // --layer narrows the list.
        using var none = JsonDocument.Parse(CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json", "--layer", "ALE_AUTH_RECV_ACCEPT_V4"));
        Assert.Equal(0, none.RootElement.GetProperty("filters").GetArrayLength());
        Assert.Equal("no filters at ALE_AUTH_RECV_ACCEPT_V4\n", CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_RECV_ACCEPT_V4"));
    }

    [Fact]
    public async Task ShowSublayersProvidersCalloutsAndState()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        Assert.Equal("no filters\n", CliRunner.Ok("show", "filters", "--socket", wfpd.Socket));
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        var sublayers = CliRunner.Ok("show", "sublayers", "--socket", wfpd.Socket).Split('\n');
        Assert.Matches(@"^weight\s+name\s+key\s+provider\s+flags$", sublayers[0]);
        Assert.Matches(@"^0x8000  Corp baseline  ab7aa3d0-eb82-8036-9b87-c0d6fbf2309e  Contoso IT  -$", sublayers[1]);
        Assert.Matches(@"^0x4000  Security team  818f1a92-8379-8e4c-b617-a412e96ff9a8  Contoso IT  -$", sublayers[2]);
        Assert.Matches(@"^\(\d+ built-in sublayers not shown; --all lists them\)$", sublayers[3]);
        var all = CliRunner.Ok("show", "sublayers", "--socket", wfpd.Socket, "--all");
        Assert.Contains("FWPM_SUBLAYER_UNIVERSAL", all);
        Assert.Contains("built-in", all);

        Assert.Matches(@"^name\s+key\s+service\s+flags\nContoso IT  4215c51d-abdd-8878-aecc-fae1e83394ae  -\s+-\n", CliRunner.Ok("show", "providers", "--socket", wfpd.Socket));
        Assert.StartsWith("no callouts besides the ", CliRunner.Ok("show", "callouts", "--socket", wfpd.Socket));
        Assert.Contains("FWPM_CALLOUT_", CliRunner.Ok("show", "callouts", "--socket", wfpd.Socket, "--all"));

        var state = CliRunner.Ok("show", "state", "--socket", wfpd.Socket);
        Assert.StartsWith($"wfpd at {wfpd.Socket}, policy generation ", state);
        Assert.Matches(@"\n  providers          1  \(\+\d+ built-in\)\n", state);
        Assert.Matches(@"\n  sublayers          2  \(\+\d+ built-in\)\n", state);
        Assert.Contains("\n  filters            4  (0 persistent, 0 boot-time, 0 disabled)\n", state);
        Assert.Matches(@"\n  layer\s+filters\s+permit\s+block\s+callout\n  ALE_AUTH_CONNECT_V4\s+4\s+2\s+2\s+0\n", state);

        using var json = JsonDocument.Parse(CliRunner.Ok("show", "state", "--socket", wfpd.Socket, "--json"));
        Assert.Equal(4, json.RootElement.GetProperty("filters").GetProperty("count").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("sublayers").GetProperty("count").GetInt32());
        var layer = Assert.Single(json.RootElement.GetProperty("layers").EnumerateArray());
        Assert.Equal("ALE_AUTH_CONNECT_V4", layer.GetProperty("layer").GetString());
        Assert.Equal(2, layer.GetProperty("block").GetInt32());
    }

    [Fact]
    public async Task ApplyOfAPolicyWithOneBadObjectAppliesNothingAndNamesIt()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);
        var before = CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json");
        var providersBefore = CliRunner.Ok("show", "providers", "--socket", wfpd.Socket);

        // A new provider, sublayer and a good filter first: all of it must vanish with the bad filter's refusal.
        using var bad = CliRunner.File("""
            {
              "version": 1,
              "providers": [ { "name": "Bad Inc" } ],
              "sublayers": [ { "name": "Bad sublayer", "weight": 100, "provider": "Bad Inc" } ],
              "filters": [
                { "name": "Good one", "layer": "ALE_AUTH_CONNECT_V4", "sublayer": "Bad sublayer", "action": "block",
                  "conditions": [ { "field": "IP_REMOTE_PORT", "match": "equal", "value": 25 } ] },
                { "name": "Bad one", "layer": "ALE_AUTH_CONNECT_V4", "sublayer": "Bad sublayer", "action": "block",
                  "conditions": [ { "field": "IP_REMOTE_PORT", "match": "ends-with", "value": 25 } ] }
              ]
            }
            """);
        var error = CliRunner.Fails("apply", bad.Path, "--socket", wfpd.Socket);
        Assert.Matches($@"^wfp: apply {System.Text.RegularExpressions.Regex.Escape(bad.Path)}: filters\[1\] ""Bad one"" \{{[0-9a-f-]{{36}}\}}: .*FWP_MATCH_PREFIX does not apply to FWP_UINT16 \[FWP_E_MATCH_TYPE_MISMATCH\]; nothing applied$", error);

        Assert.Equal(before, CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json"));
        Assert.Equal(providersBefore, CliRunner.Ok("show", "providers", "--socket", wfpd.Socket));
        Assert.DoesNotContain("Bad sublayer", CliRunner.Ok("show", "sublayers", "--socket", wfpd.Socket));
    }

    [Fact]
    public async Task ApplyingTheSamePolicyTwiceIsRefusedWithAlreadyExists()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        var error = CliRunner.Fails("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);
        Assert.Contains("providers[0] \"Contoso IT\" {4215c51d-abdd-8878-aecc-fae1e83394ae}: ", error);
        Assert.EndsWith("[FWP_E_ALREADY_EXISTS]; nothing applied", error);
        Assert.Equal(4, CliRunner.Ok("show", "filters", "--socket", wfpd.Socket).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
    }

    [Fact]
    public async Task ApplyJsonReportsTheNewFilterIds()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        using var doc = JsonDocument.Parse(CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket, "--json"));
        Assert.Equal(4, doc.RootElement.GetProperty("filters").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("sublayers").GetInt32());
        Assert.Equal([1UL, 2, 3, 4], doc.RootElement.GetProperty("filterIds").EnumerateArray().Select(e => e.GetUInt64()));
    }
}
