using System.IO.Compression;
using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests;

public sealed class GzipInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wfp-gzip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Gzip(string source, string name)
    {
        var path = Path.Combine(_dir, name);
        using var input = File.OpenRead(source);
        using var output = new GZipStream(File.Create(path), CompressionLevel.SmallestSize);
        input.CopyTo(output);
        return path;
    }

    [Fact]
    public void Import_GzippedDump_ReadsTheSameAsThePlainFile()
    {
        var plain = Path.Combine(AppContext.BaseDirectory, "Netsh", "Data", "wfpstate.xml");
        var gz = Gzip(plain, "wfpstate.xml.gz");

        var fromPlain = CliRunner.Run("import", plain, "--json").Out.Replace(plain, "FILE", StringComparison.Ordinal);
        var fromGzip = CliRunner.Run("import", gz, "--json").Out.Replace(gz, "FILE", StringComparison.Ordinal);

        Assert.Contains("\"filters\"", fromPlain, StringComparison.Ordinal);
        Assert.Equal(fromPlain, fromGzip);
    }

    [Fact]
    public void Classify_GzippedNativePolicy_Decides()
    {
        var gz = Gzip(CliRunner.SamplePolicy, "policy.json.gz");

        var output = CliRunner.Ok("classify", "--policy", gz, "--layer", "ALE_AUTH_CONNECT_V4",
            "--value", "IP_REMOTE_ADDRESS=203.0.113.10", "--value", "IP_REMOTE_PORT=443", "--value", "IP_PROTOCOL=tcp");

        Assert.Contains("permit", output, StringComparison.Ordinal);
        Assert.Contains("Allow update server (hard)", output, StringComparison.Ordinal);
    }
}
