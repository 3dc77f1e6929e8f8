using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Daemon.Tests.Callouts;

/// <summary>wfpd --callout-dir as a process: plug-ins loaded at start, a bad file logged, a removed plug-in unloaded.</summary>
public sealed class CalloutDirectoryTests
{
    private const string PermitKey = "0d7e57a1-0000-4000-8000-000000000001";

    [Fact]
    public async Task Wfpd_LoadsTheDirectory_SkipsABadFile_AndUnloadsARemovedPlugin()
    {
        var plugins = WfpdProcess.NewStateDirectory();
        try
        {
            var plugin = Path.Combine(plugins, "OpenWfp.Daemon.Tests.Callouts.dll");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "callout-plugins", "OpenWfp.Daemon.Tests.Callouts.dll"), plugin);
            await File.WriteAllTextAsync(Path.Combine(plugins, "broken.dll"), "not an assembly");
            await using var daemon = await WfpdProcess.StartAsync(stateDirectory: null, socket: null, "--callout-dir", plugins, "--callout-deadline-ms", "300");
            Assert.True(await daemon.LoggedAsync($"callout plug-in OpenWfp.Daemon.Tests.Callouts.dll loaded: {{{PermitKey}}} (test.permit)"), daemon.Output);
            Assert.True(await daemon.LoggedAsync("callout plug-in broken.dll: cannot load it ("), daemon.Output);
            Assert.True(await daemon.LoggedAsync("built-in callouts registered: openwfp.http-request"), daemon.Output);

            using var channel = daemon.Channel();
            await using var s = await TestSession.OpenAsync(channel);
            var c = s.Client;

            // The management object wfpd added for the plug-in: filters name it at once.
            var callout = await c.GetCalloutAsync(new ObjectRef { Key = PermitKey }, s.Headers);
            Assert.Equal("test.permit", callout.DisplayData.Name);
            var filter = ApiTests.BlockPort("callout", 23);
            filter.Action = new FilterAction { Type = 0x5003, CalloutKey = PermitKey }; // FWP_ACTION_CALLOUT_TERMINATING
            await c.AddFilterAsync(filter, s.Headers);
            Assert.Equal(0x1002u, (await c.ClassifyAsync(Telnet(), s.Headers)).Action); // the callout permits

            File.Delete(plugin);
            Assert.True(await daemon.LoggedAsync($"callout plug-in OpenWfp.Daemon.Tests.Callouts.dll unloaded: {{{PermitKey}}} (test.permit)"), daemon.Output);
            Assert.Equal(0x1001u, (await c.ClassifyAsync(Telnet(), s.Headers)).Action); // unregistered: BLOCK
            Assert.False(daemon.HasExited);
        }
        finally
        {
            WfpdProcess.DeleteDirectory(plugins);
        }
    }

    [Fact]
    public async Task Wfpd_RefusesToStart_WithoutTheDirectory()
    {
        var missing = Path.Combine(Path.GetTempPath(), "wfpd-no-such-callout-dir-" + Guid.NewGuid().ToString("N")[..8]);
        await using var daemon = WfpdProcess.Launch(stateDirectory: null, "--callout-dir", missing);
        Assert.True(await daemon.LoggedAsync($"wfpd: --callout-dir {missing}: no such directory"), daemon.Output);
        for (var i = 0; i < 100 && !daemon.HasExited; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(daemon.HasExited);
        Assert.Equal($"wfpd: --callout-dir {missing}: no such directory", daemon.StandardError.Trim());
    }

    private static ClassifyRequest Telnet() => new()
    {
        Layer = "ALE_AUTH_CONNECT_V4",
        Values =
        {
            new FieldValue { Field = "IP_REMOTE_PORT", Text = "23" },
            new FieldValue { Field = "IP_REMOTE_ADDRESS", Text = "192.0.2.7" },
            new FieldValue { Field = "IP_PROTOCOL", Text = "tcp" },
        },
    };
}
