using System.Diagnostics;
using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>Sessions, dynamic objects, persistence across restarts, and a store that cannot be used.</summary>
public sealed class LifetimeTests
{
    [Fact]
    public async Task DynamicSession_ObjectsVanish_WhenItsClientIsKilled()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        var psi = TestClient.StartInfo("dynamic-add", daemon.Socket);
        using var process = Process.Start(psi)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("added ", line, StringComparison.Ordinal);
        var keys = line!.Split(' ');

        using var channel = daemon.Channel();
        var c = new V1.Bfe.BfeClient(channel);
        Assert.Equal(keys[2], (await c.GetFilterAsync(new ObjectRef { Key = keys[2] })).Key);

        process.Kill(); // SIGKILL: no goodbye, the connection just drops
        await process.WaitForExitAsync();

        await Eventually(async () =>
        {
            var filters = await c.EnumFiltersAsync(new FilterEnumTemplate());
            var sublayers = await c.EnumSublayersAsync(new EnumTemplate());
            return !filters.Items.Any(f => f.Key == keys[2]) && !sublayers.Items.Any(s => s.Key == keys[1]);
        });
    }

    [Fact]
    public async Task DynamicSession_CannotAddPersistentObjects_NorDeleteOthers()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var statics = await TestSession.OpenAsync(channel);
        await using var dynamic = await TestSession.OpenAsync(channel, dynamic: true);
        var staticFilter = await statics.Client.AddFilterAsync(ApiTests.BlockPort("static", 1), statics.Headers);
        var persistent = await Assert.ThrowsAsync<RpcException>(() => dynamic.Client.AddFilterAsync(ApiTests.BlockPort("p", 2, flags: 1), dynamic.Headers).ResponseAsync);
        Assert.Equal("FWP_E_DYNAMIC_SESSION_IN_PROGRESS", persistent.Trailers.GetValue("fwp-error"));
        var delete = await Assert.ThrowsAsync<RpcException>(() => dynamic.Client.DeleteFilterAsync(new ObjectRef { Key = staticFilter.Key }, dynamic.Headers).ResponseAsync);
        Assert.Equal("FWP_E_DYNAMIC_SESSION_IN_PROGRESS", delete.Trailers.GetValue("fwp-error"));

        // A static object may not reference a dynamic one: it would outlive the session that owns it.
        var dynSublayer = await dynamic.Client.AddSublayerAsync(new Sublayer { DisplayData = new DisplayData { Name = "dyn" }, Weight = 3 }, dynamic.Headers);
        var mismatch = await Assert.ThrowsAsync<RpcException>(() => statics.Client.AddFilterAsync(ApiTests.BlockPort("s", 3, dynSublayer.Key), statics.Headers).ResponseAsync);
        Assert.Equal("FWP_E_LIFETIME_MISMATCH", mismatch.Trailers.GetValue("fwp-error"));
        var wrong = await Assert.ThrowsAsync<RpcException>(() => statics.Client.DeleteSublayerAsync(new ObjectRef { Key = dynSublayer.Key }, statics.Headers).ResponseAsync);
        Assert.Equal("FWP_E_WRONG_SESSION", wrong.Trailers.GetValue("fwp-error"));
    }

    [Fact]
    public async Task PersistentPolicy_SurvivesRestart_StaticPolicyDoesNot()
    {
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            string persistentKey, staticKey, sublayerKey;
            ulong persistentId;
            await using (var daemon = await WfpdProcess.StartAsync(state))
            {
                using var channel = daemon.Channel();
                var c = new V1.Bfe.BfeClient(channel);
                var sublayer = await c.AddSublayerAsync(new Sublayer { DisplayData = new DisplayData { Name = "kept" }, Weight = 0x2000, Flags = 1 });
                var kept = await c.AddFilterAsync(ApiTests.BlockPort("kept", 23, sublayer.Key, flags: 1));
                var lost = await c.AddFilterAsync(ApiTests.BlockPort("lost", 24));
                (persistentKey, persistentId, staticKey, sublayerKey) = (kept.Key, kept.FilterId, lost.Key, sublayer.Key);
                Assert.Equal(0, await daemon.StopAsync());
                Assert.False(File.Exists(daemon.Socket), "the socket is removed on a clean stop");
            }

            await using (var daemon = await WfpdProcess.StartAsync(state))
            {
                using var channel = daemon.Channel();
                var c = new V1.Bfe.BfeClient(channel);
                var filters = (await c.EnumFiltersAsync(new FilterEnumTemplate())).Items;
                var kept = Assert.Single(filters, f => f.Key == persistentKey);
                Assert.Equal(persistentId, kept.FilterId);
                Assert.Equal(sublayerKey, kept.SublayerKey);
                Assert.DoesNotContain(filters, f => f.Key == staticKey);
                var classify = await c.ClassifyAsync(new ClassifyRequest { Layer = "ALE_AUTH_CONNECT_V4", Values = { new FieldValue { Field = "IP_REMOTE_PORT", Text = "23" } } });
                Assert.Equal(persistentId, classify.FilterId);
            }
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    [Fact]
    public async Task CorruptStore_GivesOneClearLine_AndTheFileIsKept()
    {
        var state = WfpdProcess.NewStateDirectory();
        try
        {
            var store = Path.Combine(state, "policy.db");
            var garbage = new byte[4096];
            new Random(7).NextBytes(garbage);
            await File.WriteAllBytesAsync(store, garbage);
            await using var daemon = WfpdProcess.Launch(state);
            Assert.Equal(1, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            var lines = daemon.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var line = Assert.Single(lines);
            Assert.StartsWith("wfpd: ", line, StringComparison.Ordinal);
            Assert.Contains(store, line, StringComparison.Ordinal);
            Assert.Equal(garbage, await File.ReadAllBytesAsync(store));
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }

    internal static async Task Eventually(Func<Task<bool>> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }
}
