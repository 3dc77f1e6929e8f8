using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>The Fwpm surface over the socket: add, get, enumerate, delete, errors with FWP_E_* trailers.</summary>
public sealed class ApiTests
{
    internal const string ConnectV4 = "c38d57d1-05a7-4c33-904f-7fbceee60e82"; // FWPM_LAYER_ALE_AUTH_CONNECT_V4

    internal static Filter BlockPort(string name, uint port, string? sublayer = null, uint flags = 0) => new()
    {
        DisplayData = new DisplayData { Name = name },
        LayerKey = ConnectV4,
        SublayerKey = sublayer ?? "",
        Flags = flags,
        Action = new FilterAction { Type = 0x1001 },
        Conditions =
        {
            new FilterCondition
            {
                FieldKey = "c35a604d-d22b-4e1a-91b4-68f674ee674b", // FWPM_CONDITION_IP_REMOTE_PORT
                MatchType = 0,
                Value = new ConditionValue { Type = 2, Value = new Value { Type = 2, Uint = port } },
            },
        },
    };

    [Fact]
    public async Task AddGetEnumDelete_Filter_RoundTrips()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var session = await TestSession.OpenAsync(channel);
        var c = session.Client;
        Assert.True(session.Opened.CanWrite);
        var sublayer = await c.AddSublayerAsync(new Sublayer { DisplayData = new DisplayData { Name = "tests" }, Weight = 0x4000 }, session.Headers);
        var added = await c.AddFilterAsync(BlockPort("Block telnet", 23, sublayer.Key), session.Headers);
        Assert.NotEqual(0UL, added.FilterId);
        Assert.NotEqual(0UL, added.EffectiveWeight);

        var byKey = await c.GetFilterAsync(new ObjectRef { Key = added.Key }, session.Headers);
        var byId = await c.GetFilterAsync(new ObjectRef { Id = added.FilterId }, session.Headers);
        Assert.Equal(added, byKey);
        Assert.Equal(added, byId);

        var inSublayer = await c.EnumFiltersAsync(new FilterEnumTemplate { SublayerKey = sublayer.Key }, session.Headers);
        Assert.Equal([added.Key], inSublayer.Items.Select(f => f.Key));

        var classify = await c.ClassifyAsync(new ClassifyRequest { Layer = "ALE_AUTH_CONNECT_V4", Values = { new FieldValue { Field = "IP_REMOTE_PORT", Text = "23" } } }, session.Headers);
        Assert.Equal(0x1001u, classify.Action);
        Assert.Equal(added.FilterId, classify.FilterId);

        await c.DeleteFilterAsync(new ObjectRef { Id = added.FilterId }, session.Headers);
        var gone = await Assert.ThrowsAsync<RpcException>(() => c.GetFilterAsync(new ObjectRef { Key = added.Key }, session.Headers).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal("FWP_E_FILTER_NOT_FOUND", gone.Trailers.GetValue("fwp-error"));
        Assert.Equal("0x80320003", gone.Trailers.GetValue("fwp-error-code"));
    }

    [Fact]
    public async Task Validation_ErrorsCarryTheirFwpName()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        var c = new V1.Bfe.BfeClient(channel);
        var noName = await Assert.ThrowsAsync<RpcException>(() => c.AddSublayerAsync(new Sublayer { Weight = 1 }).ResponseAsync);
        Assert.Equal("FWP_E_NULL_DISPLAY_NAME", noName.Trailers.GetValue("fwp-error"));

        var badLayer = BlockPort("x", 1);
        badLayer.LayerKey = Guid.NewGuid().ToString();
        var layer = await Assert.ThrowsAsync<RpcException>(() => c.AddFilterAsync(badLayer).ResponseAsync);
        Assert.Equal("FWP_E_LAYER_NOT_FOUND", layer.Trailers.GetValue("fwp-error"));

        var badGuid = await Assert.ThrowsAsync<RpcException>(() => c.GetFilterAsync(new ObjectRef { Key = "not-a-guid" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badGuid.StatusCode);
        Assert.Equal("FWP_E_INVALID_PARAMETER", badGuid.Trailers.GetValue("fwp-error"));

        var commitWithout = await Assert.ThrowsAsync<RpcException>(() => c.CommitTransactionAsync(new Empty()).ResponseAsync);
        Assert.Equal("FWP_E_NO_TXN_IN_PROGRESS", commitWithout.Trailers.GetValue("fwp-error"));
    }
}
