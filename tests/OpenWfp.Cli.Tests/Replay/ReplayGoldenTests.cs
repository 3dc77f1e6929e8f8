using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary>
/// <c>wfp replay --json</c> on the bundled capture, compared line by line with the reviewed output in Replay/Golden.
/// After a deliberate change, regenerate with OPENWFP_UPDATE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class ReplayGoldenTests
{
    [Fact]
    public void BundledSample_WithLocal_MatchesGolden() => Check("replay-sample-local.jsonl", "--local", "10.77.0.1", "--local", "fd77::1");

    [Fact]
    public void BundledSample_WithoutLocal_MatchesGolden() => Check("replay-sample-nolocal.jsonl");

    private static void Check(string golden, params string[] extra)
    {
        using var files = new SampleFiles();
        string[] args = ["replay", files.Capture, "--policy", files.Policy, "--json", .. extra];
        var (code, output, error) = CliRunner.Run(args);
        Assert.Equal(0, code);
        Assert.Equal("", error);

        // File names differ per run (temp files); the golden file has them as the sample names.
        output = output.Replace(files.Capture, "samples/sample-capture.pcapng", StringComparison.Ordinal)
            .Replace(files.Policy, "samples/replay-policy.json", StringComparison.Ordinal);
        var source = Path.Combine(SourceDirectory(), "Replay", "Golden", golden);
        if (Environment.GetEnvironmentVariable("OPENWFP_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(source, output);
        }

        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Replay", "Golden", golden));
        var actual = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == actual[i], $"{golden} line {i + 1} differs:\nexpected {expected[i]}\nactual   {actual[i]}");
        }
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(Path.GetDirectoryName(path)!)!;
}
