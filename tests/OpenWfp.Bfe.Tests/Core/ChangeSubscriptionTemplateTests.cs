using OpenWfp.Bfe.Changes;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// Fwpm*SubscribeChanges0 templates for every object kind (providerKey; layerKey for callouts and filters), the
/// subscriptions list (Fwpm*SubscriptionsGet0), and a subscriber that falls behind: cut off with
/// FWP_E_NOTIFICATION_DROPPED, never an unbounded queue or a commit that waits for it.
/// </summary>
public sealed class ChangeSubscriptionTemplateTests
{
    [Fact]
    public void AProviderTemplate_PassesOnlyThatProvidersObjects_OfEveryKind()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        var mine = bfe.AddProvider(writer, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("mine") });
        var theirs = bfe.AddProvider(writer, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("theirs") });
        using var changes = bfe.Changes.Subscribe(Guid.NewGuid(), new ChangeSubscriptionTemplate(new HashSet<ObjectKind>(), ProviderKey: mine.Key));

        bfe.AddSublayer(writer, Sublayer("of mine") with { ProviderKey = mine.Key });
        bfe.AddSublayer(writer, Sublayer("of theirs") with { ProviderKey = theirs.Key });
        bfe.AddSublayer(writer, Sublayer("of nobody"));
        bfe.AddCallout(writer, new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("callout of mine"), ApplicableLayer = Connect4.Key, ProviderKey = mine.Key });
        bfe.AddFilter(writer, Filter("filter of theirs", FilterAction.Block) with { ProviderKey = theirs.Key });
        bfe.AddFilter(writer, Filter("filter of mine", FilterAction.Block) with { ProviderKey = mine.Key });
        bfe.DeleteProvider(writer, AddThrowaway(bfe, writer));

        Assert.Equal(
            [(ObjectKind.Sublayer, "of mine"), (ObjectKind.Callout, "callout of mine"), (ObjectKind.Filter, "filter of mine")],
            Drain(changes).Select(c => (c.Kind, c.Name)));
    }

    [Fact]
    public void AProviderSubscriptionWithAKey_FollowsThatOneProvider()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        var key = Guid.NewGuid();
        using var changes = bfe.Changes.Subscribe(Guid.NewGuid(), new ChangeSubscriptionTemplate(new HashSet<ObjectKind> { ObjectKind.Provider }, ProviderKey: key));

        bfe.AddProvider(writer, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("other") });
        bfe.AddProvider(writer, new ProviderSpec { Key = key, DisplayData = new DisplayData("followed") });
        bfe.DeleteProvider(writer, key);

        Assert.Equal([(ChangeType.Add, "followed"), (ChangeType.Delete, "followed")], Drain(changes).Select(c => (c.Type, c.Name)));
    }

    [Fact]
    public void ALayerTemplate_PassesCalloutsAndFiltersOfThatLayer_AndFlagsChooseAddsOrDeletes()
    {
        using var bfe = NewBfe();
        var writer = bfe.OpenSession(Root);
        var recv = LayerCatalog.Layer("ALE_AUTH_RECV_ACCEPT_V4");
        using var deletes = bfe.Changes.Subscribe(
            Guid.NewGuid(),
            new ChangeSubscriptionTemplate(new HashSet<ObjectKind> { ObjectKind.Callout, ObjectKind.Filter }, ChangeSubscriptionTemplate.NotifyOnDelete, LayerKey: Connect4.Key));

        var c1 = bfe.AddCallout(writer, new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("connect callout"), ApplicableLayer = Connect4.Key });
        var c2 = bfe.AddCallout(writer, new CalloutSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("recv callout"), ApplicableLayer = recv.Key });
        var f1 = bfe.AddFilter(writer, Filter("connect filter", FilterAction.Block));
        var f2 = bfe.AddFilter(writer, Filter("recv filter", FilterAction.Block, layer: recv));
        bfe.DeleteFilter(writer, f1.Key);
        bfe.DeleteFilter(writer, f2.Key);
        bfe.DeleteCallout(writer, c1.Key);
        bfe.DeleteCallout(writer, c2.Key);

        Assert.Equal(
            [(ChangeType.Delete, "connect filter"), (ChangeType.Delete, "connect callout")],
            Drain(deletes).Select(c => (c.Type, c.Name)));
    }

    [Fact]
    public void Subscriptions_ListsEachWithItsTemplate_UntilDisposed()
    {
        using var bfe = NewBfe();
        var session = Guid.NewGuid();
        var provider = Guid.NewGuid();
        var template = new ChangeSubscriptionTemplate(new HashSet<ObjectKind> { ObjectKind.Sublayer }, ChangeSubscriptionTemplate.NotifyOnAdd, provider);
        var subscription = bfe.Changes.Subscribe(session, template);
        using var other = bfe.Changes.Subscribe(Guid.NewGuid(), ChangeSubscriptionTemplate.All);

        var listed = bfe.Changes.Subscriptions;
        Assert.Equal(2, listed.Count);
        Assert.Equal((session, template), (listed[0].SessionKey, listed[0].Template));

        subscription.Dispose();
        Assert.Same(other, Assert.Single(bfe.Changes.Subscriptions));
    }

    [Fact]
    public async Task ASubscriberThatFallsBehind_GetsWhatWasQueued_ThenNotificationDropped_AndIsRemoved()
    {
        var notifier = new ChangeNotifier(queueLimit: 2);
        using var slow = notifier.Subscribe(Guid.NewGuid(), ChangeSubscriptionTemplate.All);
        using var fast = notifier.Subscribe(Guid.NewGuid(), ChangeSubscriptionTemplate.All);
        var changes = Enumerable.Range(1, 3).Select(i => Record($"object {i}")).ToList();

        // One commit of three changes: more than the slow subscriber's queue holds; Publish returns at once.
        notifier.Publish(Guid.NewGuid(), changes.Take(2).ToList());
        Assert.True(fast.Reader.TryRead(out _));
        Assert.True(fast.Reader.TryRead(out _));
        notifier.Publish(Guid.NewGuid(), changes.Skip(2).ToList());

        Assert.True(slow.Dropped);
        Assert.False(fast.Dropped);
        Assert.Same(fast, Assert.Single(notifier.Subscriptions));
        var read = new List<string>();
        var e = await Assert.ThrowsAsync<WfpException>(async () =>
        {
            await foreach (var c in slow.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                read.Add(c.Name);
            }
        });
        Assert.Equal(WfpError.NotificationDropped, e.Error);
        Assert.Equal(["object 1", "object 2"], read);

        // The fast one kept everything; the slow one gets nothing more.
        Assert.True(fast.Reader.TryRead(out var third));
        Assert.Equal("object 3", third.Name);
        notifier.Publish(Guid.NewGuid(), [Record("object 4")]);
        Assert.False(slow.Reader.TryRead(out _));
    }

    [Fact]
    public void TheEnginesNotifier_HoldsTenThousandChangesPerSubscriber()
    {
        using var bfe = NewBfe();
        Assert.Equal(10_000, bfe.Changes.QueueLimit);
    }

    private static Guid AddThrowaway(BaseFilteringEngine bfe, Sessions.BfeSession writer) =>
        bfe.AddProvider(writer, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("throwaway") }).Key;

    private static ChangeRecord Record(string name) =>
        new(ChangeType.Add, ObjectKind.Provider, Guid.NewGuid(), 0, name, false, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData(name) });

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
