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

        using var user = TestUser.Create("owfp");
        var config = await user.WriteConfigAsync($$"""{ "writerGroup": null, "readers": "everyone", "socketGroup": "{{user.Name}}" }""");
        var state = WfpdProcess.NewStateDirectory();
        await using var daemon = await WfpdProcess.StartAsync(state, user.Socket, "--config", config);
        try
        {
            await LifetimeTests.Eventually(() => Task.FromResult(Mode(user.Socket) == "660"));
            Assert.Equal("660", Mode(user.Socket));

            Assert.Equal("read ok 0", user.RunClient("read", user.Socket));
            Assert.Equal("write PermissionDenied E_ACCESSDENIED", user.RunClient("write", user.Socket));
            await LifetimeTests.Eventually(() => Task.FromResult(daemon.Output.Contains($"from uid {user.Uid} pid ", StringComparison.Ordinal)));
            Assert.Contains("refused", daemon.Output, StringComparison.Ordinal);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    private static string Mode(string path) => File.Exists(path) ? Convert.ToString((int)File.GetUnixFileMode(path) & 0x1FF, 8) : "";
}
