using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// FWPM_SESSION_FLAG_DYNAMIC (Microsoft Learn, FWPM_SESSION0): every object such a session adds is deleted when the
/// session ends — closed by its client, or closed for it when the client's connection drops (wfpd calls
/// <see cref="BaseFilteringEngine.CloseSession"/> then) or the daemon stops. Sessions have no idle expiry.
/// </summary>
public sealed class DynamicSessionTests
{
    [Fact]
    public void ItsObjects_AreDeleted_WhenItCloses_AndOthersStay()
    {
        using var bfe = NewBfe();
        var owner = bfe.OpenSession(Root, "dynamic", dynamic: true);
        var statics = bfe.OpenSession(Root, "static");
        var sublayer = bfe.AddSublayer(owner, Sublayer("dynamic sublayer"));
        var dynamicFilter = bfe.AddFilter(owner, Filter("dynamic filter", FilterAction.Block, sublayer.Key));
        var staticFilter = bfe.AddFilter(statics, Filter("static filter", FilterAction.Permit));
        Assert.Equal(2, bfe.Engine.Current.FilterCount);

        bfe.CloseSession(owner);

        Assert.Null(bfe.Engine.Current.FilterByKey(dynamicFilter.Key));
        Assert.False(bfe.Engine.Current.SublayersByKey.ContainsKey(sublayer.Key));
        Assert.Equal(staticFilter.FilterId, bfe.GetFilter(statics, staticFilter.Key).FilterId);
    }

    [Fact]
    public void ItsCommittedObjects_AreDeleted_AndItsOpenTransactionAborted_WhenItsClientGoesAway()
    {
        using var bfe = NewBfe();
        var owner = bfe.OpenSession(Root, dynamic: true);
        var committed = bfe.AddFilter(owner, Filter("committed", FilterAction.Block));
        bfe.BeginTransaction(owner, readOnly: false);
        var pending = bfe.AddFilter(owner, Filter("pending", FilterAction.Block));

        // What wfpd does when the session's stream ends without a close (the client was killed).
        bfe.CloseSession(owner);

        Assert.Null(bfe.Engine.Current.FilterByKey(committed.Key));
        Assert.Null(bfe.Engine.Current.FilterByKey(pending.Key));
        Assert.Equal(0, bfe.Engine.Current.FilterCount);
    }

    [Fact]
    public void ItsObjects_AreDeleted_WhenTheDaemonStops()
    {
        var bfe = NewBfe();
        var owner = bfe.OpenSession(Root, dynamic: true);
        var statics = bfe.OpenSession(Root);
        var dynamicFilter = bfe.AddFilter(owner, Filter("dynamic", FilterAction.Block));
        var staticFilter = bfe.AddFilter(statics, Filter("static", FilterAction.Block));

        bfe.Dispose();

        Assert.Equal(0, bfe.SessionCount);
        Assert.Null(bfe.Engine.Current.FilterByKey(dynamicFilter.Key));
        Assert.NotNull(bfe.Engine.Current.FilterByKey(staticFilter.Key));
    }

    [Fact]
    public void AnObjectItDeletedItself_IsNotDeletedTwice()
    {
        using var bfe = NewBfe();
        var owner = bfe.OpenSession(Root, dynamic: true);
        var first = bfe.AddFilter(owner, Filter("first", FilterAction.Block));
        var second = bfe.AddFilter(owner, Filter("second", FilterAction.Block));
        bfe.DeleteFilter(owner, first.Key);
        using var changes = bfe.Changes.Subscribe(Guid.NewGuid(), _ => true);

        bfe.CloseSession(owner);

        Assert.True(changes.Reader.TryRead(out var change));
        Assert.Equal((Changes.ChangeType.Delete, second.Key), (change.Type, change.Key));
        Assert.False(changes.Reader.TryRead(out _));
    }

    [Fact]
    public void ItCannotAddPersistentObjects_NorDeleteStaticOnes()
    {
        using var bfe = NewBfe();
        var owner = bfe.OpenSession(Root, dynamic: true);
        var statics = bfe.OpenSession(Root);
        var staticFilter = bfe.AddFilter(statics, Filter("static", FilterAction.Block));

        var persistent = Assert.Throws<WfpException>(() => bfe.AddFilter(owner, Filter("persistent", FilterAction.Block, flags: FilterFlags.Persistent)));
        Assert.Equal(WfpError.DynamicSessionInProgress, persistent.Error);
        var delete = Assert.Throws<WfpException>(() => bfe.DeleteFilter(owner, staticFilter.Key));
        Assert.Equal(WfpError.DynamicSessionInProgress, delete.Error);
        Assert.NotNull(bfe.Engine.Current.FilterByKey(staticFilter.Key));
    }

    [Fact]
    public void NoOtherSession_MayDeleteItsObjects_OrBuildOnThem()
    {
        using var bfe = NewBfe();
        var owner = bfe.OpenSession(Root, dynamic: true);
        var otherDynamic = bfe.OpenSession(Root, dynamic: true);
        var statics = bfe.OpenSession(Root);
        var sublayer = bfe.AddSublayer(owner, Sublayer("owned"));
        var filter = bfe.AddFilter(owner, Filter("owned", FilterAction.Block, sublayer.Key));

        Assert.Equal(WfpError.WrongSession, Assert.Throws<WfpException>(() => bfe.DeleteFilter(statics, filter.Key)).Error);
        Assert.Equal(WfpError.WrongSession, Assert.Throws<WfpException>(() => bfe.DeleteFilter(otherDynamic, filter.Key)).Error);

        // A static object in a dynamic sublayer would outlive the sublayer.
        Assert.Equal(WfpError.LifetimeMismatch, Assert.Throws<WfpException>(() => bfe.AddFilter(statics, Filter("static", FilterAction.Block, sublayer.Key))).Error);
        Assert.Equal(WfpError.LifetimeMismatch, Assert.Throws<WfpException>(() => bfe.AddFilter(otherDynamic, Filter("theirs", FilterAction.Block, sublayer.Key))).Error);

        bfe.DeleteFilter(owner, filter.Key);
        Assert.Null(bfe.Engine.Current.FilterByKey(filter.Key));
    }
}
