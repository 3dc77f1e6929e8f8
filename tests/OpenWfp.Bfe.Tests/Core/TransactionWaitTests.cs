using Microsoft.Extensions.Time.Testing;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// How long a session waits for another's transaction (FWPM_SESSION0.txnWaitTimeoutInMSec and
/// FwpmTransactionBegin0 on Microsoft Learn: FWP_E_TIMEOUT when the wait runs out), and the transaction watchdog
/// (engine option TXN_WATCHDOG_TIMEOUT_IN_MSEC; the rule is in docs/WFPD.md, Transactions), on a clock the test moves.
/// </summary>
public sealed class TransactionWaitTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AWriterWaitingForAnotherSessionsTransaction_TimesOutAfterItsOwnWait_NotBefore()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        var holder = bfe.OpenSession(Root);
        var waiter = bfe.OpenSession(Root, txnWait: TimeSpan.FromSeconds(2));
        bfe.BeginTransaction(holder, readOnly: false);

        var add = Task.Run(() => bfe.AddFilter(waiter, Filter("blocked writer", FilterAction.Block)));
        await WaitUntilAsync(() => bfe.WaitingWriters == 1);
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(add.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var e = await Assert.ThrowsAsync<WfpException>(() => add.WaitAsync(Settle, TestContext.Current.CancellationToken));
        Assert.Equal(WfpError.Timeout, e.Error);
        Assert.Equal(0, bfe.WaitingWriters);

        bfe.AbortTransaction(holder);
        Assert.Equal("blocked writer", bfe.AddFilter(waiter, Filter("blocked writer", FilterAction.Block)).DisplayData.Name);
    }

    [Fact]
    public async Task BeginTransaction_TimesOutTheSameWay()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        var holder = bfe.OpenSession(Root);
        var waiter = bfe.OpenSession(Root, txnWait: TimeSpan.FromMilliseconds(500));
        bfe.BeginTransaction(holder, readOnly: false);

        var begin = Task.Run(() => bfe.BeginTransaction(waiter, readOnly: false));
        await WaitUntilAsync(() => bfe.WaitingWriters == 1);
        clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(WfpError.Timeout, (await Assert.ThrowsAsync<WfpException>(() => begin.WaitAsync(Settle, TestContext.Current.CancellationToken))).Error);
        Assert.False(waiter.InTransaction);
    }

    [Fact]
    public async Task AnInfiniteWait_OutlastsAnyTime_AndGetsTheLockWhenTheHolderCommits()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        bfe.Options[EngineOptions.TxnWatchdogTimeoutInMsec] = 0;
        var holder = bfe.OpenSession(Root);
        var waiter = bfe.OpenSession(Root, txnWait: Timeout.InfiniteTimeSpan);
        Assert.Equal(uint.MaxValue, waiter.TxnWaitTimeoutInMSec);
        bfe.BeginTransaction(holder, readOnly: false);

        var add = Task.Run(() => bfe.AddFilter(waiter, Filter("patient", FilterAction.Permit)));
        await WaitUntilAsync(() => bfe.WaitingWriters == 1);
        clock.Advance(TimeSpan.FromDays(1));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(add.IsCompleted);

        bfe.CommitTransaction(holder);
        Assert.Equal("patient", (await add.WaitAsync(Settle, TestContext.Current.CancellationToken)).DisplayData.Name);
    }

    [Fact]
    public void TheWatchdog_AbortsAnIdleWriteTransaction_AndTheSessionHearsOfItOnItsNextCall()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        bfe.Options[EngineOptions.TxnWatchdogTimeoutInMsec] = 5_000;
        var idle = bfe.OpenSession(Root);
        var other = bfe.OpenSession(Root, txnWait: TimeSpan.FromMilliseconds(1));
        bfe.BeginTransaction(idle, readOnly: false);
        var pending = bfe.AddFilter(idle, Filter("never committed", FilterAction.Block));

        clock.Advance(TimeSpan.FromMilliseconds(4_999));
        Assert.True(idle.InTransaction);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(idle.InTransaction);
        Assert.Null(bfe.Engine.Current.FilterByKey(pending.Key));

        // The lock is free at once: a session with almost no wait gets it.
        Assert.NotNull(bfe.AddFilter(other, Filter("after the watchdog", FilterAction.Permit)));

        // The idle session's calls fail rather than run outside the transaction it believes open; commit says so too.
        Assert.Equal(WfpError.TxnAborted, Assert.Throws<WfpException>(() => bfe.AddFilter(idle, Filter("late", FilterAction.Block))).Error);
        Assert.Equal(WfpError.TxnAborted, Assert.Throws<WfpException>(() => bfe.CommitTransaction(idle)).Error);

        // After that the session is back to normal.
        Assert.Equal(WfpError.NoTxnInProgress, Assert.Throws<WfpException>(() => bfe.CommitTransaction(idle)).Error);
        Assert.NotNull(bfe.AddFilter(idle, Filter("fresh", FilterAction.Block)));
    }

    [Fact]
    public void EachCall_RestartsTheWatchdogsCount()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        bfe.Options[EngineOptions.TxnWatchdogTimeoutInMsec] = 5_000;
        var busy = bfe.OpenSession(Root);
        bfe.BeginTransaction(busy, readOnly: false);

        for (var i = 0; i < 4; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(4));
            bfe.AddFilter(busy, Filter($"step {i}", FilterAction.Block));
        }

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.True(busy.InTransaction);
        bfe.CommitTransaction(busy);
        Assert.Equal(4, bfe.Engine.Current.Filters.Count(f => f.DisplayData.Name.StartsWith("step ", StringComparison.Ordinal)));
    }

    [Fact]
    public void AWatchdogOfZero_LeavesAnIdleTransactionOpen()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        bfe.Options[EngineOptions.TxnWatchdogTimeoutInMsec] = 0;
        var session = bfe.OpenSession(Root);
        bfe.BeginTransaction(session, readOnly: false);

        clock.Advance(TimeSpan.FromHours(1));

        Assert.True(session.InTransaction);
        bfe.AbortTransaction(session);
    }

    [Fact]
    public void TheDefaultWatchdog_IsOneMinute()
    {
        var clock = new FakeTimeProvider();
        using var bfe = NewBfe(clock: clock);
        Assert.Equal(60_000u, bfe.Options[EngineOptions.TxnWatchdogTimeoutInMsec]);
        var session = bfe.OpenSession(Root);
        bfe.BeginTransaction(session, readOnly: false);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(session.InTransaction);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(session.InTransaction);
    }

    [Fact]
    public void EnumSessions_ListsEachOpenSessionWithItsSettings_AndForgetsClosedOnes()
    {
        using var bfe = NewBfe();
        var mine = bfe.OpenSession(Root, "mine", dynamic: true, txnWait: TimeSpan.FromMilliseconds(250), description: "a test");
        var theirs = bfe.OpenSession(Writer, "theirs");

        var sessions = bfe.EnumSessions(mine);
        Assert.Equal(2, sessions.Count);
        var m = Assert.Single(sessions, s => s.Key == mine.Key);
        Assert.Equal(("mine", "a test", true, 250u, 100), (m.Name, m.Description, m.IsDynamic, m.TxnWaitTimeoutInMSec, m.Caller.Pid));
        var t = Assert.Single(sessions, s => s.Key == theirs.Key);
        Assert.Equal((false, 15_000u, 1001u), (t.IsDynamic, t.TxnWaitTimeoutInMSec, t.Caller.Uid));

        bfe.CloseSession(theirs);
        Assert.Equal([mine.Key], bfe.EnumSessions(mine).Select(s => s.Key));
    }

    [Fact]
    public void EnumSessions_NeedsReadAccess()
    {
        using var bfe = NewBfe(new Access.AccessPolicy { Readers = Access.ReadAccess.None });
        var nobody = bfe.OpenSession(Nobody);
        Assert.Equal(WfpError.AccessDenied, Assert.Throws<WfpException>(() => bfe.EnumSessions(nobody)).Error);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Settle;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
