using System.Text.Json;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Netsh;

public class NetshCliTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Netsh", "Data", name);

    [Fact]
    public void Classify_PolicyIsNetshFiltersXml_DecidesWithWindowsFilterId()
    {
        var (code, stdout, stderr) = CliRunner.Run("classify", "--policy", Data("filters.xml"), "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_PORT=23", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("block", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal(65001UL, doc.RootElement.GetProperty("filterId").GetUInt64());
        Assert.Equal("a1000000-0000-4000-8000-000000000001", doc.RootElement.GetProperty("filterKey").GetString());

        // The items it could not import are listed on stderr, one per line, with their element paths.
        Assert.Contains("6 item(s) not imported", stderr, StringComparison.Ordinal);
        Assert.Contains("/wfpdiag/filters/item[7]/layerKey", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_PolicyIsStateDump_UsesItsSublayerWeights()
    {
        var (code, stdout, _) = CliRunner.Run("classify", "--policy", Data("wfpstate.xml"), "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_REMOTE_PORT=53", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("block", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal(70002UL, doc.RootElement.GetProperty("filterId").GetUInt64());
        var sublayers = doc.RootElement.GetProperty("sublayers");
        Assert.Equal(2, sublayers.GetArrayLength());
    }

    [Fact]
    public void ImportJson_GivesCountsAndSkippedItems()
    {
        var (code, stdout, stderr) = CliRunner.Run("import", Data("wfpstate.xml"), "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("providers").GetInt32());
        Assert.Equal(1, root.GetProperty("sublayers").GetInt32());
        Assert.Equal(1, root.GetProperty("callouts").GetInt32());
        Assert.Equal(3, root.GetProperty("filters").GetInt32());
        Assert.Equal("state", root.GetProperty("kind").GetString());
        var skipped = root.GetProperty("skipped");
        Assert.Equal(2, skipped.GetArrayLength());
        Assert.Equal("/wfpstate/layers/item[2]/layer/layerKey", skipped[0].GetProperty("path").GetString());
        Assert.Contains("unknown layer", skipped[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ImportText_PrintsCountsAndEverySkippedItemWithEngineErrorName()
    {
        var (code, stdout, _) = CliRunner.Run("import", Data("filters.xml"));
        Assert.Equal(0, code);
        Assert.Contains("filters    5", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped 6 item(s):", stdout, StringComparison.Ordinal);
        Assert.Contains("[FWP_E_CONDITION_NOT_FOUND]", stdout, StringComparison.Ordinal);
        Assert.Contains("unknown value element <uint9>", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportOut_WritesNativeJsonThatClassifiesTheSame()
    {
        using var output = CliRunner.File("", ".json");
        var (code, _, _) = CliRunner.Run("import", Data("filters.xml"), "--out", output.Path);
        Assert.Equal(0, code);
        var (code2, stdout, stderr) = CliRunner.Run("classify", "--policy", output.Path, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_PROTOCOL=tcp", "--value", "IP_REMOTE_PORT=23", "--json");
        Assert.Equal(0, code2);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("block", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal("a1000000-0000-4000-8000-000000000001", doc.RootElement.GetProperty("filterKey").GetString());

        // The Windows filter id survives the trip through the native format.
        Assert.Equal(65001UL, doc.RootElement.GetProperty("filterId").GetUInt64());
        Assert.Contains("\"filterId\": 65001", File.ReadAllText(output.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void Export_ThenImport_KeepsFilterIds()
    {
        using var output = CliRunner.File("", ".xml");
        var (code, stdout, _) = CliRunner.Run("export", "--policy", Data("wfpstate.xml"), "--out", output.Path);
        Assert.Equal(0, code);
        Assert.Contains("wrote 3 filter(s)", stdout, StringComparison.Ordinal);
        var xml = File.ReadAllText(output.Path);
        Assert.Contains("<filterId>70003</filterId>", xml, StringComparison.Ordinal);
        var (code2, stdout2, _) = CliRunner.Run("classify", "--policy", output.Path, "--layer", "ALE_AUTH_CONNECT_V4", "--value", "IP_REMOTE_PORT=53", "--json");
        Assert.Equal(0, code2);
        using var doc = JsonDocument.Parse(stdout2);
        Assert.Equal(70002UL, doc.RootElement.GetProperty("filterId").GetUInt64());
    }

    [Fact]
    public void ExportToStdout_OfNativeJson_IsNetshXml()
    {
        var (code, stdout, stderr) = CliRunner.Run("export", "--policy", CliRunner.SamplePolicy);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.StartsWith("<?xml", stdout, StringComparison.Ordinal);
        Assert.Contains("<wfpdiag>", stdout, StringComparison.Ordinal);
        Assert.Contains("<layerKey>FWPM_LAYER_ALE_AUTH_CONNECT_V4</layerKey>", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<wfpdiag><filters>", "not well-formed XML (line 1")]
    [InlineData("<?xml version=\"1.0\"?><policy/>", "root element is <policy>")]
    public void BadXml_OneLineNamingTheFile_Exit1(string text, string expected)
    {
        using var file = CliRunner.File(text, ".xml");
        foreach (var args in new[] { new[] { "import", file.Path }, ["classify", "--policy", file.Path, "--layer", "ALE_AUTH_CONNECT_V4"] })
        {
            var (code, stdout, stderr) = CliRunner.Run(args);
            Assert.Equal(1, code);
            Assert.Equal("", stdout);
            Assert.Single(stderr.TrimEnd().Split('\n'));
            Assert.StartsWith($"wfp: {file.Path}: ", stderr, StringComparison.Ordinal);
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Import_OfNativeJson_IsRefusedClearly()
    {
        var (code, _, stderr) = CliRunner.Run("import", CliRunner.SamplePolicy);
        Assert.Equal(1, code);
        Assert.Contains("not a netsh XML dump", stderr, StringComparison.Ordinal);
    }
}
