using System.Text.Json;
using System.Text.RegularExpressions;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>
/// <c>wfp add</c> and <c>wfp delete</c> for providers, sublayers, callouts and provider contexts, <c>wfp add filter
/// --provider-context</c>, <c>wfp show layers|sessions|provider-contexts</c>, and a failure with several errors,
/// against a real wfpd.
/// </summary>
public sealed partial class ObjectCommandTests
{
    [Fact]
    public async Task EveryObjectKind_IsAddedByName_ReferencedByName_AndDeletedInReverse()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        var s = wfpd.Socket;

        var provider = CliRunner.Ok("add", "provider", "--name", "Contoso VPN", "--socket", s);
        Assert.Matches(AddedProvider(), provider);
        var sublayer = CliRunner.Ok("add", "sublayer", "--name", "Contoso rules", "--provider", "Contoso VPN", "--weight", "0x8000", "--socket", s);
        Assert.Matches(@"^added sublayer ""Contoso rules"" \{[0-9a-f-]{36}\}, weight 0x8000, provider Contoso VPN\n$", sublayer);
        using (var callout = JsonDocument.Parse(CliRunner.Ok("add", "callout", "--name", "Contoso inspect", "--layer", "ALE_AUTH_CONNECT_V4", "--provider", "Contoso VPN", "--json", "--socket", s)))
        {
            var c = callout.RootElement.GetProperty("callout");
            Assert.Equal(("Contoso inspect", "ALE_AUTH_CONNECT_V4", "Contoso VPN"), (c.GetProperty("name").GetString(), c.GetProperty("layer").GetString(), c.GetProperty("provider").GetString()));
        }

        var context = CliRunner.Ok("add", "provider-context", "--name", "proxy target", "--data", "10.0.0.5:3128", "--socket", s);
        Assert.Matches(@"^added provider context 1 ""proxy target"" \{[0-9a-f-]{36}\}, 13 bytes of data\n$", context);

        using (var filter = JsonDocument.Parse(CliRunner.Ok(
            "add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "callout:Contoso inspect", "--sublayer", "Contoso rules",
            "--provider", "Contoso VPN", "--provider-context", "proxy target", "-n", "inspect all", "--json", "--socket", s)))
        {
            var f = filter.RootElement.GetProperty("filter");
            Assert.Contains("HAS_PROVIDER_CONTEXT", f.GetProperty("flags").EnumerateArray().Select(x => x.GetString()));
            using var contexts = JsonDocument.Parse(CliRunner.Ok("show", "provider-contexts", "--json", "--socket", s));
            var pc = Assert.Single(contexts.RootElement.GetProperty("providerContexts").EnumerateArray());
            Assert.Equal(pc.GetProperty("key").GetString(), f.GetProperty("providerContextKey").GetString());
            Assert.Equal(("general", "10.0.0.5:3128", 13), (pc.GetProperty("type").GetString(), pc.GetProperty("data").GetString(), pc.GetProperty("dataLength").GetInt32()));
        }

        // What is referenced cannot go; the error names the WFP code.
        Assert.EndsWith("[FWP_E_IN_USE]", CliRunner.Fails("delete", "provider-context", "proxy target", "--socket", s));
        Assert.EndsWith("[FWP_E_IN_USE]", CliRunner.Fails("delete", "provider", "Contoso VPN", "--socket", s));

        CliRunner.Ok("delete", "filter", "1", "--socket", s);
        Assert.Matches(@"^deleted provider context 1 ""proxy target"" \{[0-9a-f-]{36}\}\n$", CliRunner.Ok("delete", "provider-context", "1", "--socket", s));
        Assert.StartsWith("deleted callout ", CliRunner.Ok("delete", "callout", "Contoso inspect", "--socket", s), StringComparison.Ordinal);
        using (var deleted = JsonDocument.Parse(CliRunner.Ok("delete", "sublayer", "Contoso rules", "--json", "--socket", s)))
        {
            Assert.Equal(("sublayer", "Contoso rules"), (deleted.RootElement.GetProperty("deleted").GetString(), deleted.RootElement.GetProperty("name").GetString()));
        }

        var key = AddedProvider().Match(provider).Groups["key"].Value;
        Assert.Equal($"deleted provider \"Contoso VPN\" {{{key}}}\n", CliRunner.Ok("delete", "provider", key, "--socket", s));
        Assert.Equal("no provider contexts\n", CliRunner.Ok("show", "provider-contexts", "--socket", s));
        Assert.Equal(
            "wfp: delete provider Contoso VPN: wfpd has no provider named \"Contoso VPN\" (give a key, a built-in name, or a name 'wfp show providers' lists)",
            CliRunner.Fails("delete", "provider", "Contoso VPN", "--socket", s));
    }

    [Fact]
    public async Task PersistentObjects_AreBackAfterARestart()
    {
        var dir = WfpdProcess.NewStateDirectory();
        try
        {
            await using (var wfpd = await WfpdProcess.StartAsync(dir))
            {
                CliRunner.Ok("add", "provider", "--name", "Kept", "--persistent", "--socket", wfpd.Socket);
                CliRunner.Ok("add", "sublayer", "--name", "Kept rules", "--provider", "Kept", "--persistent", "--socket", wfpd.Socket);
                CliRunner.Ok("add", "provider-context", "--name", "kept data", "--data", "héllo", "--persistent", "--socket", wfpd.Socket);
                CliRunner.Ok("add", "sublayer", "--name", "Transient", "--socket", wfpd.Socket);
            }

            await using var again = await WfpdProcess.StartAsync(dir);
            Assert.Contains("Kept", CliRunner.Ok("show", "providers", "--socket", again.Socket));
            var sublayers = CliRunner.Ok("show", "sublayers", "--socket", again.Socket);
            Assert.Contains("Kept rules", sublayers);
            Assert.DoesNotContain("Transient", sublayers);
            Assert.Contains("\"héllo\"", CliRunner.Ok("show", "provider-contexts", "--socket", again.Socket));
        }
        finally
        {
            WfpdProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task BadOptions_AreOneLineErrors_BeforeAnyConnection()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        Assert.Equal(
            "wfp: --weight 70000: a sublayer's weight is a number from 0 to 65535 (decimal or 0x hex)",
            CliRunner.Fails("add", "sublayer", "--name", "x", "--weight", "70000", "--socket", wfpd.Socket));
        Assert.StartsWith("wfp: --layer NOPE: unknown layer", CliRunner.Fails("add", "callout", "--name", "x", "--layer", "NOPE", "--socket", wfpd.Socket), StringComparison.Ordinal);
        Assert.StartsWith("wfp: Option '--data' is required", CliRunner.Fails("add", "provider-context", "--name", "x", "--socket", wfpd.Socket), StringComparison.Ordinal);
        Assert.Equal(
            "wfp: --provider-context nothing: wfpd has no provider-context named \"nothing\" (give a key, a built-in name, or a name 'wfp show provider-contexts' lists)",
            CliRunner.Fails("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "--provider-context", "nothing", "--socket", wfpd.Socket));
        Assert.Equal(
            "wfp: --key 123: expected a non-zero GUID such as 9b0e1a3c-0d7f-4c55-a1d2-3e4f5a6b7c8d",
            CliRunner.Fails("add", "provider", "--name", "x", "--key", "123", "--socket", wfpd.Socket));
    }

    [Fact]
    public async Task AFailureWithSeveralErrors_PrintsEachOnItsOwnLine()
    {
        await using var wfpd = await WfpdProcess.StartAsync();

        var r = CliRunner.Run(
            "add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-n", "two mistakes",
            "--sublayer", "11111111-1111-1111-1111-111111111111", "--provider", "22222222-2222-2222-2222-222222222222", "--socket", wfpd.Socket);

        Assert.Equal(1, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("wfp: add filter: filter \"two mistakes\"", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("no sublayer has key {11111111-1111-1111-1111-111111111111} [FWP_E_SUBLAYER_NOT_FOUND]", lines[0], StringComparison.Ordinal);
        Assert.Equal("  providerKey: no provider has key {22222222-2222-2222-2222-222222222222} [FWP_E_PROVIDER_NOT_FOUND]", lines[1]);
    }

    [Fact]
    public async Task ShowLayers_ListsEveryLayer_AndOneLayersFields()
    {
        await using var wfpd = await WfpdProcess.StartAsync();

        var all = CliRunner.Ok("show", "layers", "--socket", wfpd.Socket);
        Assert.Matches(@"(?m)^\s*48\s+ALE_AUTH_CONNECT_V4\s+kernel\s+\d+$", all);

        var one = CliRunner.Ok("show", "layers", "--layer", "ALE_AUTH_CONNECT_V4", "--socket", wfpd.Socket);
        Assert.StartsWith("FWPM_LAYER_ALE_AUTH_CONNECT_V4  (layer id 48, kernel)\n", one, StringComparison.Ordinal);
        Assert.Contains("  default sublayer  FWPM_SUBLAYER_UNIVERSAL\n", one, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  IP_REMOTE_PORT\s+FWP_UINT16\s+raw\s+c35a604d-d22b-4e1a-91b4-68f674ee674b$", one);

        using var json = JsonDocument.Parse(CliRunner.Ok("show", "layers", "--json", "--layer", "FWPM_LAYER_ALE_AUTH_CONNECT_V6", "--socket", wfpd.Socket));
        var layer = Assert.Single(json.RootElement.GetProperty("layers").EnumerateArray());
        Assert.Equal(("ALE_AUTH_CONNECT_V6", 50), (layer.GetProperty("name").GetString(), layer.GetProperty("layerId").GetInt32()));
        var address = Assert.Single(layer.GetProperty("fields").EnumerateArray(), f => f.GetProperty("name").GetString() == "IP_REMOTE_ADDRESS");
        Assert.Equal(("FWP_BYTE_ARRAY16_TYPE", "ip-address"), (address.GetProperty("dataType").GetString(), address.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task ShowSessions_ListsTheCommandsOwnSession()
    {
        await using var wfpd = await WfpdProcess.StartAsync();

        var text = CliRunner.Ok("show", "sessions", "--socket", wfpd.Socket);
        Assert.Matches(@"(?m)^[0-9a-f-]{36}\s+wfp command line \(this command\)\s+static\s+15000 ms\s+\d+\s+root\s+-$", text);

        using var json = JsonDocument.Parse(CliRunner.Ok("show", "sessions", "--json", "--socket", wfpd.Socket));
        var self = Assert.Single(json.RootElement.GetProperty("sessions").EnumerateArray(), x => x.GetProperty("self").GetBoolean());
        Assert.Equal(("wfp command line", "S-1-22-1-0", false, Environment.ProcessId), (self.GetProperty("name").GetString(), self.GetProperty("sid").GetString(), self.GetProperty("kernelMode").GetBoolean(), self.GetProperty("processId").GetInt32()));
    }

    [GeneratedRegex(@"^added provider ""Contoso VPN"" \{(?<key>[0-9a-f-]{36})\}\n$")]
    private static partial Regex AddedProvider();
}
