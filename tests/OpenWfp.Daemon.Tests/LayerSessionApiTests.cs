using Grpc.Core;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// The layer and session calls (FwpmLayerEnum0/GetByKey0/GetById0, FwpmSessionEnum0), change subscriptions by provider
/// and their list, the transaction watchdog, several validation errors in one failure, and net event templates with
/// OpenWfp's layer and filter extensions, against a real wfpd.
/// </summary>
public sealed class LayerSessionApiTests
{
    private const string ConnectV4 = "c38d57d1-05a7-4c33-904f-7fbceee60e82"; // FWPM_LAYER_ALE_AUTH_CONNECT_V4
    private const string RemoteAddress = "b235ae9a-1d64-49b8-a44c-5ff3d9095045"; // FWPM_CONDITION_IP_REMOTE_ADDRESS

    [Fact]
    public async Task Layers_AreListedWithTheirFields_AndFoundByKeyOrId()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var s = await TestSession.OpenAsync(channel);

        var layers = (await s.Client.EnumLayersAsync(new Empty(), s.Headers)).Items;
        Assert.Equal(Engine.Catalog.LayerCatalog.Layers.Count, layers.Count);
        Assert.Equal(layers.Select(l => l.LayerId).Order(), layers.Select(l => l.LayerId));
        var connect = Assert.Single(layers, l => l.Key == ConnectV4);
        Assert.Equal(("FWPM_LAYER_ALE_AUTH_CONNECT_V4", 48u, 0x3u), (connect.Name, connect.LayerId, connect.Flags)); // KERNEL | BUILTIN
        Assert.Equal("eebecc03-ced4-4380-819a-2734397b2b74", connect.DefaultSublayerKey); // FWPM_SUBLAYER_UNIVERSAL
        var remote = Assert.Single(connect.Fields, f => f.FieldKey == RemoteAddress);
        Assert.Equal(("FWPM_CONDITION_IP_REMOTE_ADDRESS", 1u, 3u), (remote.Name, remote.Type, remote.DataType)); // FWPM_FIELD_IP_ADDRESS, FWP_UINT32

        Assert.Equal(connect, await s.Client.GetLayerAsync(new ObjectRef { Key = ConnectV4 }, s.Headers));
        Assert.Equal(connect, await s.Client.GetLayerAsync(new ObjectRef { Id = 48 }, s.Headers));

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await s.Client.GetLayerAsync(new ObjectRef { Key = Guid.NewGuid().ToString() }, s.Headers));
        Assert.Equal(WfpError.LayerNotFound, WfpErrorTrailers.FromRpcException(missing).Error);
        var noId = await Assert.ThrowsAsync<RpcException>(async () => await s.Client.GetLayerAsync(new ObjectRef { Id = 70000 }, s.Headers));
        Assert.Equal(WfpError.LayerNotFound, WfpErrorTrailers.FromRpcException(noId).Error);
    }

    [Fact]
    public async Task EnumSessions_DescribesEachOpenSession()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var mine = await TestSession.OpenAsync(channel, name: "mine");
        var client = new OpenWfp.Protocol.V1.Bfe.BfeClient(channel);
        using var dynamicCall = client.OpenSession(new OpenSessionRequest
        {
            DisplayData = new DisplayData { Name = "patient", Description = "waits forever" },
            Flags = 1,
            TxnWaitTimeoutMs = uint.MaxValue,
        });
        Assert.True(await dynamicCall.ResponseStream.MoveNext(CancellationToken.None));
        var patientKey = dynamicCall.ResponseStream.Current.Opened.SessionKey;
        await mine.Client.BeginTransactionAsync(new BeginTransactionRequest(), mine.Headers);

        var sessions = (await mine.Client.EnumSessionsAsync(new Empty(), mine.Headers)).Items;

        var m = Assert.Single(sessions, x => x.SessionKey == mine.Opened.SessionKey);
        Assert.Equal(("mine", 0u, 15_000u, true), (m.DisplayData.Name, m.Flags, m.TxnWaitTimeoutMs, m.InTransaction));
        Assert.Equal(((uint)Environment.ProcessId, 0u, "S-1-22-1-0", "root", false), (m.ProcessId, m.Uid, m.Sid, m.UserName, m.KernelMode));
        var p = Assert.Single(sessions, x => x.SessionKey == patientKey);
        Assert.Equal(("patient", "waits forever", 1u, uint.MaxValue, false), (p.DisplayData.Name, p.DisplayData.Description, p.Flags, p.TxnWaitTimeoutMs, p.InTransaction));
    }

    [Fact]
    public async Task AChangeSubscriptionByProvider_SeesOnlyThatProvidersObjects_AndIsListed()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var watcher = await TestSession.OpenAsync(channel, name: "watcher");
        await using var writer = await TestSession.OpenAsync(channel, name: "writer");
        var mine = await writer.Client.AddProviderAsync(new Provider { Key = Guid.NewGuid().ToString(), DisplayData = new DisplayData { Name = "mine" } }, writer.Headers);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = watcher.Client.SubscribeChanges(
            new SubscribeChangesRequest { ObjectTypes = { (uint)ObjectType.Sublayer }, ProviderKey = mine.Key, Flags = 0x1 },
            watcher.Headers,
            cancellationToken: cts.Token);
        await stream.ResponseHeadersAsync;

        var listed = Assert.Single((await writer.Client.GetChangeSubscriptionsAsync(new Empty(), writer.Headers)).Items);
        Assert.Equal((watcher.Opened.SessionKey, mine.Key, 0x1u), (listed.SessionKey, listed.ProviderKey, listed.Flags));
        Assert.Equal([(uint)ObjectType.Sublayer], listed.ObjectTypes);

        await writer.Client.AddSublayerAsync(new Sublayer { Key = Guid.NewGuid().ToString(), DisplayData = new DisplayData { Name = "no provider" } }, writer.Headers);
        var ours = await writer.Client.AddSublayerAsync(new Sublayer { Key = Guid.NewGuid().ToString(), DisplayData = new DisplayData { Name = "ours" }, ProviderKey = mine.Key }, writer.Headers);
        await writer.Client.DeleteSublayerAsync(new ObjectRef { Key = ours.Key }, writer.Headers); // a delete: not asked for

        Assert.True(await stream.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(("ours", 1u), (stream.ResponseStream.Current.Name, stream.ResponseStream.Current.ChangeType));
        var next = stream.ResponseStream.MoveNext(cts.Token);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(next.IsCompleted);
    }

    [Fact]
    public async Task ABadSubscriptionRequest_IsRefusedWithItsError()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var s = await TestSession.OpenAsync(channel);
        using var call = s.Client.SubscribeChanges(new SubscribeChangesRequest { ObjectTypes = { 9 } }, s.Headers);

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(WfpError.InvalidEnumerator, WfpErrorTrailers.FromRpcException(e).Error);
    }

    [Fact]
    public async Task AnAddThatBreaksSeveralRules_CarriesEveryErrorInTheTrailers()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var s = await TestSession.OpenAsync(channel);
        var bad = ApiTests.BlockPort("two mistakes", 23, sublayer: Guid.NewGuid().ToString());
        bad.ProviderKey = Guid.NewGuid().ToString();

        var rpc = await Assert.ThrowsAsync<RpcException>(async () => await s.Client.AddFilterAsync(bad, s.Headers));

        Assert.Equal(2, rpc.Trailers.Count(t => t.Key == WfpErrorTrailers.ErrorDetailKey));
        var e = WfpErrorTrailers.FromRpcException(rpc);
        Assert.Equal(WfpError.SublayerNotFound, e.Error);
        Assert.Equal([WfpError.SublayerNotFound, WfpError.ProviderNotFound], e.Details.Select(d => d.Error));
        Assert.Equal(["subLayerKey", "providerKey"], e.Details.Select(d => d.Member));
        Assert.Contains("two mistakes", e.ObjectDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheWatchdog_AbortsATransactionLeftIdle_AndCommitSaysSo()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var s = await TestSession.OpenAsync(channel);
        Assert.Equal(60_000u, (await s.Client.GetEngineOptionAsync(new EngineOptionRequest { Option = 5 }, s.Headers)).Value);
        await s.Client.SetEngineOptionAsync(new EngineOption { Option = 5, Value = 200 }, s.Headers);

        await s.Client.BeginTransactionAsync(new BeginTransactionRequest(), s.Headers);
        var pending = await s.Client.AddFilterAsync(ApiTests.BlockPort("idle", 23), s.Headers);
        await Task.Delay(1_000, TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<RpcException>(async () => await s.Client.CommitTransactionAsync(new Empty(), s.Headers));
        Assert.Equal(WfpError.TxnAborted, WfpErrorTrailers.FromRpcException(e).Error);
        var notFound = await Assert.ThrowsAsync<RpcException>(async () => await s.Client.GetFilterAsync(new ObjectRef { Key = pending.Key }, s.Headers));
        Assert.Equal(WfpError.FilterNotFound, WfpErrorTrailers.FromRpcException(notFound).Error);
    }

    [Fact]
    public async Task NetEventTemplates_SelectByLayerAndDecidingFilter()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var s = await TestSession.OpenAsync(channel);
        var c = s.Client;
        var telnet = await c.AddFilterAsync(ApiTests.BlockPort("telnet", 23), s.Headers);
        var ssh = await c.AddFilterAsync(ApiTests.BlockPort("ssh", 22), s.Headers);
        foreach (var port in new[] { "23", "22", "23" })
        {
            await c.ClassifyAsync(
                new ClassifyRequest { Layer = "ALE_AUTH_CONNECT_V4", Values = { new FieldValue { Field = "IP_REMOTE_PORT", Text = port }, new FieldValue { Field = "IP_PROTOCOL", Text = "tcp" } } },
                s.Headers);
        }

        var byFilter = (await c.EnumNetEventsAsync(new NetEventTemplate { FilterId = telnet.FilterId }, s.Headers)).Items;
        Assert.Equal([telnet.FilterId, telnet.FilterId], byFilter.Select(e => e.FilterId));
        var firstOnly = (await c.EnumNetEventsAsync(new NetEventTemplate { FilterId = ssh.FilterId, MaxCount = 1 }, s.Headers)).Items;
        Assert.Equal(ssh.FilterId, Assert.Single(firstOnly).FilterId);
        Assert.Equal(3, (await c.EnumNetEventsAsync(new NetEventTemplate { LayerId = 48 }, s.Headers)).Items.Count);
        Assert.Empty((await c.EnumNetEventsAsync(new NetEventTemplate { LayerId = 0 }, s.Headers)).Items); // INBOUND_IPPACKET_V4: an id of 0 is a layer too
    }
}
