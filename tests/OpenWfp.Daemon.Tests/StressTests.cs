using Grpc.Core;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>Transactions under concurrent clients, and kill -9 in the middle of commits.</summary>
public sealed class StressTests
{
    [Fact]
    public async Task EightClients_TwoHundredTransactionsEach_RandomAborts_FinalStateIsWhatWasCommitted()
    {
        const int Clients = 8;
        const int Transactions = 200;
        await using var daemon = await WfpdProcess.StartAsync();
        var seed = Environment.TickCount;
        var expected = await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => Task.Run(() => RunClient(daemon, seed + i, Transactions))));

        using var channel = daemon.Channel();
        var all = (await new V1.Bfe.BfeClient(channel).EnumFiltersAsync(new FilterEnumTemplate())).Items.Select(f => f.Key).ToHashSet();
        var committed = expected.SelectMany(e => e).ToHashSet();
        Assert.True(committed.SetEquals(all), $"seed {seed}: {committed.Except(all).Count()} committed filters missing, {all.Except(committed).Count()} filters that no commit added");
        Assert.True(committed.Count > 100, $"only {committed.Count} filters were committed");
    }

    private static async Task<HashSet<string>> RunClient(WfpdProcess daemon, int seed, int transactions)
    {
        var rng = new Random(seed);
        using var channel = daemon.Channel();
        await using var session = await TestSession.OpenAsync(channel, name: $"client {seed}");
        var c = session.Client;
        var mine = new HashSet<string>();
        for (var t = 0; t < transactions; t++)
        {
            await c.BeginTransactionAsync(new BeginTransactionRequest(), session.Headers);
            var added = new List<string>();
            var deleted = new List<string>();
            for (var n = rng.Next(1, 4); n > 0; n--)
            {
                var f = ApiTests.BlockPort($"c{seed} t{t} n{n}", (uint)rng.Next(1, 65535));
                f.Key = Guid.NewGuid().ToString();
                added.Add((await c.AddFilterAsync(f, session.Headers)).Key);
            }

            if (mine.Count > 0 && rng.Next(3) == 0)
            {
                var victim = mine.ElementAt(rng.Next(mine.Count));
                await c.DeleteFilterAsync(new ObjectRef { Key = victim }, session.Headers);
                deleted.Add(victim);
            }

            if (rng.Next(10) < 3)
            {
                await c.AbortTransactionAsync(new Empty(), session.Headers);
                continue;
            }

            await c.CommitTransactionAsync(new Empty(), session.Headers);
            mine.UnionWith(added);
            mine.ExceptWith(deleted);
        }

        return mine;
    }

    [Fact]
    public async Task KillDashNine_DuringCommits_StoreAlwaysHoldsExactlyTheLastCommittedState()
    {
        const int Rounds = 50;
        const int Batch = 8;
        var state = WfpdProcess.NewStateDirectory();
        var rng = new Random();
        long acked = 0; // the last batch whose commit returned; the store holds it or, if the kill hit after the write, the next one
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                await using var daemon = await WfpdProcess.StartAsync(state);
                Assert.False(daemon.HasExited, daemon.Output);
                using var channel = daemon.Channel();
                var c = new V1.Bfe.BfeClient(channel);

                // After the restart: exactly one whole batch, the acknowledged one or the one in flight.
                var stored = (await c.EnumFiltersAsync(new FilterEnumTemplate())).Items.Select(f => f.DisplayData.Name).ToList();
                if (acked > 0)
                {
                    var batches = stored.Select(n => long.Parse(n.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
                    var batch = Assert.Single(batches);
                    Assert.True(batch == acked || batch == acked + 1, $"round {round}: store holds batch {batch}, last acknowledged {acked}");
                    Assert.Equal(Batch, stored.Count);
                    acked = batch;
                }

                using var stop = new CancellationTokenSource();
                var writer = Task.Run(async () =>
                {
                    try
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            await using var session = await TestSession.OpenAsync(channel);
                            var next = acked + 1;
                            await session.Client.BeginTransactionAsync(new BeginTransactionRequest(), session.Headers);
                            foreach (var old in (await session.Client.EnumFiltersAsync(new FilterEnumTemplate(), session.Headers)).Items)
                            {
                                await session.Client.DeleteFilterAsync(new ObjectRef { Key = old.Key }, session.Headers);
                            }

                            for (var i = 0; i < Batch; i++)
                            {
                                await session.Client.AddFilterAsync(ApiTests.BlockPort($"batch {next} #{i}", (uint)(1000 + i), flags: 1), session.Headers);
                            }

                            await session.Client.CommitTransactionAsync(new Empty(), session.Headers);
                            Interlocked.Exchange(ref acked, next);
                        }
                    }
                    catch (RpcException)
                    {
                        // The daemon died mid-call.
                    }
                    catch (IOException)
                    {
                    }
                });

                await Task.Delay(rng.Next(150, 500));
                await daemon.KillAsync();
                await stop.CancelAsync();
                await writer;
            }

            Assert.True(acked >= Rounds, $"only {acked} batches were committed in {Rounds} rounds");
        }
        finally
        {
            WfpdProcess.DeleteDirectory(state);
        }
    }
}
