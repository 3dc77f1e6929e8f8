using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using static OpenWfp.Daemon.Tests.OtherUser;
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
        if (!IsRoot())
        {
            Assert.Skip("needs root to create a test user and group (runs as root in CI)");
        }

        using var user = TestUser.Create("owfs");
        var config = await user.WriteConfigAsync($$"""{ "writerGroup": "{{user.Name}}", "readers": "everyone", "socketGroup": "{{user.Name}}" }""");
        var state = WfpdProcess.NewStateDirectory();
        await using var daemon = await WfpdProcess.StartAsync(state, user.Socket, "--config", config);
        try
        {
            var socket = user.Socket;
            using var channel = DaemonChannel.Create(socket);
            var root = new V1.Bfe.BfeClient(channel);
            var readable = await root.AddFilterAsync(Filter("readable", "O:SYG:SYD:(A;;GA;;;SY)(A;;GR;;;WD)"));
            var hidden = await root.AddFilterAsync(Filter("hidden", "O:SYG:SYD:(A;;GA;;;SY)"));
            await root.AddFilterAsync(Filter("default", ""));
            string As(params string[] command) => user.RunClient([command[0], socket, .. command[1..]]);

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
                Sddl = $"D:(A;;GA;;;SY)(A;;GRSD;;;S-1-22-2-{user.Gid})",
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

    private static V1.Filter Filter(string name, string sddl) => new()
    {
        DisplayData = new DisplayData { Name = name },
        LayerKey = ConnectV4,
        Action = new FilterAction { Type = 0x1001 },
        SecurityDescriptor = sddl,
    };
}
