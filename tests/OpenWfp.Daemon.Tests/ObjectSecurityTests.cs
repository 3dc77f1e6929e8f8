using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// Per-object security against a running wfpd, with a real second user in the writer group: root adds filters with
/// their own descriptors; the user may read but not delete one, cannot see the other at all, cannot change either
/// descriptor, and may delete once root grants DELETE.
/// </summary>
public sealed class ObjectSecurityTests
{
    private const string ConnectV4 = "c38d57d1-05a7-4c33-904f-7fbceee60e82"; // FWPM_LAYER_ALE_AUTH_CONNECT_V4

    [Fact]
    public async Task ANonRootWriter_IsBoundByEachObjectsDescriptor()
    {
        if (Run("id", "-u").Trim() != "0")
        {
            Assert.Skip("needs root to create a test user and group (runs as root in CI)");
        }

        var name = "owfs" + Guid.NewGuid().ToString("N")[..8];
        var work = Path.Combine(Path.GetTempPath(), name);
        Directory.CreateDirectory(work);
        try
        {
            Run("groupadd", "--system", name);
            Run("useradd", "--system", "--no-create-home", "--gid", name, "--shell", "/usr/sbin/nologin", name);
            var uid = Run("id", "-u", name).Trim();
            var gid = Run("id", "-g", name).Trim();

            var client = Path.Combine(work, "client");
            CopyDirectory(Path.GetDirectoryName(TestClient.Path)!, client);
            var socketDir = Path.Combine(work, "run");
            var config = Path.Combine(work, "wfpd.json");
            await File.WriteAllTextAsync(config, $$"""{ "writerGroup": "{{name}}", "readers": "everyone", "socketGroup": "{{name}}" }""");
            Run("chmod", "-R", "a+rX", work);

            var state = WfpdProcess.NewStateDirectory();
            await using var daemon = await WfpdProcess.StartAsync(state, Path.Combine(socketDir, "bfe.sock"), "--config", config);
            try
            {
                var socket = Path.Combine(socketDir, "bfe.sock");
                using var channel = DaemonChannel.Create(socket);
                var root = new V1.Bfe.BfeClient(channel);
                var readable = await root.AddFilterAsync(Filter("readable", "O:SYG:SYD:(A;;GA;;;SY)(A;;GR;;;WD)"));
                var hidden = await root.AddFilterAsync(Filter("hidden", "O:SYG:SYD:(A;;GA;;;SY)"));
                await root.AddFilterAsync(Filter("default", ""));
                string As(params string[] command) =>
                    AsUser(uid, gid, work, [Path.Combine(client, "OpenWfp.Daemon.TestClient.dll"), command[0], socket, .. command[1..]]).Trim();

                Assert.Equal($"get-filter ok {readable.Key}", As("get-filter", readable.Key));
                Assert.Equal("delete-filter PermissionDenied E_ACCESSDENIED", As("delete-filter", readable.Key));
                Assert.Equal("get-filter PermissionDenied E_ACCESSDENIED", As("get-filter", hidden.Key));
                Assert.Equal("count 2", As("count"));
                Assert.Equal("get-sd ok O:SYG:SYD:(A;;GA;;;SY)(A;;GR;;;WD)", As("get-sd", readable.Key));
                Assert.Equal("set-dacl PermissionDenied E_ACCESSDENIED", As("set-dacl", readable.Key, "D:(A;;GA;;;WD)"));

                // Root grants the user's group DELETE; now the user may delete it.
                await root.SetSecurityInfoAsync(new SetSecurityInfoRequest
                {
                    ObjectType = V1.ObjectType.Filter,
                    Object = new ObjectRef { Key = readable.Key },
                    SecurityInfo = 0x4,
                    Sddl = $"D:(A;;GA;;;SY)(A;;GRSD;;;S-1-22-2-{gid})",
                });
                Assert.Equal("delete-filter ok", As("delete-filter", readable.Key));
                Assert.Equal(2, (await root.EnumFiltersAsync(new FilterEnumTemplate())).Items.Count);

                var bad = await Assert.ThrowsAsync<RpcException>(async () => await root.AddFilterAsync(Filter("bad", "D:(A;;CC;;;")));
                Assert.Equal("FWP_E_INVALID_PARAMETER", bad.Trailers.GetValue("fwp-error"));
                Assert.Contains("security_descriptor", bad.Status.Detail, StringComparison.Ordinal);
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

    private static V1.Filter Filter(string name, string sddl) => new()
    {
        DisplayData = new DisplayData { Name = name },
        LayerKey = ConnectV4,
        Action = new FilterAction { Type = 0x1001 },
        SecurityDescriptor = sddl,
    };

    private static string AsUser(string uid, string gid, string home, string[] dotnetArgs)
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
        return output + (error.Length > 0 ? "\n" + error : "");
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
