using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Testing.Policy;

namespace OpenWfp.Engine.Tests.Transactions;

/// <summary>The commit notification a live data plane reauthorizes on: once per commit, after the swap, never on abort.</summary>
public sealed class CommittedEventTests
{
    [Fact]
    public void RaisedOncePerCommit_WithTheSnapshotClassifiesSee_AndNotOnAbort()
    {
        var engine = new FilterEngine();
        var seen = new List<PolicySnapshot>();
        engine.Committed += s =>
        {
            Assert.Same(s, engine.Current);
            seen.Add(s);
        };

        engine.AddFilter(FilterBuilder.Filter("a", FilterAction.Block));
        Assert.Single(seen);
        Assert.Equal(1, seen[0].FilterCount);

        using (var txn = engine.BeginTransaction())
        {
            txn.AddFilter(FilterBuilder.Filter("b", FilterAction.Block));
            txn.AddFilter(FilterBuilder.Filter("c", FilterAction.Block));
            txn.Commit();
        }

        Assert.Equal(2, seen.Count);
        Assert.Equal(3, seen[1].FilterCount);
        Assert.True(seen[1].Generation > seen[0].Generation);

        using (var aborted = engine.BeginTransaction())
        {
            aborted.AddFilter(FilterBuilder.Filter("d", FilterAction.Block));
            aborted.Abort();
        }

        Assert.Equal(2, seen.Count);
    }
}
