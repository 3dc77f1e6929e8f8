using OpenWfp.Testing.Daemon;
using static OpenWfp.Daemon.Tests.OtherUser;

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

    private static string Mode(string path) => File.Exists(path) ? Convert.ToString((int)File.GetUnixFileMode(path) & 0x1FF, 8) : "";
}
