using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;
using static OpenWfp.Client.FwpmConstants;
using DisplayData = OpenWfp.Engine.Model.DisplayData;
using FilterAction = OpenWfp.Engine.Model.FilterAction;
using FilterCondition = OpenWfp.Engine.Model.FilterCondition;

namespace OpenWfp.Client.Tests;

/// <summary>The Fwpm* functions against the fake daemon: session header, error codes, ids, enumeration, close, subscriptions.</summary>
public sealed class FwpmTests
{
    private static readonly LayerInfo Connect = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");

    [Fact]
    public async Task EveryCall_CarriesTheSessionHeader()
    {
        await using var server = await FakeBfeServer.StartAsync();
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineOpen0(server.SocketPath, RPC_C_AUTHN_WINNT, null, null, out var engine));
        var session = engine.SessionKey;
        Assert.NotNull(session);
        Assert.Equal(session, await server.Fake.SessionOpened.Task);

        Assert.Equal(ERROR_SUCCESS, Fwpm.TransactionBegin0(engine, 0));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, TelnetBlock(), null, out var id));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterGetById0(engine, id, out _));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterCreateEnumHandle0(engine, null, out var handle));
        Assert.Equal(ERROR_SUCCESS, Fwpm.TransactionCommit0(engine));
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineSetOption0(engine, FwpmEngineOption.CollectNetEvents, FwpValue.FromUInt32(1)));
        Assert.Equal((uint)WfpError.FilterNotFound, Fwpm.FilterDeleteById0(engine, 999_999));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterDestroyEnumHandle0(engine, handle));
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineClose0(engine));

        var calls = server.Fake.Calls;
        var open = Assert.Single(calls, c => c.Method == "OpenSession");
        Assert.Null(open.Session);
        var others = calls.Where(c => c.Method != "OpenSession").ToList();
        Assert.Equal(
            ["BeginTransaction", "AddFilter", "GetFilter", "EnumFilters", "CommitTransaction", "SetEngineOption", "DeleteFilter"],
            others.Select(c => c.Method));
        Assert.All(others, c => Assert.Equal(session, c.Session));
    }

    [Fact]
    public async Task EngineOpen0_SendsTheSession()
    {
        await using var server = await FakeBfeServer.StartAsync();
        var session = new FwpmSession0 { DisplayData = new DisplayData("porting test", "dynamic"), Flags = FWPM_SESSION_FLAG_DYNAMIC, TxnWaitTimeoutInMSec = INFINITE };
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineOpen0("unix:" + server.SocketPath, RPC_C_AUTHN_DEFAULT, null, session, out var engine));
        using (engine)
        {
            var request = (OpenSessionRequest)Assert.Single(server.Fake.Calls, c => c.Method == "OpenSession").Request;
            Assert.Equal(1u, request.Flags);
            Assert.Equal(uint.MaxValue, request.TxnWaitTimeoutMs);
            Assert.Equal("porting test", request.DisplayData.Name);
            Assert.Equal("dynamic", request.DisplayData.Description);
            Assert.Equal(1000u, engine.Client!.Uid);
            Assert.True(engine.Client.CanWrite);
        }

        Assert.True(engine.IsInvalid);
    }

    [Fact]
    public async Task FilterAdd0_ReturnsTheIdTheDaemonAssigned()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var filter = TelnetBlock();
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, filter, null, out var id));
        Assert.True(id > 1000);

        var sent = (Filter)Assert.Single(server.Fake.Calls, c => c.Method == "AddFilter").Request;
        Assert.Equal(ProtoMap.ToProto(filter), sent);

        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterGetById0(engine, id, out var stored));
        Assert.NotNull(stored);
        Assert.Equal(id, stored.FilterId);
        Assert.Equal(filter.Conditions, stored.Conditions);
        Assert.Equal(filter.Action, stored.Action);
        Assert.Equal(filter.LayerKey, stored.LayerKey);
        Assert.NotEqual(0UL, stored.EffectiveWeight);

        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterGetByKey0(engine, stored.Key, out var byKey));
        Assert.Equal(id, byKey!.FilterId);
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterDeleteByKey0(engine, stored.Key));
        var deleteRef = (ObjectRef)server.Fake.Calls.Last(c => c.Method == "DeleteFilter").Request;
        Assert.Equal(stored.Key.ToString("D"), deleteRef.Key);
        Assert.Equal(0UL, deleteRef.Id);
    }

    [Fact]
    public async Task OtherObjects_AddGetDelete()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var providerKey = Guid.NewGuid();
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderAdd0(engine, new ProviderSpec { Key = providerKey, DisplayData = new DisplayData("p") }, null));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderGetByKey0(engine, providerKey, out var provider));
        Assert.Equal("p", provider!.DisplayData.Name);

        var sublayerKey = Guid.NewGuid();
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerAdd0(engine, new SublayerSpec { Key = sublayerKey, DisplayData = new DisplayData("s"), ProviderKey = providerKey, Weight = 0x100 }, null));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerGetByKey0(engine, sublayerKey, out var sublayer));
        Assert.Equal((ushort)0x100, sublayer!.Weight);
        Assert.Equal(providerKey, sublayer.ProviderKey);

        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutAdd0(engine, new CalloutSpec { DisplayData = new DisplayData("c"), ApplicableLayer = Connect.Key }, null, out var calloutId));
        Assert.NotEqual(0u, calloutId);
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutGetById0(engine, calloutId, out var callout));
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutGetByKey0(engine, callout!.Key, out var calloutByKey));
        Assert.Equal(calloutId, calloutByKey!.CalloutId);
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutDeleteById0(engine, calloutId));
        Assert.Equal((uint)WfpError.CalloutNotFound, Fwpm.CalloutDeleteByKey0(engine, callout.Key));

        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextAdd0(engine, new ProviderContextSpec { DisplayData = new DisplayData("pc"), Data = [1, 2] }, null, out var contextId));
        Assert.NotEqual(0UL, contextId);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextGetById0(engine, contextId, out var context));
        Assert.Equal([1, 2], context!.Data);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextGetByKey0(engine, context.Key, out _));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextDeleteByKey0(engine, context.Key));
        Assert.Equal((uint)WfpError.ProviderContextNotFound, Fwpm.ProviderContextDeleteById0(engine, contextId));

        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerDeleteByKey0(engine, sublayerKey));
        Assert.Equal((uint)WfpError.SublayerNotFound, Fwpm.SubLayerGetByKey0(engine, sublayerKey, out var gone));
        Assert.Null(gone);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderDeleteByKey0(engine, providerKey));
        Assert.Equal(ERROR_SUCCESS, Fwpm.TransactionBegin0(engine, FWPM_TXN_READ_ONLY));
        Assert.Equal(ERROR_SUCCESS, Fwpm.TransactionAbort0(engine));
        Assert.Equal(1u, ((BeginTransactionRequest)server.Fake.Calls.Single(c => c.Method == "BeginTransaction").Request).Flags);
    }

    [Fact]
    public async Task Errors_AreTheFwpCodesFromTheTrailers()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);

        Assert.Equal(0x80320003u, Fwpm.FilterDeleteById0(engine, 42));
        Assert.Equal(0x80320003u, Fwpm.FilterGetByKey0(engine, Guid.NewGuid(), out var filter));
        Assert.Null(filter);
        Assert.Equal(0x80320005u, Fwpm.ProviderGetByKey0(engine, Guid.NewGuid(), out _));

        server.Fake.Fail("BeginTransaction", WfpError.TxnInProgress);
        Assert.Equal(0x8032000Eu, Fwpm.TransactionBegin0(engine, 0));
        server.Fake.Fail("CommitTransaction", WfpError.NoTxnInProgress);
        Assert.Equal(0x8032000Du, Fwpm.TransactionCommit0(engine));
        server.Fake.Fail("AddSublayer", WfpError.AlreadyExists);
        Assert.Equal(0x80320009u, Fwpm.SubLayerAdd0(engine, new SublayerSpec { DisplayData = new DisplayData("s") }, null));

        // E_ACCESSDENIED from the daemon is ERROR_ACCESS_DENIED, as Fwpm* returns it on Windows.
        server.Fake.Fail("AddProvider", WfpError.AccessDenied);
        Assert.Equal(ERROR_ACCESS_DENIED, Fwpm.ProviderAdd0(engine, new ProviderSpec { DisplayData = new DisplayData("p") }, null));
    }

    [Fact]
    public async Task ArgumentsAndHandles_AreCheckedBeforeAnyCall()
    {
        await using var server = await FakeBfeServer.StartAsync();
        Assert.Equal(ERROR_INVALID_PARAMETER, Fwpm.EngineOpen0(server.SocketPath, 9, null, null, out var refused));
        Assert.True(refused.IsInvalid);
        Assert.Equal(ERROR_INVALID_PARAMETER, Fwpm.EngineOpen0(server.SocketPath, RPC_C_AUTHN_WINNT, new object(), null, out _));

        using var engine = Open(server);
        Assert.Equal((uint)WfpError.NullPointer, Fwpm.FilterAdd0(engine, null!, null, out _));
        Assert.Equal((uint)WfpError.TypeMismatch, Fwpm.EngineSetOption0(engine, FwpmEngineOption.CollectNetEvents, FwpValue.FromUInt8(1)));
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.TransactionBegin0(null!, 0));

        Assert.DoesNotContain(server.Fake.Calls, c => c.Method == "AddFilter");
        Assert.DoesNotContain(server.Fake.Calls, c => c.Method == "OpenSession" && c.Session is not null);
    }

    [Fact]
    public async Task TheSdArgument_TravelsWithTheAdd_AsSddl()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);

        var sd = SecurityDescriptor.ParseSddl("O:SYD:(A;;GA;;;BA)(XA;;CC;;;WD;(WIN://SYSAPPID Contains \"x\"))");
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, TelnetBlock(), sd, out var id));
        Assert.NotEqual(0UL, id);
        var sent = (Protocol.V1.Filter)server.Fake.Calls.Single(c => c.Method == "AddFilter").Request;
        Assert.Equal(sd.ToSddl(), sent.SecurityDescriptor);

        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, TelnetBlock(), null, out _));
        Assert.Equal("", ((Protocol.V1.Filter)server.Fake.Calls.Last(c => c.Method == "AddFilter").Request).SecurityDescriptor);
    }

    [Fact]
    public async Task EngineOpen0_WithoutADaemon_IsServerUnavailable()
    {
        var path = Path.Combine("/tmp", $"openwfp-client-test-{Guid.NewGuid():N}.sock");
        Assert.Equal(RPC_S_SERVER_UNAVAILABLE, Fwpm.EngineOpen0(path, RPC_C_AUTHN_WINNT, null, null, out var engine));
        Assert.True(engine.IsInvalid);
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.FilterAdd0(engine, TelnetBlock(), null, out _));
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.EngineClose0(engine));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task EnumHandles_PageThroughASnapshot()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var ids = new List<ulong>();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, TelnetBlock() with { DisplayData = new DisplayData($"f{i}") }, null, out var id));
            ids.Add(id);
        }

        var template = new FwpmFilterEnumTemplate0 { LayerKey = Connect.Key, Flags = FWP_FILTER_ENUM_FLAG_SORTED };
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterCreateEnumHandle0(engine, template, out var handle));
        var sentTemplate = (FilterEnumTemplate)server.Fake.Calls.Single(c => c.Method == "EnumFilters").Request;
        Assert.Equal(Connect.Key.ToString("D"), sentTemplate.LayerKey);
        Assert.Equal(FWP_FILTER_ENUM_FLAG_SORTED, sentTemplate.Flags);

        // Filters added after the handle was created are not in it: it is a snapshot.
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, TelnetBlock(), null, out _));

        var seen = new List<ulong>();
        var pages = new List<uint>();
        while (true)
        {
            Assert.Equal(ERROR_SUCCESS, Fwpm.FilterEnum0(engine, handle, 4, out var entries, out var returned));
            Assert.Equal(returned, (uint)entries.Length);
            pages.Add(returned);
            seen.AddRange(entries.Select(f => f.FilterId));
            if (returned < 4)
            {
                break;
            }
        }

        Assert.Equal([4u, 4u, 2u], pages);
        Assert.Equal(ids, seen);
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterEnum0(engine, handle, 4, out var none, out var zero));
        Assert.Empty(none);
        Assert.Equal(0u, zero);

        // The handle is for filters of this engine only, and dies when destroyed.
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.ProviderEnum0(engine, handle, 4, out _, out _));
        using (var other = Open(server))
        {
            Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.FilterEnum0(other, handle, 4, out _, out _));
        }

        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterDestroyEnumHandle0(engine, handle));
        Assert.True(handle.IsInvalid);
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.FilterEnum0(engine, handle, 4, out _, out _));
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.FilterDestroyEnumHandle0(engine, handle));
    }

    [Fact]
    public async Task EnumHandles_ForEveryObjectType()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var providerKey = Guid.NewGuid();
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderAdd0(engine, new ProviderSpec { Key = providerKey, DisplayData = new DisplayData("p") }, null));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerAdd0(engine, new SublayerSpec { DisplayData = new DisplayData("s"), ProviderKey = providerKey }, null));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerAdd0(engine, new SublayerSpec { DisplayData = new DisplayData("t") }, null));
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutAdd0(engine, new CalloutSpec { DisplayData = new DisplayData("c"), ApplicableLayer = Connect.Key }, null, out _));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextAdd0(engine, new ProviderContextSpec { DisplayData = new DisplayData("pc"), Type = ProviderContextType.General }, null, out _));
        server.Fake.StoredNetEvents.Add(new NetEvent { Type = 3, FilterId = 7, RemoteAddress = "10.0.0.1", RemotePort = 23, UserId = "S-1-5-18" });

        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderCreateEnumHandle0(engine, null, out var providers));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderEnum0(engine, providers, 10, out var p, out _));
        Assert.Equal(providerKey, Assert.Single(p).Key);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderDestroyEnumHandle0(engine, providers));

        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerCreateEnumHandle0(engine, new FwpmSubLayerEnumTemplate0 { ProviderKey = providerKey }, out var sublayers));
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerEnum0(engine, sublayers, 10, out var s, out _));
        Assert.Equal("s", Assert.Single(s).DisplayData.Name);
        Assert.Equal(ERROR_SUCCESS, Fwpm.SubLayerDestroyEnumHandle0(engine, sublayers));

        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutCreateEnumHandle0(engine, new FwpmCalloutEnumTemplate0 { LayerKey = Connect.Key }, out var callouts));
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutEnum0(engine, callouts, 10, out var c, out _));
        Assert.Single(c);
        Assert.Equal(ERROR_SUCCESS, Fwpm.CalloutDestroyEnumHandle0(engine, callouts));

        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextCreateEnumHandle0(engine, new FwpmProviderContextEnumTemplate0 { ProviderContextType = ProviderContextType.ClassifyOptions }, out var contexts));
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextEnum0(engine, contexts, 10, out var pc, out _));
        Assert.Empty(pc);
        Assert.Equal(ERROR_SUCCESS, Fwpm.ProviderContextDestroyEnumHandle0(engine, contexts));
        var pcTemplate = (EnumTemplate)server.Fake.Calls.Single(x => x.Method == "EnumProviderContexts").Request;
        Assert.True(pcTemplate.HasType);
        Assert.Equal(7u, pcTemplate.Type);

        var start = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        Assert.Equal(ERROR_SUCCESS, Fwpm.NetEventCreateEnumHandle0(engine, new FwpmNetEventEnumTemplate0 { StartTime = start }, out var events));
        Assert.Equal(ERROR_SUCCESS, Fwpm.NetEventEnum0(engine, events, 10, out var ev, out var n));
        Assert.Equal(1u, n);
        Assert.Equal(System.Net.IPAddress.Parse("10.0.0.1"), ev[0].RemoteAddress);
        Assert.Equal((ushort)23, ev[0].RemotePort);
        Assert.Equal(Sid.LocalSystem, ev[0].UserId);
        Assert.Equal(ERROR_SUCCESS, Fwpm.NetEventDestroyEnumHandle0(engine, events));
        var netTemplate = (NetEventTemplate)server.Fake.Calls.Single(x => x.Method == "EnumNetEvents").Request;
        Assert.Equal(start.ToUnixTimeMilliseconds() * 1_000_000, netTemplate.StartTimeUnixNs);
    }

    [Fact]
    public async Task ActionMaskZero_EnumeratesNothing_AsOnWindows()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterAdd0(engine, TelnetBlock(), null, out _));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterCreateEnumHandle0(engine, new FwpmFilterEnumTemplate0 { ActionMask = 0 }, out var handle));
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterEnum0(engine, handle, 10, out var entries, out _));
        Assert.Empty(entries);
    }

    [Fact]
    public async Task EngineClose0_EndsTheSessionStream()
    {
        await using var server = await FakeBfeServer.StartAsync();
        var engine = Open(server);
        var key = engine.SessionKey!;
        var ended = server.Fake.SessionsEnded[key].Task;
        Assert.False(ended.IsCompleted);
        Assert.True(engine.Client!.IsSessionOpen);

        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineClose0(engine));
        await ended.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(engine.IsInvalid);
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.EngineClose0(engine));
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.TransactionBegin0(engine, 0));
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.FilterCreateEnumHandle0(engine, null, out _));
    }

    [Fact]
    public async Task FilterSubscribeChanges0_CallsBackForStreamedChanges()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var received = new List<(object? Context, FwpmFilterChange0 Change)>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new object();
        var subscription = new FwpmFilterSubscription0
        {
            EnumTemplate = new FwpmFilterEnumTemplate0 { LayerKey = Connect.Key },
            Flags = FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD | FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE,
        };
        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterSubscribeChanges0(engine, subscription, (ctx, change) =>
        {
            lock (received)
            {
                received.Add((ctx, change));
                if (received.Count == 2)
                {
                    two.TrySetResult();
                }
            }
        }, context, out var changeHandle));
        Assert.False(changeHandle.IsInvalid);

        var request = (SubscribeChangesRequest)server.Fake.Calls.Single(c => c.Method == "SubscribeChanges").Request;
        Assert.Equal([(uint)ObjectType.Filter], request.ObjectTypes);
        Assert.Equal(3u, request.Flags);
        Assert.Equal(Connect.Key.ToString("D"), request.FilterTemplate.LayerKey);
        Assert.Equal(engine.SessionKey, server.Fake.Calls.Single(c => c.Method == "SubscribeChanges").Session);

        var key = Guid.NewGuid();
        await server.Fake.Changes.Writer.WriteAsync(new ChangeEvent { ChangeType = 1, ObjectType = ObjectType.Filter, Key = key.ToString("D"), Id = 77, Name = "f" }, TestContext.Current.CancellationToken);
        await server.Fake.Changes.Writer.WriteAsync(new ChangeEvent { ChangeType = 2, ObjectType = ObjectType.Filter, Key = key.ToString("D"), Id = 77, Name = "f" }, TestContext.Current.CancellationToken);
        await two.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.All(received, r => Assert.Same(context, r.Context));
        Assert.Equal([new FwpmFilterChange0(FwpmChangeType.Add, key, 77), new FwpmFilterChange0(FwpmChangeType.Delete, key, 77)], received.Select(r => r.Change));

        Assert.Equal(ERROR_SUCCESS, Fwpm.FilterUnsubscribeChanges0(engine, changeHandle));
        await server.Fake.SubscriptionEnded.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(changeHandle.IsInvalid);
        Assert.Equal(ERROR_INVALID_HANDLE, Fwpm.FilterUnsubscribeChanges0(engine, changeHandle));
    }

    [Fact]
    public async Task FilterSubscribeChanges0_ReturnsTheDaemonsRefusal()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        server.Fake.Fail("SubscribeChanges", WfpError.TxnInProgress);
        Assert.Equal(0x8032000Eu, Fwpm.FilterSubscribeChanges0(engine, new FwpmFilterSubscription0(), (_, _) => { }, null, out var handle));
        Assert.True(handle.IsInvalid);
        Assert.Equal((uint)WfpError.NullPointer, Fwpm.FilterSubscribeChanges0(engine, new FwpmFilterSubscription0(), null!, null, out _));

        // A refusal without FWP trailers (a daemon that lacks the method) is seen too.
        server.Fake.Unimplement("SubscribeNetEvents");
        Assert.Equal(RPC_S_PROCNUM_OUT_OF_RANGE, Fwpm.NetEventSubscribe0(engine, new FwpmNetEventSubscription0(), (_, _) => { }, null, out var events));
        Assert.True(events.IsInvalid);
    }

    [Fact]
    public async Task NetEventSubscribe0_CallsBackForStreamedEvents()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        var got = new TaskCompletionSource<FwpmNetEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal(ERROR_SUCCESS, Fwpm.NetEventSubscribe0(engine, new FwpmNetEventSubscription0(), (ctx, e) => got.TrySetResult(e), "ctx", out var eventsHandle));
        await server.Fake.NetEvents.Writer.WriteAsync(
            new NetEvent
            {
                Type = FWPM_NET_EVENT_TYPE_CLASSIFY_DROP,
                IpVersion = 6,
                RemoteAddress = "2001:db8::1",
                FilterId = 5,
                Direction = FWP_DIRECTION_OUT,
                TerminatingFilters = { new TerminatingFilter { FilterId = 5, SublayerKey = "eebecc03-ced4-4380-819a-2734397b2b74", Action = 0x1001 } },
            },
            TestContext.Current.CancellationToken);
        var e = await got.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.IPAddress.Parse("2001:db8::1"), e.RemoteAddress);
        Assert.Equal(FWP_DIRECTION_OUT, e.Direction);
        Assert.Equal(new FwpmTerminatingFilter(5, Guid.Parse("eebecc03-ced4-4380-819a-2734397b2b74"), ActionType.Block), Assert.Single(e.TerminatingFilters));
        Assert.Equal(ERROR_SUCCESS, Fwpm.NetEventUnsubscribe0(engine, eventsHandle));
        await server.Fake.SubscriptionEnded.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task EngineOptions_GetAndSet()
    {
        await using var server = await FakeBfeServer.StartAsync();
        using var engine = Open(server);
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineSetOption0(engine, FwpmEngineOption.NetEventMatchAnyKeywords, FwpValue.FromUInt32(FWPM_NET_EVENT_KEYWORD_CLASSIFY_ALLOW)));
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineGetOption0(engine, FwpmEngineOption.NetEventMatchAnyKeywords, out var value));
        Assert.Equal(FwpValue.FromUInt32(0x10), value);
    }

    private static FwpmEngineHandle Open(FakeBfeServer server)
    {
        Assert.Equal(ERROR_SUCCESS, Fwpm.EngineOpen0(server.SocketPath, RPC_C_AUTHN_WINNT, null, null, out var engine));
        return engine;
    }

    private static FilterSpec TelnetBlock() => new()
    {
        DisplayData = new DisplayData("Block telnet"),
        LayerKey = Connect.Key,
        Weight = FwpValue.FromUInt8(15),
        Action = FilterAction.Block,
        Conditions = [new FilterCondition(Connect.Field("IP_REMOTE_PORT").ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(23)))],
    };
}
