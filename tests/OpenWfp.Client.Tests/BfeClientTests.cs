using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Protocol.V1;
using DisplayData = OpenWfp.Engine.Model.DisplayData;

namespace OpenWfp.Client.Tests;

/// <summary>The async client underneath Fwpm: exceptions, subscriptions as async streams, socket resolution.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class BfeClientTests
{
    [Fact]
    public async Task Failures_AreWfpExceptionsRestoredFromTheTrailers()
    {
        await using var server = await FakeBfeServer.StartAsync();
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<WfpException>(() => client.GetFilterAsync(42UL, TestContext.Current.CancellationToken));
        Assert.Equal(WfpError.FilterNotFound, e.Error);
        Assert.Equal("no object has id 42 [FWP_E_FILTER_NOT_FOUND (0x80320003)]", e.Message);

        server.Fake.Fail("CommitTransaction", WfpError.TxnAborted);
        var aborted = await Assert.ThrowsAsync<WfpException>(() => client.CommitTransactionAsync(TestContext.Current.CancellationToken));
        Assert.Equal("FWP_E_TXN_ABORTED", aborted.ErrorName);
    }

    [Fact]
    public async Task Connect_WithoutADaemon_ThrowsServerUnavailable()
    {
        var path = Path.Combine("/tmp", $"openwfp-client-test-{Guid.NewGuid():N}.sock");
        var e = await Assert.ThrowsAsync<WfpException>(() => BfeClient.ConnectAsync(path, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(FwpmConstants.RPC_S_SERVER_UNAVAILABLE, (uint)e.Error);
    }

    [Fact]
    public async Task SubscribeChangesAsync_YieldsTheStreamedChanges()
    {
        await using var server = await FakeBfeServer.StartAsync();
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);
        var key = Guid.NewGuid();
        await server.Fake.Changes.Writer.WriteAsync(new ChangeEvent { ChangeType = 1, ObjectType = ObjectType.Sublayer, Key = key.ToString("D"), Name = "s" }, TestContext.Current.CancellationToken);
        await foreach (var change in client.SubscribeChangesAsync([BfeObjectType.Sublayer], cancellationToken: TestContext.Current.CancellationToken))
        {
            Assert.Equal(new BfeChange(FwpmChangeType.Add, BfeObjectType.Sublayer, key, 0, "s"), change);
            break;
        }

        await server.Fake.SubscriptionEnded.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var request = (SubscribeChangesRequest)server.Fake.Calls.Single(c => c.Method == "SubscribeChanges").Request;
        Assert.Equal([(uint)ObjectType.Sublayer], request.ObjectTypes);
    }

    [Fact]
    public async Task Dispose_EndsSubscriptions()
    {
        await using var server = await FakeBfeServer.StartAsync();
        var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);
        var reading = Task.Run(
            async () =>
            {
                var n = 0;
                await foreach (var unused in client.SubscribeNetEventsAsync(cancellationToken: TestContext.Current.CancellationToken))
                {
                    n++;
                }

                return n;
            },
            TestContext.Current.CancellationToken);
        while (!server.Fake.Calls.Any(c => c.Method == "SubscribeNetEvents"))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await client.DisposeAsync();
        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await server.Fake.SubscriptionEnded.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetStateAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SessionEndedByTheDaemon_IsVisible()
    {
        await using var server = await FakeBfeServer.StartAsync();
        server.Fake.EndSessionsImmediately = true;
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);
        for (var i = 0; i < 500 && client.IsSessionOpen; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.False(client.IsSessionOpen);
    }

    [Fact]
    public async Task GetStateAsync_MapsEveryList()
    {
        await using var server = await FakeBfeServer.StartAsync();
        await using var client = await BfeClient.ConnectAsync(server.SocketPath, cancellationToken: TestContext.Current.CancellationToken);
        await client.AddProviderAsync(new ProviderSpec { DisplayData = new DisplayData("p") }, cancellationToken: TestContext.Current.CancellationToken);
        var state = await client.GetStateAsync(TestContext.Current.CancellationToken);
        Assert.Equal("p", Assert.Single(state.Providers).DisplayData.Name);
        Assert.Empty(state.Filters);
        Assert.Equal(7UL, state.Generation);
    }

    [Theory]
    [InlineData("/run/x.sock", "/run/x.sock")]
    [InlineData("unix:/run/x.sock", "/run/x.sock")]
    [InlineData("unix:///run/x.sock", "/run/x.sock")]
    [InlineData("unix:relative.sock", "relative.sock")]
    [InlineData("relative.sock", "relative.sock")]
    public void ResolveSocketPath_AcceptsPathsAndUnixUris(string serverName, string path) =>
        Assert.Equal(path, BfeClient.ResolveSocketPath(serverName));

    [Fact]
    public void ResolveSocketPath_DefaultsToTheEnvironmentThenRunOpenwfp()
    {
        var saved = Environment.GetEnvironmentVariable(BfeClient.SocketEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(BfeClient.SocketEnvironmentVariable, null);
            Assert.Equal("/run/openwfp/bfe.sock", BfeClient.ResolveSocketPath(null));
            Environment.SetEnvironmentVariable(BfeClient.SocketEnvironmentVariable, "unix:/tmp/elsewhere.sock");
            Assert.Equal("/tmp/elsewhere.sock", BfeClient.ResolveSocketPath(null));
            Assert.Equal("/tmp/elsewhere.sock", BfeClient.ResolveSocketPath(""));
            Assert.Equal("/tmp/given.sock", BfeClient.ResolveSocketPath("/tmp/given.sock"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BfeClient.SocketEnvironmentVariable, saved);
        }
    }
}
