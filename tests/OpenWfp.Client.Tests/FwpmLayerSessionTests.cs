using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.V1;
using static OpenWfp.Client.FwpmConstants;

namespace OpenWfp.Client.Tests;

/// <summary>
/// FwpmLayer*, FwpmSessionEnum0, the change subscriptions of every object kind with their SubscriptionsGet0, a dropped
/// subscription, and several errors in one failure, against the fake daemon.
/// </summary>
public sealed class FwpmLayerSessionTests
{
    private static readonly Guid ConnectKey = Guid.Parse("c38d57d1-05a7-4c33-904f-7fbceee60e82");
    private static readonly Guid RemoteAddressKey = Guid.Parse("b235ae9a-1d64-49b8-a44c-5ff3d9095045");
    private static readonly Guid Universal = Guid.Parse("eebecc03-ced4-4380-819a-2734397b2b74");

    [Fact]
    public async Task LayerEnum0_PagesTheLayers_AndGetByKeyOrIdMapsEveryField()
    {
        await using var server = await FakeBfeServer.StartAsync();
        server.Fake.Layers.Add(ConnectLayer());
        server.Fake.Layers.Add(new Layer { Key = Guid.NewGuid().ToString(), Name = "FWPM_LAYER_OTHER", LayerId = 49 });
        using var engine = Open(server);

        Assert.Equal(ERROR_SUCCESS, Fwpm.LayerCreateEnumHandle0(engine, null, out var handle));
        Assert.Equal(ERROR_SUCCESS, Fwpm.LayerEnum0(engine, handle, 1, out var first, out var n1));
        Assert.Equal(ERROR_SUCCESS, Fwpm.LayerEnum0(engine, handle, 10, out var rest, out var n2));
        Assert.Equal((1u, 1u), (n1, n2));
        Assert.Equal(["FWPM_LAYER_ALE_AUTH_CONNECT_V4", "FWPM_LAYER_OTHER"], first.Concat(rest).Select(l => l.Name));
        Assert.Equal(ERROR_SUCCESS, Fwpm.LayerDestroyEnumHandle0(engine, handle));

        Assert.Equal(ERROR_SUCCESS, Fwpm.LayerGetByKey0(engine, ConnectKey, out var byKey));
        Assert.Equal(ERROR_SUCCESS, Fwpm.LayerGetById0(engine, 48, out var byId));
        Assert.Equal(byKey!.LayerKey, byId!.LayerKey);
        Assert.Equal((ConnectKey, "connect", 0x3u, Universal, (ushort)48), (byKey.LayerKey, byKey.DisplayData.Name, byKey.Flags, byKey.DefaultSubLayerKey, byKey.LayerId));
        Assert.Equal([new FwpmField0(RemoteAddressKey, 1, FwpDataType.UInt32, "FWPM_CONDITION_IP_REMOTE_ADDRESS")], byKey.Fields);

        Assert.Equal((uint)WfpError.LayerNotFound, Fwpm.LayerGetById0(engine, 7, out var none));
        Assert.Null(none);
        Assert.Equal(48UL, ((ObjectRef)server.Fake.Calls.First(c => c.Method == "GetLayer" && ((ObjectRef)c.Request).Key.Length == 0).Request).Id);
    }

    [Fact]
    public async Task SessionEnum0_ReturnsEachSessionAsFwpmSession0()
    {
        await using var server = await FakeBfeServer.StartAsync();
        var key = Guid.NewGuid();
        server.Fake.Sessions.Add(new Session
        {
            SessionKey = key.ToString(),
            DisplayData = new DisplayData { Name = "vpn", Description = "tunnel" },
            Flags = 1,
            TxnWaitTimeoutMs = uint.MaxValue,
            ProcessId = 321,
            Uid = 1000,
            Sid = "S-1-22-1-1000",
            UserName = "alice",
            InTransaction = true,
        });
        using var engine = Open(server);

        Assert.Equal(ERROR_SUCCESS, Fwpm.SessionCreateEnumHandle0(engine, null, out var handle));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SessionEnum0(engine, handle, 10, out var sessions, out var count));
        Assert.Equal(1u, count);
        var s = sessions[0];
        Assert.Equal((key, "vpn", "tunnel", FWPM_SESSION_FLAG_DYNAMIC, INFINITE), (s.SessionKey, s.DisplayData!.Name, s.DisplayData.Description, s.Flags, s.TxnWaitTimeoutInMSec));
        Assert.Equal((321u, 1000u, "S-1-22-1-1000", "alice", false, true), (s.ProcessId, s.Uid, s.Sid, s.Username, s.KernelMode, s.InTransaction));
    }

    [Fact]
    public async Task EveryKindsSubscribeChanges0_SendsItsKindAndTemplate_AndCallsBackWithItsChangeType()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var provider = Guid.NewGuid();
        var got = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutSubscribeChanges0(
            engine,
            new FwpmCalloutSubscription0 { EnumTemplate = new FwpmCalloutEnumTemplate0 { ProviderKey = provider, LayerKey = ConnectKey }, Flags = FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE },
            (ctx, change) => got.TrySetResult(change),
            null,
            out var handle));

        var request = (SubscribeChangesRequest)Assert.Single(server.Fake.Calls, c => c.Method == "SubscribeChanges").Request;
        Assert.Equal(((uint)ObjectType.Callout, 2u, provider.ToString(), ConnectKey.ToString()), (Assert.Single(request.ObjectTypes), request.Flags, request.ProviderKey, request.LayerKey));

        var key = Guid.NewGuid();
        await server.Fake.Changes.Writer.WriteAsync(new ChangeEvent { ChangeType = 2, ObjectType = ObjectType.Callout, Key = key.ToString(), Id = 52 }, TestContext.Current.CancellationToken);
        Assert.Equal(new FwpmCalloutChange0(FwpmChangeType.Delete, key, 52), await got.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutUnsubscribeChanges0(engine, handle));
        await server.Fake.SubscriptionEnded.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ProviderSublayerAndContextSubscriptions_SendTheirProviderKey()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var provider = Guid.NewGuid();

        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderSubscribeChanges0(engine, new FwpmProviderSubscription0 { EnumTemplate = new FwpmProviderEnumTemplate0 { ProviderKey = provider } }, (_, _) => { }, null, out var p));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerSubscribeChanges0(engine, new FwpmSubLayerSubscription0 { EnumTemplate = new FwpmSubLayerEnumTemplate0 { ProviderKey = provider } }, (_, _) => { }, null, out var s));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextSubscribeChanges0(engine, new FwpmProviderContextSubscription0 { EnumTemplate = new FwpmProviderContextEnumTemplate0 { ProviderKey = provider } }, (_, _) => { }, null, out var c));

        var requests = server.Fake.Calls.Where(x => x.Method == "SubscribeChanges").Select(x => (SubscribeChangesRequest)x.Request).ToList();
        Assert.Equal(
            [((uint)ObjectType.Provider, provider.ToString()), ((uint)ObjectType.Sublayer, provider.ToString()), ((uint)ObjectType.ProviderContext, provider.ToString())],
            requests.Select(r => (Assert.Single(r.ObjectTypes), r.ProviderKey)));
        Assert.All(requests, r => Assert.Equal("", r.LayerKey));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderUnsubscribeChanges0(engine, p));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerUnsubscribeChanges0(engine, s));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextUnsubscribeChanges0(engine, c));
        Assert.Equal((uint)WfpError.NullPointer, Fwpm.SubLayerSubscribeChanges0(engine, null!, (_, _) => { }, null, out _));
    }

    [Fact]
    public async Task SubscriptionsGet0_ReturnsTheSubscriptionsOfItsKind()
    {
        await using var server = await FakeBfeServer.StartAsync();
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var provider = Guid.NewGuid();
        server.Fake.Subscriptions.Add(new ChangeSubscription { SessionKey = a.ToString(), ObjectTypes = { (uint)ObjectType.Sublayer }, ProviderKey = provider.ToString(), Flags = 1 });
        server.Fake.Subscriptions.Add(new ChangeSubscription { SessionKey = b.ToString(), FilterTemplate = new FilterEnumTemplate { LayerKey = ConnectKey.ToString() } });
        using var engine = Open(server);

        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerSubscriptionsGet0(engine, out var sublayers, out var ns));
        Assert.Equal(2u, ns); // the second covers every kind
        Assert.Equal((a, provider, 1u), (sublayers[0].SessionKey, sublayers[0].EnumTemplate!.ProviderKey, sublayers[0].Flags));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterSubscriptionsGet0(engine, out var filters, out var nf));
        Assert.Equal(1u, nf);
        Assert.Equal((b, ConnectKey), (filters[0].SessionKey, filters[0].EnumTemplate!.LayerKey));
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutSubscriptionsGet0(engine, out _, out var nc));
        Assert.Equal(1u, nc);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderSubscriptionsGet0(engine, out _, out var np));
        Assert.Equal(1u, np);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextSubscriptionsGet0(engine, out _, out var npc));
        Assert.Equal(1u, npc);
    }

    [Fact]
    public async Task ASubscriptionCutOffForFallingBehind_EndsWithNotificationDropped()
    {
        await using var server = await FakeBfeServer.StartAsync();
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);
        await server.Fake.Changes.Writer.WriteAsync(new ChangeEvent { ChangeType = 1, ObjectType = ObjectType.Filter, Key = Guid.NewGuid().ToString(), Name = "kept" }, TestContext.Current.CancellationToken);
        server.Fake.Changes.Writer.Complete(Protocol.Mapping.WfpErrorTrailers.ToRpcException(new WfpException(WfpError.NotificationDropped, "fell behind")));

        var names = new List<string>();
        var e = await Assert.ThrowsAsync<WfpException>(async () =>
        {
            await foreach (var change in client.SubscribeChangesAsync(cancellationToken: TestContext.Current.CancellationToken))
            {
                names.Add(change.Name);
            }
        });
        Assert.Equal(WfpError.NotificationDropped, e.Error);
        Assert.Equal(["kept"], names);
    }

    [Fact]
    public async Task AFailureWithSeveralErrors_KeepsThemAllInDetails()
    {
        await using var server = await FakeBfeServer.StartAsync();
        server.Fake.Fail("AddSublayer", new WfpException(
            [new WfpErrorDetail(WfpError.ProviderNotFound, "providerKey", "no provider"), new WfpErrorDetail(WfpError.InvalidWeight, "weight", "too heavy")],
            "sublayer \"s\""));
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<WfpException>(() => client.AddSublayerAsync(new Engine.Model.SublayerSpec { DisplayData = new Engine.Model.DisplayData("s") }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(WfpError.ProviderNotFound, e.Error);
        Assert.Equal("sublayer \"s\"", e.ObjectDescription);
        Assert.Equal([(WfpError.ProviderNotFound, "providerKey", "no provider"), (WfpError.InvalidWeight, "weight", "too heavy")], e.Details.Select(d => (d.Error, d.Member, d.Message)));
    }

    [Fact]
    public async Task NetEventTemplates_CarryTheLayerAndFilterExtensions()
    {
        await using var server = await FakeBfeServer.StartAsync();
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);

        await client.EnumNetEventsAsync(new FwpmNetEventEnumTemplate0 { LayerId = 0, FilterId = 12 }, TestContext.Current.CancellationToken);
        await client.EnumNetEventsAsync(new FwpmNetEventEnumTemplate0(), TestContext.Current.CancellationToken);

        var requests = server.Fake.Calls.Where(c => c.Method == "EnumNetEvents").Select(c => (NetEventTemplate)c.Request).ToList();
        Assert.Equal((true, 0u, 12UL), (requests[0].HasLayerId, requests[0].LayerId, requests[0].FilterId));
        Assert.Equal((false, 0UL), (requests[1].HasLayerId, requests[1].FilterId));
    }

    private static Layer ConnectLayer()
    {
        var layer = new Layer
        {
            Key = ConnectKey.ToString(),
            Name = "FWPM_LAYER_ALE_AUTH_CONNECT_V4",
            LayerId = 48,
            DefaultSublayerKey = Universal.ToString(),
            DisplayData = new DisplayData { Name = "connect" },
            Flags = 3,
        };
        layer.Fields.Add(new LayerField { FieldKey = RemoteAddressKey.ToString(), Type = 1, DataType = (uint)FwpDataType.UInt32, Name = "FWPM_CONDITION_IP_REMOTE_ADDRESS" });
        return layer;
    }

    private static FwpmEngineHandle Open(FakeBfeServer server)
    {
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineOpen0(server.SocketPath, RPC_C_AUTHN_WINNT, null, null, out var engine));
        return engine;
    }
}
