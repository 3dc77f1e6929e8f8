using System.Collections.Concurrent;
using System.Diagnostics;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Concurrency;

/// <summary>Writers commit while readers classify: every classify must see exactly one committed generation.</summary>
public class ConcurrentCommitTests
{
    private static readonly LayerInfo Connect4Layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");

    [Fact]
    public void Classify_DuringCommits_SeesOneGenerationAtATime()
    {
        var engine = new FilterEngine();
        var high = engine.AddSublayer(new SublayerSpec { DisplayData = new("high"), Weight = 0xF000 }).Key;
        var low = engine.AddSublayer(new SublayerSpec { DisplayData = new("low"), Weight = 0x1000 }).Key;
        var port = Connect4Layer.Field("IP_REMOTE_PORT");

        // filter id -> (generation, is the block half)
        var generationOf = new ConcurrentDictionary<ulong, (int Generation, bool IsBlock)>();
        var currentPair = (Block: 0UL, Permit: 0UL);
        var lastCommitted = 0;
        var pairLock = new object();

        // Each commit deletes the previous generation's pair and adds a new one: a hard BLOCK in the high sublayer
        // and a PERMIT in the low one, both matching port 80 and tagged with the generation in weight and name.
        void CommitGeneration(int generation)
        {
            using var txn = engine.BeginTransaction();
            lock (pairLock)
            {
                if (currentPair.Block != 0)
                {
                    txn.DeleteFilter(currentPair.Block);
                    txn.DeleteFilter(currentPair.Permit);
                }

                var condition = new FilterCondition(port.ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(80)));
                var block = txn.AddFilter(new FilterSpec { DisplayData = new($"gen {generation} block"), LayerKey = Connect4Layer.Key, SublayerKey = high, Weight = FwpValue.FromUInt64((ulong)generation), Action = FilterAction.Block, Conditions = [condition] });
                var permit = txn.AddFilter(new FilterSpec { DisplayData = new($"gen {generation} permit"), LayerKey = Connect4Layer.Key, SublayerKey = low, Weight = FwpValue.FromUInt64((ulong)generation), Action = FilterAction.Permit, Conditions = [condition] });
                generationOf[block.FilterId] = (generation, true);
                generationOf[permit.FilterId] = (generation, false);
                txn.Commit();
                currentPair = (block.FilterId, permit.FilterId);
                lastCommitted = generation;
            }
        }

        var nextGeneration = 1;
        CommitGeneration(nextGeneration);

        using var stop = new CancellationTokenSource();
        var errors = new ConcurrentQueue<string>();
        var observedGenerations = new ConcurrentDictionary<int, byte>();
        long classifies = 0;
        var commits = 1;
        const int ReaderCount = 4;
        using var readersRunning = new CountdownEvent(ReaderCount);
        var writersDone = 0;

        // Dedicated threads (LongRunning), and writers wait until every reader is classifying, so that the race
        // really happens even when the thread pool is busy with other tests.
        var writers = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            readersRunning.Wait(TimeSpan.FromSeconds(10));
            stop.CancelAfter(TimeSpan.FromSeconds(2));
            for (var i = 0; i < 5_000 && !stop.IsCancellationRequested; i++)
            {
                // Generations are handed out under the write lock's protection (inside CommitGeneration's lock).
                lock (pairLock)
                {
                    // Reserve the number; the commit below runs under the same lock, so numbers commit in order.
                    var g = ++nextGeneration;
                    CommitGeneration(g);
                    Interlocked.Increment(ref commits);
                }

                Thread.Yield();
            }

            Interlocked.Increment(ref writersDone);
        }, TaskCreationOptions.LongRunning)).ToArray();

        var readers = Enumerable.Range(0, ReaderCount).Select(_ => Task.Factory.StartNew(() =>
        {
            var values = new FwpValue[Connect4Layer.Fields.Count];
            values[port.Index] = FwpValue.FromUInt16(80);
            var terminating = new TerminatingFilterInfo[4];
            long lastSnapshotGeneration = 0;
            var lastSeen = 0;
            for (var i = 0; i < 50_000_000 && Volatile.Read(ref writersDone) < 2; i++)
            {
                if (i == 1)
                {
                    readersRunning.Signal();
                }

                var snapshotGeneration = engine.Current.Generation;
                if (snapshotGeneration < lastSnapshotGeneration)
                {
                    errors.Enqueue($"engine.Current.Generation went backwards: {lastSnapshotGeneration} then {snapshotGeneration}");
                }

                lastSnapshotGeneration = snapshotGeneration;
                var r = engine.Classify(Connect4Layer, values, default, terminating);
                Interlocked.Increment(ref classifies);
                if (r.Action != ActionType.Block || r.TerminatingCount != 2 || r.Rights != 0)
                {
                    errors.Enqueue($"torn result: {r.Action} filter {r.FilterId} rights {r.Rights} with {r.TerminatingCount} terminating filters");
                    continue;
                }

                if (!generationOf.TryGetValue(r.FilterId, out var decider) || !decider.IsBlock
                    || !generationOf.TryGetValue(terminating[0].FilterId, out var first) || !first.IsBlock || terminating[0].SublayerKey != high
                    || !generationOf.TryGetValue(terminating[1].FilterId, out var second) || second.IsBlock || terminating[1].SublayerKey != low)
                {
                    errors.Enqueue($"unexpected filters: decider {r.FilterId}, terminating {terminating[0]} / {terminating[1]}");
                    continue;
                }

                if (decider.Generation != first.Generation || first.Generation != second.Generation)
                {
                    errors.Enqueue($"mixed generations: decider {decider.Generation}, terminating {first.Generation} / {second.Generation}");
                }

                if (decider.Generation < lastSeen)
                {
                    errors.Enqueue($"generation went backwards in results: {lastSeen} then {decider.Generation}");
                }

                lastSeen = decider.Generation;
                observedGenerations.TryAdd(decider.Generation, 0);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        var sw = Stopwatch.StartNew();
        Task.WaitAll([.. writers, .. readers], TimeSpan.FromSeconds(30));
        Assert.True(writers.Concat(readers).All(t => t.IsCompletedSuccessfully), "a reader or writer did not finish");
        Assert.True(errors.IsEmpty, $"{errors.Count} inconsistent observations in {classifies} classifies over {commits} commits ({sw.Elapsed}); first: {string.Join(" | ", errors.Take(5))}");

        // The test means something only if readers actually raced many commits.
        Assert.True(commits > 10, $"only {commits} commits");
        Assert.True(observedGenerations.Count > 5, $"readers saw only {observedGenerations.Count} generations over {commits} commits");

        // The final state is the last commit: exactly its two filters, and classify decides with its block.
        var final = engine.Current;
        var genFilters = final.FiltersOf(Connect4Layer).ToList();
        Assert.Equal(2, genFilters.Count);
        Assert.All(genFilters, f => Assert.StartsWith($"gen {lastCommitted} ", f.DisplayData.Name, StringComparison.Ordinal));
        var last = new FwpValue[Connect4Layer.Fields.Count];
        last[port.Index] = FwpValue.FromUInt16(80);
        var result = engine.Classify(Connect4Layer, last);
        Assert.Equal(ActionType.Block, result.Action);
        Assert.Equal(currentPair.Block, result.FilterId);
        Assert.Equal(2, result.TerminatingCount);
    }
}
