namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>Runs a wfp command line in-process with captured stdout and stderr.</summary>
internal static class Wfp
{
    /// <summary>The bundled sample policy, copied next to the tests.</summary>
    public static string SamplePolicy => Path.Combine(AppContext.BaseDirectory, "samples", "sample-policy.json");

    public static Result Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = WfpCli.Run(args, new CliConsole(stdout, stderr, Color: false));
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that must succeed: exit 0 and nothing on stderr.</summary>
    public static string Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.Code == 0 && r.Err.Length == 0, $"wfp {string.Join(' ', args)} failed with {r.Code}:\n{r.Err}\n{r.Out}");
        return r.Out;
    }

    /// <summary>Runs a command that must fail as a user error: exit 1 and exactly one line on stderr, which is returned.</summary>
    public static string Fails(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.Code == 1, $"wfp {string.Join(' ', args)} exited with {r.Code}, expected 1:\n{r.Err}\n{r.Out}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{r.Err}");
        Assert.StartsWith("wfp: ", lines[0]);
        return lines[0];
    }

    /// <summary>A temporary file holding <paramref name="text"/>, deleted when disposed.</summary>
    public static TempFile File(string text, string extension = ".json") => new(text, extension);

    internal sealed record Result(int Code, string Out, string Err);

    internal sealed class TempFile : IDisposable
    {
        public TempFile(string text, string extension)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wfp-cli-test-" + Guid.NewGuid().ToString("N") + extension);
            System.IO.File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => System.IO.File.Delete(Path);
    }
}
