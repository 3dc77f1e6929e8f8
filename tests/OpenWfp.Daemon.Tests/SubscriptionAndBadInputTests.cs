using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>Change notifications, and requests that are malformed, too big, or abandoned mid-transaction.</summary>
public sealed class SubscriptionAndBadInputTests
{
    [Fact]
    public async Task SubscribeChanges_StreamsOtherSessionsCommits_NotItsOwn_NotAborted()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var watcher = await TestSession.OpenAsync(channel, name: "watcher");
        await using var writer = await TestSession.OpenAsync(channel, name: "writer");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = watcher.Client.SubscribeChanges(new SubscribeChangesRequest { ObjectTypes = { (uint)ObjectType.Filter } }, watcher.Headers, cancellationToken: cts.Token);
        await stream.ResponseHeadersAsync;

        await watcher.Client.AddFilterAsync(ApiTests.BlockPort("own", 1), watcher.Headers); // not notified: its own
        await writer.Client.BeginTransactionAsync(new BeginTransactionRequest(), writer.Headers);
        await writer.Client.AddFilterAsync(ApiTests.BlockPort("aborted", 2), writer.Headers);
        await writer.Client.AbortTransactionAsync(new Empty(), writer.Headers); // not notified: never committed
        var added = await writer.Client.AddFilterAsync(ApiTests.BlockPort("committed", 3), writer.Headers);
        await writer.Client.DeleteFilterAsync(new ObjectRef { Key = added.Key }, writer.Headers);

        Assert.True(await stream.ResponseStream.MoveNext(cts.Token));
        var first = stream.ResponseStream.Current;
        Assert.True(await stream.ResponseStream.MoveNext(cts.Token));
        var second = stream.ResponseStream.Current;
        Assert.Equal((1u, added.Key, added.FilterId, "committed"), (first.ChangeType, first.Key, first.Id, first.Name));
        Assert.Equal((2u, added.Key), (second.ChangeType, second.Key));
    }

    [Fact]
    public async Task ClientThatDisconnectsMidTransaction_IsAborted_AndOthersCanWrite()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        string abandonedKey;
        using (var doomed = daemon.Channel())
        {
            var session = await TestSession.OpenAsync(doomed);
            await session.Client.BeginTransactionAsync(new BeginTransactionRequest(), session.Headers);
            abandonedKey = (await session.Client.AddFilterAsync(ApiTests.BlockPort("abandoned", 9), session.Headers)).Key;

            // The connection drops with the transaction open (holding the write lock).
        }

        using var channel = daemon.Channel();
        var c = new V1.Bfe.BfeClient(channel);
        var kept = await c.AddFilterAsync(ApiTests.BlockPort("after", 10), deadline: DateTime.UtcNow.AddSeconds(20));
        var all = (await c.EnumFiltersAsync(new FilterEnumTemplate())).Items.Select(f => f.Key).ToList();
        Assert.Equal([kept.Key], all);
        Assert.DoesNotContain(abandonedKey, all);
    }

    [Fact]
    public async Task MalformedAndOversizedRequests_GetClearErrors_AndCommittedPolicyStays()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        var c = new V1.Bfe.BfeClient(channel);
        var kept = await c.AddFilterAsync(ApiTests.BlockPort("kept", 22, flags: 1));

        var badValue = ApiTests.BlockPort("bad", 1);
        badValue.Conditions[0].Value.Value = new Value { Type = 11, Bytes = Google.Protobuf.ByteString.CopyFrom(1, 2, 3) };
        badValue.Conditions[0].Value.Type = 11;
        var e1 = await Assert.ThrowsAsync<RpcException>(() => c.AddFilterAsync(badValue).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e1.StatusCode);
        Assert.Contains("16 bytes", e1.Status.Detail, StringComparison.Ordinal);

        var unknownType = ApiTests.BlockPort("unknown", 1);
        unknownType.Conditions[0].Value.Type = 77;
        var e2 = await Assert.ThrowsAsync<RpcException>(() => c.AddFilterAsync(unknownType).ResponseAsync);
        Assert.NotNull(e2.Trailers.GetValue("fwp-error"));

        var huge = ApiTests.BlockPort("huge", 1);
        huge.ProviderData = Google.Protobuf.ByteString.CopyFrom(new byte[20 * 1024 * 1024]);
        var e3 = await Assert.ThrowsAsync<RpcException>(() => c.AddFilterAsync(huge).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e3.StatusCode);

        var unknownSession = new Metadata { { "openwfp-session", Guid.NewGuid().ToString() } };
        var e4 = await Assert.ThrowsAsync<RpcException>(() => c.EnumFiltersAsync(new FilterEnumTemplate(), unknownSession).ResponseAsync);
        Assert.Equal("FWP_E_INVALID_PARAMETER", e4.Trailers.GetValue("fwp-error"));

        Assert.Equal([kept.Key], (await c.EnumFiltersAsync(new FilterEnumTemplate())).Items.Select(f => f.Key));
        Assert.False(daemon.HasExited);
    }
}
