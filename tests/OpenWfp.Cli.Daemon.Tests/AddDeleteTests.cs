using System.Text.Json;
using System.Text.RegularExpressions;
using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary><c>wfp add filter</c>, <c>wfp delete filter</c> and <c>wfp classify --socket</c> against a real wfpd.</summary>
public sealed partial class AddDeleteTests
{
    [Fact]
    public async Task AddedFilterIsHitByClassifyThroughTheDaemon()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        var added = CliRunner.Ok(
            "add", "filter", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_CONNECT_V4",
            "--condition", "IP_PROTOCOL == tcp", "--condition", "IP_REMOTE_PORT == 23", "--condition", "IP_REMOTE_PORT == 2323",
            "--action", "block", "--name", "Block telnet");
        var m = AddedLine().Match(added);
        Assert.True(m.Success, added);
        Assert.Equal("5", m.Groups["id"].Value);
        var key = m.Groups["key"].Value;
        Assert.Contains("IP_PROTOCOL == tcp and (IP_REMOTE_PORT == 23 or IP_REMOTE_PORT == 2323)", added);

        // Both ports (OR within the field) with tcp (AND across fields); not udp.
        foreach (var port in new[] { "23", "2323" })
        {
            var hit = CliRunner.Ok("classify", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_PORT=" + port, "--value", "IP_REMOTE_ADDRESS=192.0.2.1");
            Assert.Contains($"policy     wfpd at {wfpd.Socket}\n", hit);
            Assert.Contains($"decision   BLOCK (hard) by filter 5 \"Block telnet\" {{{key}}}\n", hit);
            Assert.Contains("FWPM_SUBLAYER_UNIVERSAL", hit);
        }

        var udp = CliRunner.Ok("classify", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=udp", "--value", "IP_REMOTE_PORT=23", "--value", "IP_REMOTE_ADDRESS=192.0.2.1");
        Assert.Contains("decision   PERMIT — no filter matched (default permit)\n", udp);

        // The sample's sublayers still decide what they decided, through the daemon too.
        using var json = JsonDocument.Parse(CliRunner.Ok(
            "classify", "--socket", wfpd.Socket, "--json", "--layer", "ALE_AUTH_CONNECT_V4",
            "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_ADDRESS=198.51.100.7", "--value", "IP_REMOTE_PORT=443"));
        var root = json.RootElement;
        Assert.Equal("block", root.GetProperty("decision").GetString());
        Assert.Equal(3UL, root.GetProperty("filterId").GetUInt64());
        Assert.Equal("Block malware range", root.GetProperty("filterName").GetString());
        Assert.Equal(
            ["Corp baseline:2:permit", "Security team:3:block"],
            root.GetProperty("sublayers").EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()}:{s.GetProperty("filterId").GetUInt64()}:{s.GetProperty("action").GetString()}"));
    }

    [Fact]
    public async Task AddFilterTakesRangesPrefixesWeightsSublayersByNameAndFlags()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        using var doc = JsonDocument.Parse(CliRunner.Ok(
            "add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_CONNECT_V4",
            "-c", "IP_REMOTE_ADDRESS in 10.0.0.0/8", "-c", "IP_REMOTE_PORT in 1024-65535", "-c", "ALE_APP_ID == \"/opt/my app/bin/tool\"",
            "-a", "permit", "--hard", "--sublayer", "Security team", "--weight", "range:3", "--json"));
        var f = doc.RootElement.GetProperty("filter");
        Assert.Equal("Security team", f.GetProperty("sublayer").GetString());
        Assert.Equal("range:3", f.GetProperty("weight").GetString());
        Assert.Equal(["CLEAR_ACTION_RIGHT"], f.GetProperty("flags").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(
            "IP_REMOTE_ADDRESS in 10.0.0.0/8 and IP_REMOTE_PORT in 1024-65535 and ALE_APP_ID == /opt/my app/bin/tool",
            f.GetProperty("conditionsText").GetString());
        Assert.Equal(["equal", "range", "equal"], f.GetProperty("conditions").EnumerateArray().Select(c => c.GetProperty("match").GetString()));
        Assert.Equal(0x3UL, f.GetProperty("effectiveWeight").GetUInt64() >> 60);

        var hit = CliRunner.Ok("classify", "--socket", wfpd.Socket, "-l", "ALE_AUTH_CONNECT_V4", "-v", "IP_REMOTE_ADDRESS=10.1.2.3", "-v", "IP_REMOTE_PORT=8080", "-v", "ALE_APP_ID=/opt/my app/bin/tool");
        Assert.Contains($"decision   PERMIT (hard) by filter {f.GetProperty("filterId").GetUInt64()} ", hit);

        // A weight as a number is used as is.
        using var heavy = JsonDocument.Parse(CliRunner.Ok("add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-w", "0x10", "--json"));
        Assert.Equal(16UL, heavy.RootElement.GetProperty("filter").GetProperty("effectiveWeight").GetUInt64());
        Assert.Equal("block everything at ALE_AUTH_CONNECT_V4", heavy.RootElement.GetProperty("filter").GetProperty("name").GetString());
    }

    [Fact]
    public async Task DeleteByIdAndByKey()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);

        Assert.Equal("deleted filter 2 \"Allow web (soft)\" {3f66af64-a292-8a62-abc1-6dc8686739c7}\n", CliRunner.Ok("delete", "filter", "2", "--socket", wfpd.Socket));
        Assert.Equal("deleted filter 3 \"Block malware range\" {4e210407-d7b1-87f8-91ff-c86edcf48f64}\n", CliRunner.Ok("delete", "filter", "4e210407-d7b1-87f8-91ff-c86edcf48f64", "--socket", wfpd.Socket));

        using var doc = JsonDocument.Parse(CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json"));
        Assert.Equal([1UL, 4], doc.RootElement.GetProperty("filters").EnumerateArray().Select(f => f.GetProperty("filterId").GetUInt64()));

        Assert.Equal("wfp: delete filter 2: no filter id 2 [FWP_E_FILTER_NOT_FOUND]", CliRunner.Fails("delete", "filter", "2", "--socket", wfpd.Socket));
        Assert.Equal(
            "wfp: delete filter 4e210407-d7b1-87f8-91ff-c86edcf48f64: no filter {4e210407-d7b1-87f8-91ff-c86edcf48f64} [FWP_E_FILTER_NOT_FOUND]",
            CliRunner.Fails("delete", "filter", "4e210407-d7b1-87f8-91ff-c86edcf48f64", "--socket", wfpd.Socket));
    }

    [Fact]
    public async Task DeleteOfAMissingIdNamesTheError()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        Assert.Equal("wfp: delete filter 123: no filter id 123 [FWP_E_FILTER_NOT_FOUND]", CliRunner.Fails("delete", "filter", "123", "--socket", wfpd.Socket));
    }

    [Fact]
    public async Task APersistentFilterIsBackAfterARestartAndTheLifetimeRuleIsReported()
    {
        var dir = WfpdProcess.NewStateDirectory();
        try
        {
            await using (var wfpd = await WfpdProcess.StartAsync(dir))
            {
                CliRunner.Ok("add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_RECV_ACCEPT_V4", "-c", "IP_LOCAL_PORT == 22", "-a", "block", "--persistent", "--name", "No ssh");
                CliRunner.Ok("add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_RECV_ACCEPT_V4", "-c", "IP_LOCAL_PORT == 80", "-a", "block", "--name", "Gone after restart");

                // A persistent filter in a sublayer that is not persistent: WFP's lifetime rule, named.
                CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);
                var error = CliRunner.Fails("add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "--persistent", "--sublayer", "Corp baseline");
                Assert.StartsWith("wfp: add filter: ", error);
                Assert.EndsWith("[FWP_E_LIFETIME_MISMATCH]", error);
            }

            await using (var again = await WfpdProcess.StartAsync(dir))
            {
                var filters = CliRunner.Ok("show", "filters", "--socket", again.Socket);
                Assert.Contains("No ssh", filters);
                Assert.Contains("persistent", filters);
                Assert.DoesNotContain("Gone after restart", filters);
            }
        }
        finally
        {
            WfpdProcess.DeleteDirectory(dir);
        }
    }

    [GeneratedRegex(@"^added filter (?<id>\d+) ""Block telnet"" \{(?<key>[0-9a-f-]{36})\}\n")]
    private static partial Regex AddedLine();
}
