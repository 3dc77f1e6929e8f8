using OpenWfp.Bfe.Access;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// Who may do what (docs/WFPD.md): root and the writer group change policy; readers are everyone, a group or nobody
/// else. A refusal is E_ACCESSDENIED and changes nothing.
/// </summary>
public sealed class AccessCheckTests
{
    [Fact]
    public void AnOrdinaryUser_MayRead_ButEveryWriteIsDenied()
    {
        using var bfe = NewBfe(new AccessPolicy { WriterGroupId = Writers, Readers = ReadAccess.Everyone });
        var admin = bfe.OpenSession(Root);
        var existing = bfe.AddFilter(admin, Filter("existing", FilterAction.Block));
        var user = bfe.OpenSession(Nobody);

        Assert.Equal(existing.Key, Assert.Single(bfe.EnumFilters(user)).Key);
        Assert.Equal(existing.FilterId, bfe.GetFilter(user, existing.Key).FilterId);
        bfe.BeginTransaction(user, readOnly: true);
        bfe.CommitTransaction(user);

        AssertDenied(() => bfe.AddFilter(user, Filter("denied", FilterAction.Permit)));
        AssertDenied(() => bfe.DeleteFilter(user, existing.Key));
        AssertDenied(() => bfe.AddSublayer(user, Sublayer("denied")));
        AssertDenied(() => bfe.BeginTransaction(user, readOnly: false));
        Assert.Equal(existing.Key, Assert.Single(bfe.Engine.Current.Filters).Key);
    }

    [Fact]
    public void TheWriterGroup_MayWrite_AsRootMay()
    {
        using var bfe = NewBfe(new AccessPolicy { WriterGroupId = Writers, Readers = ReadAccess.None });
        var writer = bfe.OpenSession(Writer);

        var added = bfe.AddFilter(writer, Filter("by the writer group", FilterAction.Block));
        bfe.DeleteFilter(writer, added.Key);
        Assert.Empty(bfe.EnumFilters(writer));
    }

    [Fact]
    public void WithNoWriterGroup_OnlyRootWrites()
    {
        using var bfe = NewBfe(new AccessPolicy { WriterGroupId = null });
        AssertDenied(() => bfe.AddFilter(bfe.OpenSession(Writer), Filter("denied", FilterAction.Block)));
        Assert.NotNull(bfe.AddFilter(bfe.OpenSession(Root), Filter("root", FilterAction.Block)));
    }

    [Fact]
    public void ReadersNone_DeniesReadsToAnyoneButWriters()
    {
        using var bfe = NewBfe(new AccessPolicy { WriterGroupId = Writers, Readers = ReadAccess.None });
        var user = bfe.OpenSession(Nobody);

        AssertDenied(() => bfe.EnumFilters(user));
        AssertDenied(() => bfe.View(user));
        AssertDenied(() => bfe.BeginTransaction(user, readOnly: true));
        Assert.Empty(bfe.EnumFilters(bfe.OpenSession(Writer)));
    }

    [Fact]
    public void ReadersGroup_LetsItsMembersRead_AndNobodyElse()
    {
        using var bfe = NewBfe(new AccessPolicy { WriterGroupId = Writers, Readers = ReadAccess.Group, ReaderGroupId = Readers });

        Assert.Empty(bfe.EnumFilters(bfe.OpenSession(Reader)));
        AssertDenied(() => bfe.EnumFilters(bfe.OpenSession(Nobody)));
        AssertDenied(() => bfe.AddFilter(bfe.OpenSession(Reader), Filter("a reader writes", FilterAction.Block)));
    }

    private static void AssertDenied(Action call)
    {
        var e = Assert.Throws<WfpException>(call);
        Assert.Equal(WfpError.AccessDenied, e.Error);
    }
}
