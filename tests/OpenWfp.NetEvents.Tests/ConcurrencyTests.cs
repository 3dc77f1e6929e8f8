
namespace OpenWfp.NetEvents.Tests;

/// <summary>Several writers and a reader at once: no torn record, no lost count, per-writer order kept.</summary>
public sealed class ConcurrencyTests
{
    private const int Writers = 4;
    private const int PerWriter = 100_000;

    [Theory]
    [InlineData(NetEventLog.DefaultCapacity)]
    [InlineData(1000)]
    [InlineData(64)]
    public void FourWriters_WithAConcurrentQuery_NoTornRecord_CountsAddUp(int capacity)
    {
        var log = new NetEventLog(capacity);
        using var start = new Barrier(Writers + 1);
        var writersDone = 0;
        var threads = new Thread[Writers];
        for (var w = 0; w < Writers; w++)
        {
            var writer = (ulong)w;
            threads[w] = new Thread(() =>
            {
                // Prebuilt outside the timed loop would hide nothing here; the pattern is cheap to build.
                start.SignalAndWait();
                for (ulong i = 0; i < PerWriter; i++)
                {
                    var r = Events.Patterned((writer << 32) | i);
                    log.Write(in r);
                }

                Interlocked.Increment(ref writersDone);
            });
            threads[w].Start();
        }

        start.SignalAndWait();
        var queries = 0;
        var seen = 0L;
        while (Volatile.Read(ref writersDone) < Writers || queries == 0)
        {
            var snapshot = log.Query(NetEventQuery.All);
            CheckSnapshot(snapshot, capacity);
            seen += snapshot.Count;
            queries++;
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        Assert.Equal((ulong)(Writers * PerWriter), log.Written);
        Assert.Equal((ulong)(Writers * PerWriter - capacity), log.Overwritten);
        var final = log.Query(NetEventQuery.All);
        CheckSnapshot(final, capacity);

        // Every slot holds the newest event of its sequence number, except where a writer collision dropped one
        // (each collision costs at most one in-window event).
        Assert.InRange(final.Count, capacity - (int)Math.Min(log.Collisions, (ulong)capacity), capacity);
        Assert.True(final[^1].Sequence == log.Written || log.Collisions > 0, $"newest {final[^1].Sequence}, written {log.Written}");
        TestContext.Current.SendDiagnosticMessage($"capacity {capacity}: {queries} concurrent queries, {log.Collisions} collisions");
        Assert.True(queries > 0 && seen > 0);
    }

    private static void CheckSnapshot(IReadOnlyList<NetEventRecord> snapshot, int capacity)
    {
        Assert.InRange(snapshot.Count, 0, capacity);
        var lastPerWriter = new long[Writers];
        Array.Fill(lastPerWriter, -1);
        ulong lastSeq = 0;
        foreach (var r in snapshot)
        {
            if (!Events.IsIntact(in r))
            {
                Assert.Fail($"Torn record at sequence {r.Sequence} (filter id {r.FilterId:x}).");
            }

            Assert.True(r.Sequence > lastSeq, $"sequence {r.Sequence} after {lastSeq}");
            lastSeq = r.Sequence;

            // One writer's events keep their order: it took its sequence numbers one after another.
            var writer = (int)(r.FilterId >> 32);
            var index = (long)(r.FilterId & 0xFFFF_FFFF);
            Assert.True(index > lastPerWriter[writer], $"writer {writer}: event {index} after {lastPerWriter[writer]}");
            lastPerWriter[writer] = index;
        }
    }
}
