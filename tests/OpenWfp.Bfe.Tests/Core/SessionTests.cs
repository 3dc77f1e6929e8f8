using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// Sessions and their transactions on the in-process BFE, as FwpmEngineOpen0, FwpmTransactionBegin0/Commit0/Abort0
/// and FwpmEngineClose0 behave (Microsoft Learn, "Object Management" and "Transaction Management" in the WFP docs).
/// </summary>
public sealed class SessionTests
{
    [Fact]
    public void OpenSession_IsFoundByItsKey_UntilClosed()
    {
        using var bfe = NewBfe();
        var session = bfe.OpenSession(Root, "mine");

        Assert.Same(session, bfe.FindSession(session.Key));
        Assert.Equal("mine", session.Name);
        Assert.False(session.IsDynamic);
        Assert.Equal(1, bfe.SessionCount);

        bfe.CloseSession(session);
        Assert.Null(bfe.FindSession(session.Key));
        Assert.Equal(0, bfe.SessionCount);
        Assert.True(session.IsClosed);
    }

    [Fact]
    public void ClosedSession_RefusesEveryCall_AndClosingAgainIsHarmless()
    {
        using var bfe = NewBfe();
        var session = bfe.OpenSession(Root);
        bfe.CloseSession(session);
        bfe.CloseSession(session);

        Assert.Equal(WfpError.InvalidParameter, Assert.Throws<WfpException>(() => bfe.AddFilter(session, Filter("late", FilterAction.Block))).Error);
        Assert.Equal(WfpError.InvalidParameter, Assert.Throws<WfpException>(() => bfe.EnumFilters(session)).Error);
        Assert.Equal(WfpError.InvalidParameter, Assert.Throws<WfpException>(() => bfe.BeginTransaction(session, readOnly: false)).Error);
    }

    [Fact]
    public void ExplicitTransaction_IsSeenOnlyByItsSession_UntilCommitted()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        var other = bfe.OpenSession(Root);

        bfe.BeginTransaction(writer, readOnly: false);
        Assert.True(writer.InTransaction);
        var added = bfe.AddFilter(writer, Filter("pending", FilterAction.Block));
        Assert.Equal(added.Key, bfe.GetFilter(writer, added.Key).Key);
        Assert.Equal(WfpError.FilterNotFound, Assert.Throws<WfpException>(() => bfe.GetFilter(other, added.Key)).Error);
        Assert.Null(bfe.Engine.Current.FilterByKey(added.Key));

        bfe.CommitTransaction(writer);
        Assert.False(writer.InTransaction);
        Assert.Equal(added.FilterId, bfe.GetFilter(other, added.Key).FilterId);
        Assert.NotNull(bfe.Engine.Current.FilterByKey(added.Key));
    }

    [Fact]
    public void AbortedTransaction_LeavesNoTrace()
    {
        using var bfe = NewBfe();
        var session = bfe.OpenSession(Root);
        var before = bfe.Engine.Current.Generation;

        bfe.BeginTransaction(session, readOnly: false);
        var added = bfe.AddFilter(session, Filter("aborted", FilterAction.Block));
        bfe.AbortTransaction(session);

        Assert.Equal(WfpError.FilterNotFound, Assert.Throws<WfpException>(() => bfe.GetFilter(session, added.Key)).Error);
        Assert.Equal(before, bfe.Engine.Current.Generation);
    }

    [Fact]
    public void TransactionErrors_AreTheFwpCodes()
    {
        using var bfe = NewBfe();
        var session = bfe.OpenSession(Root);

        Assert.Equal(WfpError.NoTxnInProgress, Assert.Throws<WfpException>(() => bfe.CommitTransaction(session)).Error);
        bfe.BeginTransaction(session, readOnly: false);
        Assert.Equal(WfpError.TxnInProgress, Assert.Throws<WfpException>(() => bfe.BeginTransaction(session, readOnly: true)).Error);
        bfe.AbortTransaction(session);

        bfe.BeginTransaction(session, readOnly: true);
        Assert.Equal(WfpError.IncompatibleTxn, Assert.Throws<WfpException>(() => bfe.AddFilter(session, Filter("in a read", FilterAction.Block))).Error);
        bfe.CommitTransaction(session);
        Assert.False(session.InTransaction);
    }

    [Fact]
    public void ReadOnlyTransaction_KeepsItsSnapshot_WhileOthersCommit()
    {
        using var bfe = NewBfe();
        var reader = bfe.OpenSession(Root);
        var writer = bfe.OpenSession(Root);

        bfe.BeginTransaction(reader, readOnly: true);
        bfe.AddFilter(writer, Filter("after the snapshot", FilterAction.Block));
        Assert.Empty(bfe.EnumFilters(reader));

        bfe.CommitTransaction(reader);
        Assert.Single(bfe.EnumFilters(reader));
    }

    [Fact]
    public void ClosingASession_AbortsItsOpenTransaction_AndReleasesTheWriteLock()
    {
        using var bfe = NewBfe();
        var holder = bfe.OpenSession(Root);
        var next = bfe.OpenSession(Root);
        bfe.BeginTransaction(holder, readOnly: false);
        var pending = bfe.AddFilter(holder, Filter("never committed", FilterAction.Block));

        bfe.CloseSession(holder);

        Assert.Null(bfe.Engine.Current.FilterByKey(pending.Key));
        Assert.NotNull(bfe.AddFilter(next, Filter("after the close", FilterAction.Block)));
    }
}
