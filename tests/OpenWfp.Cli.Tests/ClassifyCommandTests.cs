using System.Text.Json;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests;

public class ClassifyCommandTests
{
    [Theory]
    [InlineData("203.0.113.10", "443", "permit", 1, true, 2)]
    [InlineData("198.51.100.7", "443", "block", 3, true, 2)]
    [InlineData("192.0.2.80", "80", "permit", 2, false, 1)]
    [InlineData("203.0.113.99", "8080", "block", 4, true, 1)]
    [InlineData("192.0.2.22", "22", "permit", 0, false, 0)]
    public void ClassifyJson_GivesDecisionAndDecidingFilter(string address, string port, string decision, int filterId, bool hard, int sublayers)
    {
        var (code, stdout, stderr) = CliRunner.Run("classify", "--policy", CliRunner.SamplePolicy, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", $"IP_REMOTE_ADDRESS={address}", "--value", $"FWPM_CONDITION_IP_REMOTE_PORT={port}", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("ALE_AUTH_CONNECT_V4", root.GetProperty("layer").GetString());
        Assert.Equal(decision, root.GetProperty("decision").GetString());
        Assert.Equal((ulong)filterId, root.GetProperty("filterId").GetUInt64());
        Assert.Equal(hard, root.GetProperty("hard").GetBoolean());
        Assert.False(root.GetProperty("vetoed").GetBoolean());
        Assert.Equal(sublayers, root.GetProperty("sublayers").GetArrayLength());
        if (filterId == 0)
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("filterKey").ValueKind);
        }
        else
        {
            Assert.True(Guid.TryParse(root.GetProperty("filterKey").GetString(), out _));
        }
    }

    [Fact]
    public void ClassifyJson_SublayersListTerminatingFiltersHighestWeightFirst()
    {
        var (_, stdout, _) = CliRunner.Run("classify", "-p", CliRunner.SamplePolicy, "-l", "ale_auth_connect_v4", "-v", "IP_PROTOCOL=6", "-v", "IP_REMOTE_ADDRESS=198.51.100.7", "-v", "IP_REMOTE_PORT=0x1bb", "--json");
        using var doc = JsonDocument.Parse(stdout);
        var subs = doc.RootElement.GetProperty("sublayers").EnumerateArray().ToList();
        Assert.Equal("Corp baseline", subs[0].GetProperty("name").GetString());
        Assert.Equal(0x8000, subs[0].GetProperty("weight").GetInt32());
        Assert.Equal("permit", subs[0].GetProperty("action").GetString());
        Assert.Equal(2UL, subs[0].GetProperty("filterId").GetUInt64());
        Assert.Equal("Security team", subs[1].GetProperty("name").GetString());
        Assert.Equal("block", subs[1].GetProperty("action").GetString());
        Assert.True(subs[1].GetProperty("decided").GetBoolean());
    }

    [Fact]
    public void ClassifyText_NamesDecisionFilterAndSublayers()
    {
        var (code, stdout, _) = CliRunner.Run("classify", "--policy", CliRunner.SamplePolicy, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_ADDRESS=198.51.100.7", "--value", "IP_REMOTE_PORT=443");
        Assert.Equal(0, code);
        Assert.Contains("decision   BLOCK (hard) by filter 3 \"Block malware range\"", stdout);
        Assert.Contains("Corp baseline  weight 0x8000  permit  filter 2 \"Allow web (soft)\"", stdout);
        Assert.Contains("◀ decides", stdout);
    }

    [Fact]
    public void ClassifyText_NoMatch_SaysDefaultPermit()
    {
        var (code, stdout, _) = CliRunner.Run("classify", "--policy", CliRunner.SamplePolicy, "--layer", "ALE_AUTH_CONNECT_V4");
        Assert.Equal(0, code);
        Assert.Contains("no filter matched (default permit)", stdout);
        Assert.Contains("values     none (every field FWP_EMPTY)", stdout);
    }
}
