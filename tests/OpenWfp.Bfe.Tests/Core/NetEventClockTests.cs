using Microsoft.Extensions.Time.Testing;
using OpenWfp.NetEvents;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>The BFE's net event log takes its time from the BFE's clock, so a query's time window follows that clock.</summary>
public sealed class NetEventClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EventsWrittenWithoutATime_AreStampedByTheBfesClock()
    {
        var clock = new FakeTimeProvider(Start);
        using var bfe = Callers.NewBfe(clock: clock);

        bfe.NetEvents.Write(new NetEventRecord { Type = NetEventType.ClassifyDrop, FilterId = 1 });
        clock.Advance(TimeSpan.FromMinutes(5));
        bfe.NetEvents.Write(new NetEventRecord { Type = NetEventType.ClassifyDrop, FilterId = 2 });

        var events = bfe.NetEvents.Query(NetEventQuery.All);
        Assert.Equal([(1UL, UnixNs(Start)), (2UL, UnixNs(Start.AddMinutes(5)))], events.Select(e => (e.FilterId, e.TimeUnixNs)));
    }

    [Fact]
    public void ATimeWindow_SelectsByTheBfesClock()
    {
        var clock = new FakeTimeProvider(Start);
        using var bfe = Callers.NewBfe(clock: clock);
        for (ulong minute = 0; minute < 10; minute++)
        {
            bfe.NetEvents.Write(new NetEventRecord { Type = NetEventType.ClassifyDrop, FilterId = minute });
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var window = bfe.NetEvents.Query(new NetEventQuery { StartTimeUnixNs = UnixNs(Start.AddMinutes(3)), EndTimeUnixNs = UnixNs(Start.AddMinutes(5)) });

        Assert.Equal([3UL, 4UL, 5UL], window.Select(e => e.FilterId));
    }

    private static long UnixNs(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks * 100;
}
