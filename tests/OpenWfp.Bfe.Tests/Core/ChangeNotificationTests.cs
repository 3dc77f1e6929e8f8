using OpenWfp.Bfe.Changes;
using OpenWfp.Engine.Model;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// Change subscriptions (FwpmFilterSubscribeChanges0 and its siblings on Microsoft Learn): after each commit a
/// subscriber sees the adds and deletes it asked for, in commit order, except its own session's.
/// </summary>
public sealed class ChangeNotificationTests
{
    [Fact]
    public void ASubscriber_SeesAnotherSessionsAddThenDelete_WithTheObjectsIdentity()
    {
        using var bfe = NewBfe();
        var watcher = bfe.OpenSession(Root, "watcher");
        var writer = bfe.OpenSession(Root, "writer");
        using var changes = bfe.Changes.Subscribe(watcher.Key, c => c.Kind == ObjectKind.Filter);

        var added = bfe.AddFilter(writer, Filter("watched", FilterAction.Block));
        bfe.DeleteFilter(writer, added.Key);

        var seen = Drain(changes);
        Assert.Equal(
            [(ChangeType.Add, ObjectKind.Filter, added.Key, added.FilterId, "watched"), (ChangeType.Delete, ObjectKind.Filter, added.Key, added.FilterId, "watched")],
            seen.Select(c => (c.Type, c.Kind, c.Key, c.Id, c.Name)));
    }

    [Fact]
    public void ASessionsOwnChanges_AreNotSentBackToIt()
    {
        using var bfe = NewBfe();
        var session = bfe.OpenSession(Root);
        using var changes = bfe.Changes.Subscribe(session.Key, _ => true);

        bfe.AddFilter(session, Filter("mine", FilterAction.Block));

        Assert.Empty(Drain(changes));
    }

    [Fact]
    public void TheSubscriptionsFilter_ChoosesWhatItSees()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        using var sublayersOnly = bfe.Changes.Subscribe(Guid.NewGuid(), c => c.Kind == ObjectKind.Sublayer);

        var sublayer = bfe.AddSublayer(writer, Sublayer("watched sublayer"));
        bfe.AddFilter(writer, Filter("unwatched filter", FilterAction.Block, sublayer.Key));

        var seen = Assert.Single(Drain(sublayersOnly));
        Assert.Equal((ChangeType.Add, ObjectKind.Sublayer, sublayer.Key), (seen.Type, seen.Kind, seen.Key));
    }

    [Fact]
    public void NothingIsPublished_BeforeCommit_NorForAnAbort_NorForAnAddDeletedInTheSameTransaction()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        using var changes = bfe.Changes.Subscribe(Guid.NewGuid(), _ => true);

        bfe.BeginTransaction(writer, readOnly: false);
        bfe.AddFilter(writer, Filter("aborted", FilterAction.Block));
        Assert.Empty(Drain(changes));
        bfe.AbortTransaction(writer);
        Assert.Empty(Drain(changes));

        bfe.BeginTransaction(writer, readOnly: false);
        var transient = bfe.AddFilter(writer, Filter("added and deleted", FilterAction.Block));
        bfe.DeleteFilter(writer, transient.Key);
        var kept = bfe.AddFilter(writer, Filter("kept", FilterAction.Block));
        bfe.CommitTransaction(writer);

        var seen = Assert.Single(Drain(changes));
        Assert.Equal((ChangeType.Add, kept.Key), (seen.Type, seen.Key));
    }

    [Fact]
    public void ADynamicSessionsEnd_IsPublishedAsTheDeletesOfItsObjects()
    {
        using var bfe = NewBfe();
        var watcher = bfe.OpenSession(Root);
        var owner = bfe.OpenSession(Root, dynamic: true);
        var sublayer = bfe.AddSublayer(owner, Sublayer("dynamic"));
        var filter = bfe.AddFilter(owner, Filter("dynamic", FilterAction.Block, sublayer.Key));
        using var changes = bfe.Changes.Subscribe(watcher.Key, _ => true);

        bfe.CloseSession(owner);

        Assert.Equal(
            [(ChangeType.Delete, ObjectKind.Filter, filter.Key), (ChangeType.Delete, ObjectKind.Sublayer, sublayer.Key)],
            Drain(changes).Select(c => (c.Type, c.Kind, c.Key)));
    }

    [Fact]
    public void ADisposedSubscription_EndsItsStream_AndGetsNothingMore()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        var changes = bfe.Changes.Subscribe(Guid.NewGuid(), _ => true);
        changes.Dispose();

        bfe.AddFilter(writer, Filter("unseen", FilterAction.Block));

        Assert.False(changes.Reader.TryRead(out _));
        Assert.True(changes.Reader.Completion.IsCompleted);
    }

    private static List<ChangeRecord> Drain(ChangeNotifier.Subscription subscription)
    {
        var records = new List<ChangeRecord>();
        while (subscription.Reader.TryRead(out var record))
        {
            records.Add(record);
        }

        return records;
    }
}
