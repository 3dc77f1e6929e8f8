using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;

namespace OpenWfp.Daemon.Tests;

/// <summary>Net events over the API: drops recorded with their filter and terminating filters; allows with the keyword; live stream.</summary>
public sealed class NetEventTests
{
    [Fact]
    public async Task ClassifyDrops_AreRecorded_Queried_AndStreamed()
    {
        await using var daemon = await WfpdProcess.StartAsync();
        using var channel = daemon.Channel();
        await using var s = await TestSession.OpenAsync(channel);
        var c = s.Client;
        var block = await c.AddFilterAsync(ApiTests.BlockPort("Block telnet", 23), s.Headers);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var live = c.SubscribeNetEvents(new NetEventTemplate(), s.Headers, cancellationToken: cts.Token);
        await live.ResponseHeadersAsync;

        ClassifyRequest Port(uint port) => new()
        {
            Layer = "ALE_AUTH_CONNECT_V4",
            Values = { new FieldValue { Field = "IP_REMOTE_PORT", Text = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, new FieldValue { Field = "IP_REMOTE_ADDRESS", Text = "192.0.2.7" }, new FieldValue { Field = "IP_PROTOCOL", Text = "tcp" } },
        };
        await c.ClassifyAsync(Port(23), s.Headers);
        await c.ClassifyAsync(Port(80), s.Headers); // no filter matched: no event

        Assert.True(await live.ResponseStream.MoveNext(cts.Token));
        var streamed = live.ResponseStream.Current;
        Assert.Equal(3u, streamed.Type); // FWPM_NET_EVENT_TYPE_CLASSIFY_DROP
        Assert.Equal(block.FilterId, streamed.FilterId);
        Assert.Equal("ALE_AUTH_CONNECT_V4", streamed.LayerName);
        Assert.Equal("192.0.2.7", streamed.RemoteAddress);
        Assert.Equal(23u, streamed.RemotePort);
        Assert.Equal(6u, streamed.IpProtocol);
        Assert.Equal(0x3901u, streamed.Direction);
        Assert.Equal(block.FilterId, Assert.Single(streamed.TerminatingFilters).FilterId);

        var all = await c.EnumNetEventsAsync(new NetEventTemplate(), s.Headers);
        Assert.Single(all.Items);

        // Allows are recorded only with the CLASSIFY_ALLOW keyword (0x10).
        var permit = ApiTests.BlockPort("Allow web", 80);
        permit.Action.Type = 0x1002;
        await c.AddFilterAsync(permit, s.Headers);
        await c.ClassifyAsync(Port(80), s.Headers);
        Assert.Single((await c.EnumNetEventsAsync(new NetEventTemplate(), s.Headers)).Items);
        await c.SetEngineOptionAsync(new EngineOption { Option = 1, Value = 0x10 }, s.Headers);
        await c.ClassifyAsync(Port(80), s.Headers);
        var withAllow = (await c.EnumNetEventsAsync(new NetEventTemplate(), s.Headers)).Items;
        Assert.Equal([3u, 6u], withAllow.Select(e => e.Type));

        // Template: only events for remote port 23.
        var byPort = await c.EnumNetEventsAsync(new NetEventTemplate { Conditions = { ApiTests.BlockPort("t", 23).Conditions[0] } }, s.Headers);
        Assert.Equal(23u, Assert.Single(byPort.Items).RemotePort);

        // Collection off: subscriptions are refused with FWP_E_NET_EVENTS_DISABLED.
        await c.SetEngineOptionAsync(new EngineOption { Option = 0, Value = 0 }, s.Headers);
        using var refused = c.SubscribeNetEvents(new NetEventTemplate(), s.Headers, cancellationToken: cts.Token);
        var e = await Assert.ThrowsAsync<RpcException>(() => refused.ResponseStream.MoveNext(cts.Token));
        Assert.Equal("FWP_E_NET_EVENTS_DISABLED", e.Trailers.GetValue("fwp-error"));
    }
}
