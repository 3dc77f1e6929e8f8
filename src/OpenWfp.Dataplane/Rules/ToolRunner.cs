using System.ComponentModel;
using System.Diagnostics;

namespace OpenWfp.Dataplane.Rules;

/// <summary>What one tool run printed and how it ended.</summary>
/// <param name="ExitCode">The exit code, or -1 when it was killed for running too long.</param>
/// <param name="StandardOutput">Everything on stdout.</param>
/// <param name="StandardError">Everything on stderr.</param>
internal readonly record struct ToolResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs iptables tools directly (no shell: nothing in a rule is ever parsed twice) with a time limit. The child inherits
/// the calling thread's network namespace, which is how tests aim the manager at a throw-away namespace.
/// </summary>
internal static class ToolRunner
{
    /// <summary>How long one tool may run; iptables-nft-restore of a few dozen rules takes milliseconds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="path"/> and waits for it.</summary>
    /// <param name="path">The tool's full path.</param>
    /// <param name="arguments">Its arguments, one per element.</param>
    /// <param name="standardInput">Text for its stdin, or null for none.</param>
    /// <returns>Its output and exit code.</returns>
    /// <exception cref="RulesException">The tool cannot be started or ran past <see cref="Timeout"/>.</exception>
    public static ToolResult Run(string path, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // iptables' messages are matched in RulesErrors; keep them in the untranslated form.
        info.Environment["LC_ALL"] = "C";
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new RulesException($"cannot start {path}");
        }
        catch (Win32Exception e)
        {
            throw new RulesException($"cannot start {path}: {e.Message}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (standardInput is not null)
            {
                try
                {
                    process.StandardInput.Write(standardInput);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The tool exited before reading everything; its exit code and stderr tell why.
                }
            }

            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new RulesException(
                    $"{Path.GetFileName(path)} {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds:0} s and was killed",
                    -1,
                    Completed(stderr));
            }

            process.WaitForExit();
            return new ToolResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    private static string Completed(Task<string> text) => text.IsCompletedSuccessfully ? text.Result : "";
}
