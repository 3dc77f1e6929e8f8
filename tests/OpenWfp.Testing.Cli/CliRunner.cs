using OpenWfp.Cli;

namespace OpenWfp.Testing.Cli;

/// <summary>What a wfp command line did: its exit code and everything it wrote.</summary>
/// <param name="Code">The exit code.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error.</param>
public sealed record CliResult(int Code, string Out, string Err);

/// <summary>
/// Runs a wfp command line in the test process, as <c>wfp</c> would, with stdout and stderr captured and no colour.
/// Every test project that drives the CLI goes through this class.
/// </summary>
public static class CliRunner
{
    /// <summary>samples/sample-policy.json, copied next to the tests by this project.</summary>
    public static string SamplePolicy => Path.Combine(AppContext.BaseDirectory, "samples", "sample-policy.json");

    /// <summary>Runs a command line.</summary>
    /// <param name="args">The arguments after <c>wfp</c>.</param>
    /// <returns>The exit code and output.</returns>
    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = WfpCli.Run(args, new CliConsole(stdout, stderr, Color: false));
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that must succeed: exit 0 and nothing on stderr.</summary>
    /// <param name="args">The arguments after <c>wfp</c>.</param>
    /// <returns>What it wrote to stdout.</returns>
    /// <exception cref="InvalidOperationException">It failed (its output is in the message).</exception>
    public static string Ok(params string[] args)
    {
        var r = Run(args);
        return r.Code == 0 && r.Err.Length == 0
            ? r.Out
            : throw new InvalidOperationException($"wfp {string.Join(' ', args)} failed with {r.Code}:\n{r.Err}\n{r.Out}");
    }

    /// <summary>Runs a command that must fail as a user error: exit 1 and exactly one line on stderr, starting "wfp: ".</summary>
    /// <param name="args">The arguments after <c>wfp</c>.</param>
    /// <returns>That line.</returns>
    /// <exception cref="InvalidOperationException">It did anything else (its output is in the message).</exception>
    public static string Fails(params string[] args)
    {
        var r = Run(args);
        if (r.Code != 1)
        {
            throw new InvalidOperationException($"wfp {string.Join(' ', args)} exited with {r.Code}, expected 1:\n{r.Err}\n{r.Out}");
        }

        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 1 && lines[0].StartsWith("wfp: ", StringComparison.Ordinal)
            ? lines[0]
            : throw new InvalidOperationException($"expected one error line starting with \"wfp: \", got:\n{r.Err}");
    }

    /// <summary>A temporary file holding <paramref name="text"/>, deleted when disposed.</summary>
    /// <param name="text">Its content.</param>
    /// <param name="extension">Its extension, dot included.</param>
    /// <returns>The file.</returns>
    public static TempFile File(string text, string extension = ".json") => new(text, extension);

    /// <summary>A file in the temporary directory, deleted on <see cref="Dispose"/>.</summary>
    public sealed class TempFile : IDisposable
    {
        internal TempFile(string text, string extension)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wfp-test-" + Guid.NewGuid().ToString("N") + extension);
            System.IO.File.WriteAllText(Path, text);
        }

        /// <summary>Its path.</summary>
        public string Path { get; }

        /// <inheritdoc/>
        public void Dispose() => System.IO.File.Delete(Path);
    }
}
