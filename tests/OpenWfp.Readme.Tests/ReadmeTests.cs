using System.Diagnostics;
using System.Text;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Readme.Tests;

/// <summary>
/// README.md works pasted block by block on a fresh machine where the reader is root: every <c>sh</c> block runs,
/// in order, in one shell (as one terminal would), and each command must succeed.
/// </summary>
public sealed class ReadmeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    [Fact]
    public void Blocks_UseNeitherSudoNorAliases()
    {
        var blocks = ReadmeBlocks.Read();
        Assert.True(blocks.Count >= 5, $"only {blocks.Count} sh blocks in README.md");
        foreach (var block in blocks)
        {
            foreach (var line in block.Split('\n'))
            {
                var command = line.Split('#')[0];
                Assert.DoesNotContain("sudo ", command, StringComparison.Ordinal);
                Assert.False(command.TrimStart().StartsWith("alias ", StringComparison.Ordinal), line);
                Assert.DoesNotContain("%1", command, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void EveryBlock_RunsAsWritten()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "README.md's live blocks need root (network namespaces, netfilter); run the tests as root");
        foreach (var tool in (string[])["ip", "iptables-nft", "python3", "setsid"])
        {
            Assert.SkipWhen(NetworkNamespace.FindTool(tool) is null, $"{tool} is not installed (.ci/run installs it)");
        }

        var script = new StringBuilder();
        script.AppendLine("set -euo pipefail");

        // The script runs in the machine's own network namespace, as a reader's terminal would: the README's builds
        // restore packages (NuGet's audit asks the feed), and its live blocks make namespaces of their own.
        script.AppendLine("trap 'echo \"@@ failed: $BASH_COMMAND (exit $?)\"' ERR");
        var blocks = ReadmeBlocks.Read();
        var skipped = 0;
        for (var i = 0; i < blocks.Count; i++)
        {
            script.AppendLine($"echo '@@ block {i + 1}'");
            foreach (var line in blocks[i].Split('\n'))
            {
                if (line.Trim() == ReadmeBlocks.TestSuiteLine)
                {
                    skipped++;
                    continue;
                }

                script.AppendLine(line);
            }
        }

        script.AppendLine("echo '@@ done'");
        Assert.Equal(1, skipped);

        // State a previous run may have left: the README's own paths, nothing else.
        foreach (var dir in (string[])["/tmp/wfp", "/tmp/lab"])
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        var (code, output) = Run(script.ToString());
        var markers = output.Split('\n').Where(l => l.StartsWith("@@ ", StringComparison.Ordinal)).ToList();
        Assert.True(code == 0, $"README.md failed (exit {code}): {string.Join(" / ", markers.TakeLast(2))}\n{Tail(output)}");
        Assert.Contains("@@ done", output, StringComparison.Ordinal);

        // What the README says each block shows.
        Assert.Contains("permitted", output, StringComparison.Ordinal);                      // the live demo
        Assert.Contains("blocked", output, StringComparison.Ordinal);
        Assert.Contains("Block telnet", output, StringComparison.Ordinal);                   // the persistent filter
        Assert.Contains("Software caused connection abort", output, StringComparison.Ordinal); // the blocked loopback connect
        Assert.Matches(@"ALE_AUTH_CONNECT_V4\s+tcp 127\.0\.0\.1:\d+ → 127\.0\.0\.1:9 .*app \S*python3", output);
        Assert.True(File.Exists("/tmp/wfp/live.xml"), "wfp export wrote no /tmp/wfp/live.xml");
        Assert.False(File.Exists(Path.Combine(ReadmeBlocks.RepositoryRoot, "live.xml")), "the README left a file in the repository");
    }

    /// <summary>
    /// Runs the script with bash in a session of its own (setsid execs it directly, since this process's child leads
    /// no process group), so that whatever it leaves running — it should leave nothing — is stopped by session id,
    /// and nothing else on the machine is touched.
    /// </summary>
    private static (int Code, string Output) Run(string script)
    {
        var file = Path.Combine(Path.GetTempPath(), $"readme-{Guid.NewGuid():N}.sh");
        File.WriteAllText(file, script);
        var psi = new ProcessStartInfo("setsid", ["bash", file])
        {
            WorkingDirectory = ReadmeBlocks.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // A fresh terminal has none of the test host's build and runtime variables.
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("DOTNET_", StringComparison.Ordinal)
                || key.StartsWith("VSTEST", StringComparison.Ordinal) || key.StartsWith("TESTINGPLATFORM", StringComparison.Ordinal))
            {
                psi.Environment.Remove(key);
            }
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment.Remove("OPENWFP_SOCKET");
        var output = new StringBuilder();
        using var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (!process.WaitForExit(Limit))
            {
                KillGroup(process.Id);
                process.WaitForExit();
                return (-1, $"timed out after {Limit}\n{Text(output)}");
            }

            process.WaitForExit();
            return (process.ExitCode, Text(output));
        }
        finally
        {
            KillGroup(process.Id);
            File.Delete(file);
        }
    }

    /// <summary>Stops what the script left running: every process of its session, which bash leads.</summary>
    private static void KillGroup(int sessionLeader)
    {
        using var pkill = Process.Start(new ProcessStartInfo("pkill", ["-KILL", "-s", sessionLeader.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        pkill?.WaitForExit();
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(60));
}
