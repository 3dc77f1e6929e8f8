
namespace OpenWfp.NetEvents.Tests;

/// <summary>Live subscriptions: order, completeness when keeping up, gaps when falling behind, the end of a stream.</summary>
public sealed class SubscriptionTests
{
    private static CancellationToken Timeout(out CancellationTokenSource cts)
    {
        cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        return cts.Token;
    }

    [Fact]
    public async Task Subscriber_ThatKeepsUp_SeesEveryLaterEvent_InOrder()
    {
        const int writers = 4;
        const int perWriter = 10_000; // 40,000 in all: fewer than the ring holds, so the subscriber cannot be lapped
        var log = new NetEventLog();
        var ct = Timeout(out var cts);
        using var _ = cts;

        log.Write(Events.Patterned(0xFFFF_0000_0000)); // before the subscription: not delivered
        var stream = log.Subscribe(new NetEventQuery { MaxCount = writers * perWriter }, ct);
        log.Write(Events.Patterned(0xFFFF_0000_0001)); // after: delivered, first

        var received = new List<NetEventRecord>(writers * perWriter);
        var reader = Task.Run(async () =>
        {
            await foreach (var e in stream.ConfigureAwait(false))
            {
                received.Add(e);
            }
        }, ct);

        // Writers trickle at first (the subscriber parks and is woken per event), then run flat out.
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (ulong i = 0; i < perWriter - (w == 0 ? 1UL : 0); i++)
            {
                if (i < 20)
                {
                    Thread.Sleep(1);
                }

                var r = Events.Patterned(((ulong)w << 32) | i);
                log.Write(in r);
            }
        }, ct)).ToArray();
        await Task.WhenAll(tasks);
        await reader;

        Assert.Equal(writers * perWriter, received.Count);
        Assert.Equal(2UL, received[0].Sequence);
        Assert.Equal(0xFFFF_0000_0001UL, received[0].FilterId);
        for (var i = 0; i < received.Count; i++)
        {
            Assert.Equal((ulong)i + 2, received[i].Sequence);
            Assert.True(Events.IsIntact(received[i]));
        }
    }

    [Fact]
    public async Task Subscriber_GetsOnlyMatchingEvents()
    {
        var log = new NetEventLog(1024) { Keywords = NetEventKeywords.ClassifyAllow };
        var ct = Timeout(out var cts);
        using var _ = cts;
        var stream = log.Subscribe(new NetEventQuery { Conditions = [NetEventCondition.RemotePort(53)], MaxCount = 3 }, ct);
        var reader = Task.Run(async () =>
        {
            var got = new List<NetEventRecord>();
            await foreach (var e in stream.ConfigureAwait(false))
            {
                got.Add(e);
            }

            return got;
        }, ct);

        for (ulong i = 1; i <= 100; i++)
        {
            log.Write(Events.Drop(remotePort: i % 10 == 0 ? (ushort)53 : (ushort)443, filterId: i));
        }

        var got = await reader;
        Assert.Equal([10UL, 20, 30], got.Select(e => e.FilterId));
    }

    [Fact]
    public async Task SlowSubscriber_SeesAGap_NeverATornRecord()
    {
        const int capacity = 64;
        var log = new NetEventLog(capacity);
        var ct = Timeout(out var cts);
        using var _ = cts;
        await using var e = log.Subscribe(NetEventQuery.All, ct).GetAsyncEnumerator(ct);

        // Write a few, read one, then fall far behind while two writers keep going.
        for (ulong i = 0; i < 10; i++)
        {
            log.Write(Events.Patterned(i));
        }

        Assert.True(await e.MoveNextAsync());
        Assert.Equal(1UL, e.Current.Sequence);

        var writers = Enumerable.Range(1, 2).Select(w => Task.Run(() =>
        {
            for (ulong i = 0; i < 50_000; i++)
            {
                var r = Events.Patterned(((ulong)w << 32) | i);
                log.Write(in r);
            }
        }, ct)).ToArray();

        var gaps = 0;
        var last = 1UL;
        var read = 1;
        var target = ulong.MaxValue; // known once the writers are done: the newest event in the ring
        while (last < target)
        {
            if (target == ulong.MaxValue && writers.All(t => t.IsCompleted))
            {
                target = log.Query(NetEventQuery.All)[^1].Sequence;
                if (last >= target)
                {
                    break;
                }
            }

            Assert.True(await e.MoveNextAsync());
            var r = e.Current;
            Assert.True(Events.IsIntact(in r), $"torn record at {r.Sequence}");
            Assert.True(r.Sequence > last, $"sequence {r.Sequence} after {last}");
            if (r.Sequence != last + 1)
            {
                gaps++;
            }

            last = r.Sequence;
            read++;
            if (read % 16 == 0)
            {
                await Task.Delay(1, ct); // slow
            }
        }

        await Task.WhenAll(writers);
        Assert.Equal(100_010UL, log.Written);
        Assert.Equal(target, last);
        Assert.True(target == log.Written || log.Collisions > 0);
        Assert.True(gaps > 0, "a subscriber that falls behind a 64-event ring must skip");
        Assert.True(read < 100_010);
    }

    [Fact]
    public async Task Cancellation_EndsAParkedSubscriber()
    {
        var log = new NetEventLog(8);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stream = log.Subscribe(NetEventQuery.All, cts.Token);
        var reader = Task.Run(async () =>
        {
            var n = 0;
            await foreach (var _ in stream.ConfigureAwait(false))
            {
                n++;
            }

            return n;
        }, TestContext.Current.CancellationToken);

        log.Write(Events.Drop());
        await Task.Delay(50, TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader);
    }

    [Fact]
    public async Task Subscribers_AreIndependent()
    {
        var log = new NetEventLog(256);
        var ct = Timeout(out var cts);
        using var _ = cts;
        var a = Collect(log.Subscribe(new NetEventQuery { MaxCount = 100 }, ct));
        var b = Collect(log.Subscribe(new NetEventQuery { MaxCount = 50, Conditions = [NetEventCondition.Protocol(17)] }, ct));
        for (ulong i = 1; i <= 100; i++)
        {
            log.Write(Events.Drop(protocol: i % 2 == 0 ? (byte)17 : (byte)6, filterId: i));
            if (i % 10 == 0)
            {
                await Task.Delay(1, ct);
            }
        }

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (ulong)i), (await a).Select(e => e.FilterId));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i * 2), (await b).Select(e => e.FilterId));

        static async Task<List<NetEventRecord>> Collect(IAsyncEnumerable<NetEventRecord> s)
        {
            await Task.Yield();
            var list = new List<NetEventRecord>();
            await foreach (var e in s.ConfigureAwait(false))
            {
                list.Add(e);
            }

            return list;
        }
    }
}
