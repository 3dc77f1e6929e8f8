using OpenWfp.Bfe.Access;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Persistence;
using OpenWfp.Bfe.Tests.Persistence;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using static OpenWfp.Bfe.Tests.Core.Callers;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Bfe.Tests.Core;

/// <summary>
/// Per-object security (https://learn.microsoft.com/en-us/windows/win32/fwp/access-control): the descriptor given on
/// add is checked on get (FWPM_ACTRL_READ), enum (unreadable objects are left out), delete (DELETE), linking
/// (FWPM_ACTRL_ADD_LINK) and Get/SetSecurityInfo (READ_CONTROL, WRITE_DAC, WRITE_OWNER).
/// </summary>
public sealed class ObjectSecurityTests
{
    // Root (SY) may do everything; everyone else may only read.
    private static readonly SecurityDescriptor ReadOnlyForOthers = SecurityDescriptor.ParseSddl("O:SYG:SYD:(A;;GA;;;SY)(A;;GR;;;WD)");

    // Only root.
    private static readonly SecurityDescriptor RootOnly = SecurityDescriptor.ParseSddl("O:SYG:SYD:(A;;GA;;;SY)");

    private static AccessPolicy Policy => new() { WriterGroupId = Writers, Readers = ReadAccess.Everyone };

    [Fact]
    public void AWriterMayRead_ButNotDelete_AnObjectWhoseDescriptorOnlyLetsItRead()
    {
        using var bfe = NewBfe(Policy);
        var admin = bfe.OpenSession(Root);
        var filter = bfe.AddFilter(admin, Filter("guarded", FilterAction.Block), ReadOnlyForOthers);
        var writer = bfe.OpenSession(Writer);

        Assert.Equal(filter.FilterId, bfe.GetFilter(writer, filter.Key).FilterId);
        AssertDenied(() => bfe.DeleteFilter(writer, filter.Key));
        AssertDenied(() => bfe.DeleteFilter(writer, filter.FilterId));
        Assert.Single(bfe.Engine.Current.Filters);

        bfe.DeleteFilter(admin, filter.Key);
        Assert.Empty(bfe.Engine.Current.Filters);
    }

    [Fact]
    public void GetIsDenied_AndEnumSilentlyOmits_WhatTheCallerCannotRead()
    {
        using var bfe = NewBfe(Policy);
        var admin = bfe.OpenSession(Root);
        var hidden = bfe.AddFilter(admin, Filter("hidden", FilterAction.Block), RootOnly);
        var visible = bfe.AddFilter(admin, Filter("visible", FilterAction.Block));
        var provider = bfe.AddProvider(admin, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("p") }, RootOnly);
        var user = bfe.OpenSession(Nobody);

        AssertDenied(() => bfe.GetFilter(user, hidden.Key));
        AssertDenied(() => bfe.GetFilter(user, hidden.FilterId));
        Assert.Equal(visible.Key, Assert.Single(bfe.EnumFilters(user)).Key);
        Assert.DoesNotContain(bfe.EnumProviders(user), p => p.Key == provider.Key);
        AssertDenied(() => bfe.GetProvider(user, provider.Key));

        Assert.Equal(2, bfe.EnumFilters(admin).Count);
        Assert.Contains(bfe.EnumProviders(admin), p => p.Key == provider.Key);
    }

    [Fact]
    public void AddingAFilter_NeedsAddLinkOnItsSublayerAndProvider()
    {
        using var bfe = NewBfe(Policy);
        var admin = bfe.OpenSession(Root);
        var sublayer = bfe.AddSublayer(admin, Sublayer("locked"), ReadOnlyForOthers);
        var linkable = SecurityDescriptor.ParseSddl($"O:SYG:SYD:(A;;GA;;;SY)(A;;GR;;;WD)(A;;0x2;;;S-1-22-2-{Writers})");
        var provider = bfe.AddProvider(admin, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("p") }, linkable);
        var writer = bfe.OpenSession(Writer);

        AssertDenied(() => bfe.AddFilter(writer, Filter("into locked", FilterAction.Block, sublayer.Key)));
        var rootsProvider = RootOnlyProvider(bfe, admin);
        AssertDenied(() => bfe.AddSublayer(writer, Sublayer("under root's provider") with { ProviderKey = rootsProvider }));
        var linked = bfe.AddFilter(writer, Filter("linked", FilterAction.Block) with { ProviderKey = provider.Key });
        Assert.Equal(provider.Key, linked.ProviderKey);
        bfe.AddFilter(admin, Filter("root links", FilterAction.Block, sublayer.Key));
    }

    [Fact]
    public void SecurityInfo_NeedsReadControl_AndWriteDacToChange()
    {
        using var bfe = NewBfe(Policy);
        var admin = bfe.OpenSession(Root);
        var filter = bfe.AddFilter(admin, Filter("f", FilterAction.Block), ReadOnlyForOthers);
        var writer = bfe.OpenSession(Writer);

        Assert.Equal(ReadOnlyForOthers, bfe.GetSecurityInfo(admin, ObjectKind.Filter, filter.Key));
        Assert.Equal(ReadOnlyForOthers, bfe.GetSecurityInfo(writer, ObjectKind.Filter, filter.Key));
        Assert.Equal("D:(A;;GA;;;SY)(A;;GR;;;WD)", bfe.GetSecurityInfo(admin, ObjectKind.Filter, filter.Key, SecurityInformation.Dacl).ToSddl());
        AssertDenied(() => bfe.SetSecurityInfo(writer, ObjectKind.Filter, filter.Key, SecurityInformation.Dacl, SecurityDescriptor.ParseSddl("D:(A;;GA;;;WD)")));

        // Root lets the writer group delete; now the writer may.
        bfe.SetSecurityInfo(admin, ObjectKind.Filter, filter.Key, SecurityInformation.Dacl, SecurityDescriptor.ParseSddl($"D:(A;;GA;;;SY)(A;;GRSD;;;S-1-22-2-{Writers})"));
        Assert.Equal($"O:SYG:SYD:(A;;GA;;;SY)(A;;GRSD;;;S-1-22-2-{Writers})", bfe.GetSecurityInfo(admin, ObjectKind.Filter, filter.Key).ToSddl());
        AssertDenied(() => bfe.GetSecurityInfo(bfe.OpenSession(Nobody), ObjectKind.Filter, filter.Key));
        bfe.DeleteFilter(writer, filter.Key);
    }

    [Fact]
    public void SetSecurityInfo_IsRefusedInsideATransaction_AndForAnotherSessionsObjectsInADynamicSession()
    {
        using var bfe = NewBfe(Policy);
        var admin = bfe.OpenSession(Root);
        var filter = bfe.AddFilter(admin, Filter("f", FilterAction.Block));
        bfe.BeginTransaction(admin, readOnly: false);
        var e = Assert.Throws<WfpException>(() => bfe.SetSecurityInfo(admin, ObjectKind.Filter, filter.Key, SecurityInformation.Dacl, RootOnly));
        Assert.Equal(WfpError.TxnInProgress, e.Error);
        bfe.AbortTransaction(admin);

        var dynamic = bfe.OpenSession(Root, dynamic: true);
        e = Assert.Throws<WfpException>(() => bfe.SetSecurityInfo(dynamic, ObjectKind.Filter, filter.Key, SecurityInformation.Dacl, RootOnly));
        Assert.Equal(WfpError.DynamicSessionInProgress, e.Error);
        var own = bfe.AddFilter(dynamic, Filter("own", FilterAction.Block));
        bfe.SetSecurityInfo(dynamic, ObjectKind.Filter, own.Key, SecurityInformation.Dacl, RootOnly);
        Assert.Equal("D:(A;;GA;;;SY)", bfe.GetSecurityInfo(dynamic, ObjectKind.Filter, own.Key, SecurityInformation.Dacl).ToSddl());
    }

    [Fact]
    public void AnObjectWithoutADescriptor_HasTheEngineDefault_AndTheCreatorOwnsOneWithoutOwner()
    {
        using var bfe = NewBfe(Policy);
        var writer = bfe.OpenSession(Writer);
        var plain = bfe.AddFilter(writer, Filter("plain", FilterAction.Block));
        Assert.Equal(
            $"O:SYG:SYD:(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-22-2-{Writers})(A;;GRGX;;;WD)",
            bfe.GetSecurityInfo(writer, ObjectKind.Filter, plain.Key).ToSddl());
        Assert.Equal(bfe.DefaultObjectSecurity, bfe.GetSecurityInfo(writer, null, Guid.Empty));

        var owned = bfe.AddFilter(writer, Filter("owned", FilterAction.Block), SecurityDescriptor.ParseSddl("D:(A;;GR;;;WD)"));
        var sd = bfe.GetSecurityInfo(writer, ObjectKind.Filter, owned.Key);
        Assert.Equal(Sid.ForUnixUser(Writer.Uid), sd.Owner);

        // The owner keeps READ_CONTROL and WRITE_DAC (implicit owner rights), so it can give itself DELETE.
        AssertDenied(() => bfe.DeleteFilter(writer, owned.Key));
        bfe.SetSecurityInfo(writer, ObjectKind.Filter, owned.Key, SecurityInformation.Dacl, SecurityDescriptor.ParseSddl("D:(A;;GRSD;;;WD)"));
        bfe.DeleteFilter(writer, owned.Key);
    }

    [Fact]
    public void AnAbortedAdd_LeavesNoDescriptorBehind()
    {
        using var bfe = NewBfe(Policy);
        var admin = bfe.OpenSession(Root);
        var spec = Filter("again", FilterAction.Block) with { Key = Guid.NewGuid() };
        bfe.BeginTransaction(admin, readOnly: false);
        bfe.AddFilter(admin, spec, RootOnly);
        bfe.AbortTransaction(admin);

        bfe.AddFilter(admin, spec);
        Assert.Single(bfe.EnumFilters(bfe.OpenSession(Nobody)));
    }

    [Fact]
    public void Descriptors_OfPersistentObjects_SurviveARestart()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "policy.db");
        var key = Guid.NewGuid();
        using (var bfe = new BaseFilteringEngine(Policy, SqlitePolicyStore.Open(path)))
        {
            bfe.ApplyBootTimePolicy();
            bfe.ApplyPersistentPolicy();
            var admin = bfe.OpenSession(Root);
            bfe.AddFilter(admin, Filter("kept", FilterAction.Block, flags: FilterFlags.Persistent) with { Key = key }, RootOnly);
            bfe.SetSecurityInfo(admin, ObjectKind.Filter, key, SecurityInformation.Dacl, ReadOnlyForOthers);
        }

        using (var bfe = new BaseFilteringEngine(Policy, SqlitePolicyStore.Open(path)))
        {
            bfe.ApplyBootTimePolicy();
            bfe.ApplyPersistentPolicy();
            var writer = bfe.OpenSession(Writer);
            Assert.Equal(ReadOnlyForOthers, bfe.GetSecurityInfo(writer, ObjectKind.Filter, key));
            AssertDenied(() => bfe.DeleteFilter(writer, key));
            bfe.DeleteFilter(bfe.OpenSession(Root), key);
        }

        using var store = SqlitePolicyStore.Open(path);
        Assert.Empty(store.Load().SecurityDescriptors);
    }

    private static Guid RootOnlyProvider(BaseFilteringEngine bfe, Sessions.BfeSession admin) =>
        bfe.AddProvider(admin, new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("root's") }, RootOnly).Key;

    private static void AssertDenied(Action call)
    {
        var e = Assert.Throws<WfpException>(call);
        Assert.Equal(WfpError.AccessDenied, e.Error);
    }
}
