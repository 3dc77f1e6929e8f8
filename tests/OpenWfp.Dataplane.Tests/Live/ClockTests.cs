using System.Diagnostics;
using OpenWfp.Dataplane.Live;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>The queue worker gives the shim nanoseconds (its flow idle timeouts' unit), whatever the Stopwatch's rate.</summary>
public sealed class ClockTests
{
    [Theory]
    [InlineData(1_000_000_000L, 123_456_789_012L, 123_456_789_012L)]
    [InlineData(10_000_000L, 25_000_000L, 2_500_000_000L)]                      // 100 ns ticks: 2.5 s
    [InlineData(10_000_000L, 864_000_000_000_000L, 86_400_000_000_000_000L)]    // 1000 days of uptime, no overflow
    [InlineData(3L, 7L, 2_333_333_333L)]                                        // a rate that does not divide a second
    public void TicksToNanoseconds_ConvertsByTheFrequency(long frequency, long ticks, long nanoseconds)
    {
        Assert.Equal(nanoseconds, QueueWorker.TicksToNanoseconds(ticks, frequency));
    }

    [Fact]
    public void MonotonicNanoseconds_AdvancesWithRealTime()
    {
        var before = QueueWorker.MonotonicNanoseconds(Stopwatch.GetTimestamp());
        Thread.Sleep(50);
        var elapsed = QueueWorker.MonotonicNanoseconds(Stopwatch.GetTimestamp()) - before;

        Assert.InRange(elapsed, 40_000_000L, 5_000_000_000L);
    }
}
