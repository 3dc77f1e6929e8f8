using System.Diagnostics;
using System.Globalization;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// Access control with a real second user: created for the test (as root), allowed to connect through the socket's
/// group, refused on writes, logged with its uid and pid. Removed afterwards.
/// </summary>
public sealed class AccessTests
{
    [Fact]
    public async Task NonRootUser_CanRead_ButWritesAreDenied_AndLogged()
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !IsRoot())
        {
            Assert.Skip("needs root to create a test user and group (runs as root in CI)");
        }

        var name = "owfp" + Guid.NewGuid().ToString("N")[..8];
        var work = Path.Combine(Path.GetTempPath(), name);
        Directory.CreateDirectory(work);
        try
        {
            Run("groupadd", "--system", name);
            Run("useradd", "--system", "--no-create-home", "--gid", name, "--shell", "/usr/sbin/nologin", name);
            var uid = Run("id", "-u", name).Trim();
            var gid = Run("id", "-g", name).Trim();

            // The client runs from a copy the new user can read, against a socket in a directory it can reach.
            var client = Path.Combine(work, "client");
            CopyDirectory(Path.GetDirectoryName(TestClient.Path)!, client);
            var socketDir = Path.Combine(work, "run");
            var config = Path.Combine(work, "wfpd.json");
            await File.WriteAllTextAsync(config, $$"""{ "writerGroup": null, "readers": "everyone", "socketGroup": "{{name}}" }""");
            Run("chmod", "-R", "a+rX", work);

            var state = WfpdProcess.NewStateDirectory();
            await using var daemon = await WfpdProcess.StartAsync(state, Path.Combine(socketDir, "bfe.sock"), "--config", config);
            try
            {
                var socket = Path.Combine(socketDir, "bfe.sock");
                await LifetimeTests.Eventually(() => Task.FromResult(Mode(socket) == "660"));
                Assert.Equal("660", Mode(socket));

                var read = AsUser(uid, gid, work, Path.Combine(client, "OpenWfp.Daemon.TestClient.dll"), "read", socket);
                Assert.Equal("read ok 0", read.Output.Trim());
                var write = AsUser(uid, gid, work, Path.Combine(client, "OpenWfp.Daemon.TestClient.dll"), "write", socket);
                Assert.Equal("write PermissionDenied E_ACCESSDENIED", write.Output.Trim());
                await LifetimeTests.Eventually(() => Task.FromResult(daemon.Output.Contains($"from uid {uid} pid ", StringComparison.Ordinal)));
                Assert.Contains("refused", daemon.Output, StringComparison.Ordinal);
            }
            finally
            {
                WfpdProcess.DeleteDirectory(state);
            }
        }
        finally
        {
            TryRun("userdel", name);
            TryRun("groupdel", name);
            Directory.Delete(work, recursive: true);
        }
    }

    private static bool IsRoot() => Run("id", "-u").Trim() == "0";

    private static string Mode(string path) => File.Exists(path) ? Convert.ToString((int)File.GetUnixFileMode(path) & 0x1FF, 8) : "";

    private static (int Code, string Output) AsUser(string uid, string gid, string home, params string[] dotnetArgs)
    {
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "dotnet", .. dotnetArgs])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_HOME"] = home;
        psi.Environment["HOME"] = home;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + (error.Length > 0 ? "\n" + error : ""));
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode.ToString(CultureInfo.InvariantCulture)}): {error}");
    }

    private static void TryRun(string file, params string[] args)
    {
        try
        {
            Run(file, args);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
