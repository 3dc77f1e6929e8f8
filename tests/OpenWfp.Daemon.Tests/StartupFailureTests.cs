using System.Diagnostics;
using System.Globalization;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// Every way wfpd can fail to start ends in one line on stderr that names the path and the fix, and exit code 1:
/// never a stack trace, never the host's own start-up lines.
/// </summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task SocketPathLongerThanSunPath_IsOneLine()
    {
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            var socket = "/tmp/" + new string('x', 120) + "/bfe.sock";
            var (code, lines) = await RunToExitAsync(["--state-dir", state, "--socket", socket, "--no-dataplane"]);
            Assert.Equal(1, code);
            var line = Assert.Single(lines);
            Assert.Equal($"wfpd: {socket}: a Unix socket path must be 1 to 107 bytes long, this one is 134; choose a shorter --socket", line);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    [Fact]
    public async Task SocketDirectoryNotWritable_IsOneLine()
    {
        SkipUnlessRoot();
        var state = WfpdProcess.NewStateDirectory();
        var socketDir = WfpdProcess.NewStateDirectory();
        try
        {
            // The daemon runs as nobody: its state directory is its own, the socket's directory is root's 0755.
            Chown(state, 65534);
            File.SetUnixFileMode(socketDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var socket = Path.Combine(socketDir, "bfe.sock");
            var (code, lines) = await RunToExitAsync(["--state-dir", state, "--socket", socket, "--no-dataplane"], asNobody: true);
            Assert.Equal(1, code);
            var line = Assert.Single(lines);
            Assert.Equal($"wfpd: {socket}: cannot create the socket (permission denied); run wfpd as a user that can write there, or choose another --socket", line);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
            WfpdProcess.DeleteDirectory(socketDir);
        }
    }

    [Fact]
    public async Task ReadOnlyFileSystem_ForTheSocketAndForTheState_IsOneLineEach()
    {
        SkipUnlessRoot();
        var mount = WfpdProcess.NewStateDirectory();
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            // A private mount namespace (unshare -m) holds the read-only tmpfs: nothing outside the test sees it.
            var wfpd = WfpdCommand();
            var script =
                $"mount -t tmpfs -o ro tmpfs {mount} && " +
                $"{wfpd} --state-dir {state} --socket {mount}/bfe.sock --no-dataplane 2>&1; echo \"rc=$?\"; " +
                $"{wfpd} --state-dir {mount}/state --socket {state}/bfe.sock --no-dataplane 2>&1; echo \"rc=$?\"";
            var (code, lines) = await RunAsync("unshare", ["-m", "sh", "-c", script]);
            Assert.Equal(0, code);
            Assert.Equal(
                [
                    $"wfpd: {mount}/bfe.sock: cannot create the socket (read-only file system); choose a --socket on a writable file system",
                    "rc=1",
                    $"wfpd: {mount}/state: cannot create the directory (read-only file system); choose a --state-dir on a writable file system",
                    "rc=1",
                ],
                lines);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
            WfpdProcess.DeleteDirectory(mount);
        }
    }

    [Fact]
    public async Task StoreThatCannotBeCreated_SaysSo_WithoutTalkOfKeepingAFile()
    {
        SkipUnlessRoot();
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            // nobody may take the lock (its files are writable) but may not create policy.db in root's directory.
            File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            foreach (var name in (string[])["wfpd.lock", "wfpd.owner"])
            {
                var path = Path.Combine(state, name);
                File.WriteAllBytes(path, []);
                Chown(path, 65534);
            }

            var socket = Path.Combine(Path.GetTempPath(), $"wfpd-nobody-{Guid.NewGuid():N}.sock");
            var (code, lines) = await RunToExitAsync(["--state-dir", state, "--socket", socket, "--no-dataplane"], asNobody: true);
            Assert.Equal(1, code);
            var line = Assert.Single(lines);
            Assert.StartsWith($"wfpd: {Path.Combine(state, "policy.db")}: ", line);
            Assert.EndsWith("(permission denied); run wfpd as a user that can write there, or choose another --state-dir", line);
            Assert.DoesNotContain("kept", line, StringComparison.Ordinal);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    [Fact]
    public async Task ASecondWfpd_OnTheSameStateDirectory_RefusesAndNamesTheFirst()
    {
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            await using var first = await WfpdProcess.StartAsync(state);
            Assert.False(first.HasExited, first.Output);
            var other = Path.Combine(state, "other.sock");
            var (code, lines) = await RunToExitAsync(["--state-dir", state, "--socket", other, "--no-dataplane"]);
            Assert.Equal(1, code);
            var line = Assert.Single(lines);
            Assert.Equal(
                $"wfpd: {state}: the state directory is in use by wfpd pid {first.Pid.ToString(CultureInfo.InvariantCulture)} (socket {first.Socket}); stop it, or give this wfpd its own --state-dir",
                line);
            Assert.False(File.Exists(other));
            Assert.False(first.HasExited);

            // Once the first is gone, even by SIGKILL, the directory is free again.
            await first.KillAsync();
            await using var second = await WfpdProcess.StartAsync(state, other);
            Assert.False(second.HasExited, second.Output);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    [Fact]
    public async Task UnknownOption_IsOneLine()
    {
        var (code, lines) = await RunToExitAsync(["--bogus-option"]);
        Assert.Equal(1, code);
        Assert.Equal(["wfpd: Unrecognized command or argument '--bogus-option'. (see 'wfpd --help')"], lines);
    }

    [Fact]
    public async Task SocketComesFromTheEnvironment_WhenNotGiven_AndTheHostSaysNothingOfItsOwn()
    {
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            var socket = Path.Combine(state, "from-env.sock");
            var psi = Start(["--state-dir", state, "--no-dataplane"]);
            psi.Environment["OPENWFP_SOCKET"] = socket;
            using var process = Process.Start(psi)!;
            var output = new List<string>();
            process.OutputDataReceived += (_, e) => Add(output, e.Data);
            process.ErrorDataReceived += (_, e) => Add(output, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (!File.Exists(socket) && DateTime.UtcNow < deadline && !process.HasExited)
                {
                    await Task.Delay(50);
                }

                Assert.True(File.Exists(socket), string.Join('\n', output));
                await Task.Delay(300);
            }
            finally
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            lock (output)
            {
                Assert.Contains(output, l => l.Contains($"ready: socket {socket}", StringComparison.Ordinal));
                Assert.DoesNotContain(output, l => l.Contains("Content root path", StringComparison.Ordinal) || l.Contains("Press Ctrl+C", StringComparison.Ordinal) || l.Contains("Hosting environment", StringComparison.Ordinal));
            }
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    private static void Add(List<string> lines, string? line)
    {
        if (line is not null)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private static void SkipUnlessRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("needs root: runs wfpd as another user or in a private mount namespace");
        }
    }

    private static void Chown(string path, int uid)
    {
        using var p = Process.Start("chown", [uid.ToString(CultureInfo.InvariantCulture), path]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    private static string WfpdCommand() => $"dotnet {Path.Combine(AppContext.BaseDirectory, "wfpd.dll")}";

    private static ProcessStartInfo Start(IEnumerable<string> args, bool asNobody = false)
    {
        var psi = new ProcessStartInfo(asNobody ? "setpriv" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        IEnumerable<string> all = [Path.Combine(AppContext.BaseDirectory, "wfpd.dll"), .. args];
        if (asNobody)
        {
            // DOTNET_CLI_HOME keeps the SDK's first-run files out of root's home, which nobody cannot write.
            psi.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
            all = ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", .. all];
        }

        foreach (var a in all)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        return psi;
    }

    private static Task<(int Code, List<string> Lines)> RunToExitAsync(IEnumerable<string> args, bool asNobody = false) =>
        RunAsync(Start(args, asNobody));

    private static Task<(int Code, List<string> Lines)> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        return RunAsync(psi);
    }

    private static async Task<(int Code, List<string> Lines)> RunAsync(ProcessStartInfo psi)
    {
        using var process = Process.Start(psi)!;
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) => Add(lines, e.Data);
        process.ErrorDataReceived += (_, e) => Add(lines, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        process.WaitForExit();
        lock (lines)
        {
            return (process.ExitCode, lines.Where(l => l.Length > 0).ToList());
        }
    }
}
