using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;

namespace OpenWfp.NetEvents.Tests;

/// <summary>The ring: sequence numbers, wrap-around, counters, what a record keeps.</summary>
public sealed class RingTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(5)]
    [InlineData(1)]
    public void Wrap_KeepsTheNewestCapacityEvents_AndCountsTheRestAsOverwritten(int capacity)
    {
        var log = new NetEventLog(capacity);
        for (ulong i = 1; i <= 20; i++)
        {
            log.Write(Events.Drop(filterId: i));
        }

        Assert.Equal(20UL, log.Written);
        Assert.Equal(20UL - (ulong)capacity, log.Overwritten);
        Assert.Equal(0UL, log.Collisions);
        var all = log.Query(NetEventQuery.All);
        Assert.Equal(capacity, all.Count);
        for (var i = 0; i < capacity; i++)
        {
            var seq = 20UL - (ulong)capacity + 1 + (ulong)i;
            Assert.Equal(seq, all[i].Sequence);
            Assert.Equal(seq, all[i].FilterId);
        }
    }

    [Fact]
    public void BeforeWrap_NothingIsOverwritten_AndSequencesStartAtOne()
    {
        var log = new NetEventLog(16);
        Assert.Empty(log.Query(NetEventQuery.All));
        Assert.Equal(0UL, log.Written);

        for (var i = 0; i < 16; i++)
        {
            log.Write(Events.Drop());
        }

        Assert.Equal(16UL, log.Written);
        Assert.Equal(0UL, log.Overwritten);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (ulong)i), log.Query(NetEventQuery.All).Select(e => e.Sequence));

        log.Write(Events.Drop());
        Assert.Equal(1UL, log.Overwritten);
        Assert.Equal(2UL, log.Query(NetEventQuery.All)[0].Sequence);
    }

    [Fact]
    public void Write_CopiesEveryMember_AndTheTerminatingFilters()
    {
        var log = new NetEventLog(4);
        var record = Events.Patterned(12345);
        Assert.Equal(12345 % 9, record.TerminatingFilterCount);
        log.Write(record);

        var stored = Assert.Single(log.Query(NetEventQuery.All));
        Assert.True(Events.IsIntact(stored));
        Assert.Equal(1UL, stored.Sequence);
        Assert.Equal(0UL, record.Sequence); // the caller's copy is untouched
        Assert.Equal(record.GetTerminatingFilters(), stored.GetTerminatingFilters());
    }

    [Fact]
    public void TerminatingFilters_KeepAtMostEight()
    {
        var infos = Enumerable.Range(1, 10)
            .Select(i => new TerminatingFilterInfo((ulong)i, Guid.NewGuid(), (ushort)(100 - i), i % 2 == 0 ? ActionType.Permit : ActionType.Block))
            .ToArray();
        var r = new NetEventRecord();
        r.SetTerminatingFilters(infos);
        Assert.Equal(8, r.TerminatingFilterCount);
        Assert.Equal(infos[..8], r.GetTerminatingFilters());
        Assert.False(r.AddTerminatingFilter(infos[9]));
        Assert.Equal(infos[3], r.GetTerminatingFilter(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.GetTerminatingFilter(8));

        r.SetTerminatingFilters(infos.AsSpan(0, 2));
        Assert.Equal(2, r.TerminatingFilterCount);
        Assert.True(r.AddTerminatingFilter(infos[5]));
        Assert.Equal([infos[0], infos[1], infos[5]], r.GetTerminatingFilters());
    }

    [Fact]
    public void Write_StampsTheTime_OnlyWhenTheRecordHasNone()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var log = new NetEventLog(8, clock);
        log.Write(Events.Drop(time: 0));
        log.Write(Events.Drop(time: 42));

        var all = log.Query(NetEventQuery.All);
        Assert.Equal(clock.Now.ToUnixTimeMilliseconds() * 1_000_000, all[0].TimeUnixNs);
        Assert.Equal(42, all[1].TimeUnixNs);
    }

    [Fact]
    public void Capacity_MustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetEventLog(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetEventLog(-1));
    }
}
