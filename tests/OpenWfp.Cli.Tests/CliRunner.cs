using OpenWfp.Cli.Input;

namespace OpenWfp.Cli.Tests;

/// <summary>Runs a wfp command line in-process with captured stdout and stderr.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = WfpCli.Run(args, new CliConsole(stdout, stderr, Color: false));
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A temp file holding <paramref name="text"/>; deleted with the returned handle.</summary>
    public static TempFile File(string text, string extension = ".json") => new(text, extension);

    public static TempFile SamplePolicy() => new(SampleScenarios.ReadResource(SampleScenarios.PolicyResource), ".json");

    internal sealed class TempFile : IDisposable
    {
        public TempFile(string text, string extension)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wfp-test-" + Guid.NewGuid().ToString("N") + extension);
            System.IO.File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => System.IO.File.Delete(Path);
    }
}
