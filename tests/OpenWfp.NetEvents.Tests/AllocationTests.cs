using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;

namespace OpenWfp.NetEvents.Tests;

/// <summary>Runs its tests alone: a collection by another thread makes the runtime count this thread's unused allocation buffer as allocated.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>Writing an event allocates nothing (packet threads write them).</summary>
/// <remarks>
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> can jump by up to one allocation quantum (~8 KB) when another
/// thread's allocations trigger a GC during the measurement, even if this thread allocated nothing. So each test
/// measures up to five times and requires one measurement of exactly 0 bytes: a real allocation per event (or per
/// subscriber wake-up) would show in every one of them.
/// </remarks>
[Collection(nameof(AllocationCollection))]
public sealed class AllocationTests
{
    private const int Writes = 100_000;
    private const int Attempts = 5;

    private static NetEventRecord Template()
    {
        var r = Events.Drop(app: Events.Browser, user: Events.Alice, time: 0); // time 0: the log stamps it
        r.AddTerminatingFilter(new TerminatingFilterInfo(7, Guid.NewGuid(), 0x8000, ActionType.Block));
        r.AddTerminatingFilter(new TerminatingFilterInfo(9, Guid.NewGuid(), 0x4000, ActionType.Permit));
        return r;
    }

    [Fact]
    public void Write_AfterWarmUp_AllocatesNothing()
    {
        var log = new NetEventLog(4096);
        var r = Template();
        for (var i = 0; i < 10_000; i++)
        {
            log.Write(in r);
        }

        var measured = new List<long>();
        for (var attempt = 0; attempt < Attempts && (measured.Count == 0 || measured[^1] != 0); attempt++)
        {
            measured.Add(WriteMeasured(log, r, yieldEvery: 0));
        }

        Assert.True(measured[^1] == 0, $"bytes allocated per {Writes:N0} writes, by attempt: {string.Join(", ", measured)}");
        Assert.Equal((ulong)(10_000 + (measured.Count * Writes)), log.Written);
    }

    [Fact]
    public async Task Write_WithAParkedSubscriber_AllocatesNothingOnTheWritersThread()
    {
        var log = new NetEventLog(4096);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var received = 0L;
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in log.Subscribe(NetEventQuery.All, cts.Token).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref received);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, TestContext.Current.CancellationToken);

        var r = Template();
        for (var i = 0; i < 10_000; i++)
        {
            log.Write(in r);
            if (i % 1000 == 0)
            {
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }
        }

        var measured = new List<long>();
        for (var attempt = 0; attempt < Attempts && (measured.Count == 0 || measured[^1] != 0); attempt++)
        {
            measured.Add(WriteMeasured(log, r, yieldEvery: 256));
        }

        await cts.CancelAsync();
        await reader;
        Assert.True(measured[^1] == 0, $"bytes allocated per {Writes:N0} writes, by attempt: {string.Join(", ", measured)}");
        Assert.True(Interlocked.Read(ref received) > 0);
    }

    // Not async: the measurement stays on one thread. yieldEvery > 0 gives a subscriber time to park, so that
    // writes do wake it.
    private static long WriteMeasured(NetEventLog log, NetEventRecord r, int yieldEvery)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Writes; i++)
        {
            r.FilterId = (ulong)i;
            log.Write(in r);
            if (yieldEvery > 0 && i % yieldEvery == 0)
            {
                Thread.Sleep(0);
            }
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
