using OpenWfp.Testing.Cli;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary><c>wfp export --socket</c> and <c>wfp explain --socket</c>: the daemon's policy, fetched and handled locally.</summary>
public sealed class DaemonPolicyTests
{
    [Fact]
    public async Task ExportGivesNetshXmlThatImportReadsBackWithTheSameFilters()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);
        CliRunner.Ok("add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_CONNECT_V4", "-c", "IP_REMOTE_PORT == 23", "-a", "block", "--name", "Block telnet");

        var xml = CliRunner.Ok("export", "--socket", wfpd.Socket);
        Assert.StartsWith("<?xml", xml);
        Assert.Contains("<wfpdiag>", xml);
        Assert.Contains("<filters numItems=\"5\">", xml);
        Assert.Contains("<name>Block telnet</name>", xml);
        Assert.Contains("<filterId>5</filterId>", xml);

        using var file = CliRunner.File(xml, ".xml");
        var imported = CliRunner.Ok("import", file.Path);
        Assert.Contains("  filters    5\n", imported);
        Assert.Contains("  sublayers  2\n", imported);
        Assert.Contains("skipped: none", imported);

        // --out writes the file and says how many filters.
        var outPath = Path.Combine(wfpd.StateDirectory, "daemon.xml");
        Assert.Equal($"wrote 5 filter(s) to {outPath}\n", CliRunner.Ok("export", "--socket", wfpd.Socket, "--out", outPath));
        Assert.Equal(xml.TrimEnd('\n'), File.ReadAllText(outPath).TrimEnd('\r', '\n'));
    }

    [Fact]
    public async Task AnExportAppliedToAnotherDaemonGivesTheSameFilters()
    {
        await using var first = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", first.Socket);
        CliRunner.Ok("add", "filter", "--socket", first.Socket, "-l", "ALE_AUTH_RECV_ACCEPT_V4", "-c", "IP_LOCAL_PORT in 1-1023", "-a", "block", "--sublayer", "Security team", "--name", "No low ports");
        using var xml = CliRunner.File(CliRunner.Ok("export", "--socket", first.Socket), ".xml");

        await using var second = await WfpdProcess.StartAsync();
        var applied = CliRunner.Ok("apply", xml.Path, "--socket", second.Socket);
        Assert.Contains("  filters    5  (ids 1-5)\n", applied);
        Assert.Equal(CliRunner.Ok("show", "filters", "--socket", first.Socket), CliRunner.Ok("show", "filters", "--socket", second.Socket));
        Assert.Equal(CliRunner.Ok("show", "sublayers", "--socket", first.Socket), CliRunner.Ok("show", "sublayers", "--socket", second.Socket));
    }

    [Fact]
    public async Task ExplainOnTheDaemonPolicyShowsTheFilterAndItsConditions()
    {
        await using var wfpd = await WfpdProcess.StartAsync();
        CliRunner.Ok("apply", CliRunner.SamplePolicy, "--socket", wfpd.Socket);
        CliRunner.Ok("add", "filter", "--socket", wfpd.Socket, "-l", "ALE_AUTH_CONNECT_V4", "-c", "IP_REMOTE_PORT == 23", "-a", "block", "--name", "Block telnet");

        var explain = CliRunner.Ok("explain", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_REMOTE_PORT=23", "--value", "IP_PROTOCOL=tcp");
        Assert.StartsWith($"policy     wfpd at {wfpd.Socket}\nlayer      ALE_AUTH_CONNECT_V4\n", explain);
        Assert.Contains("  sublayer \"FWPM_SUBLAYER_UNIVERSAL\"", explain);
        Assert.Contains("    filter 5 \"Block telnet\"  [block,", explain);
        Assert.Matches(@"✓ IP_REMOTE_PORT\s+equal\s+23\s+actual 23", explain);
        Assert.Contains("    filter 2 \"Allow web (soft)\"", explain);
        Assert.Matches(@"decision   BLOCK \(hard\) by filter 5 ""Block telnet"" \{[0-9a-f-]{36}\}\n$", explain);

        // The same classify through the daemon agrees.
        var classify = CliRunner.Ok("classify", "--socket", wfpd.Socket, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_REMOTE_PORT=23", "--value", "IP_PROTOCOL=tcp");
        Assert.Contains("decision   BLOCK (hard) by filter 5 \"Block telnet\"", classify);
    }
}
