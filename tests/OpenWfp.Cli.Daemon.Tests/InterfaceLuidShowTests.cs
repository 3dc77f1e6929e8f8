using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>Interface LUIDs in <c>wfp show filters</c>: by their parts in the table, the number in JSON.</summary>
public sealed class InterfaceLuidShowTests
{
    [Fact]
    public async Task ShowFiltersPrintsALuidByItsParts_AndJsonKeepsTheNumber()
    {
        await using var wfpd = await WfpdProcess.StartAsync();

        // IfType 6 in bits 48-63, NetLuidIndex 2 in bits 24-47.
        const string Luid = "1688849893818368";
        var added = CliRunner.Ok("add", "filter", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_CONNECT_V4", "--name", "Only via eth 2", "--condition", $"IP_LOCAL_INTERFACE == {Luid}", "--action", "block");
        Assert.EndsWith("\n  IP_LOCAL_INTERFACE == luid 0x0006000002000000 (iftype 6, index 2)\n", added);

        var row = CliRunner.Ok("show", "filters", "--socket", wfpd.Socket).TrimEnd('\n').Split('\n')[1];
        Assert.EndsWith("  IP_LOCAL_INTERFACE == luid 0x0006000002000000 (iftype 6, index 2)", row);

        using var doc = System.Text.Json.JsonDocument.Parse(CliRunner.Ok("show", "filters", "--socket", wfpd.Socket, "--json"));
        var filter = doc.RootElement.GetProperty("filters")[0];
        Assert.Equal($"IP_LOCAL_INTERFACE == {Luid}", filter.GetProperty("conditionsText").GetString());
        Assert.Equal(Luid, filter.GetProperty("conditions")[0].GetProperty("value").GetString());
    }
}
