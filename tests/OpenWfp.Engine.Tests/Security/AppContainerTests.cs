using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

/// <summary>
/// Lowbox tokens: Windows checks user+groups, then package SID + capabilities + ALL APPLICATION PACKAGES, and both
/// must grant. Microsoft Learn's net event samples show Windows blocking such connections with the
/// "InternetClient Default Rule" when the app lacks internetClient.
/// </summary>
public class AppContainerTests
{
    private const string Package = "S-1-15-2-2434737943-167758768-3180539153-984336765-1107280622-3591121930-2677285773";
    private const string InternetClientRule = "O:LSD:(A;;CC;;;S-1-15-3-1)(A;;CC;;;WD)(A;;CC;;;AN)";
    private const string User = "S-1-5-21-1-2-3-1001";

    [Fact]
    public void PackageSid_MakesAnAppContainerToken_AndCapabilitiesLeaveTheGroups()
    {
        var token = FwpToken.Parse($"{User},WD,AU,AC,{Package},S-1-15-3-1,S-1-15-3-3");

        Assert.True(token.IsAppContainer);
        Assert.Equal(Sid.Parse(Package), token.AppContainerSid);
        Assert.Equal([Sid.Parse("S-1-15-3-1"), Sid.Parse("S-1-15-3-3")], token.Capabilities);
        Assert.False(token.Contains(Sid.Parse("S-1-15-3-1")));
        Assert.False(token.Contains(Sid.Parse(Package)));
        Assert.True(token.Contains(Sid.Everyone));
        Assert.Equal(token, FwpToken.Parse(token.ToString()));
    }

    [Theory]
    [InlineData("S-1-15-2-1")]
    [InlineData("S-1-15-2-2")]
    public void AllPackagesGroups_AreNotPackageSids(string sid)
    {
        var token = FwpToken.Parse($"{User},WD,{sid},S-1-15-3-1");
        Assert.False(token.IsAppContainer);
        Assert.True(token.Contains(Sid.Parse("S-1-15-3-1")));
    }

    public static TheoryData<string, string, bool> Table => new()
    {
        // The bug this fixes: Everyone in the token no longer lets an app without internetClient through.
        { InternetClientRule, $"{User},WD,AU,AC,{Package}", false },
        { InternetClientRule, $"{User},WD,AU,AC,{Package},S-1-15-3-1", true },
        { InternetClientRule, $"{User},WD,AU,AC,{Package},S-1-15-3-2", false },

        // A normal token: capabilities are ordinary groups, and Everyone grants.
        { InternetClientRule, $"{User},WD,AU", true },
        { InternetClientRule, $"{User},WD,AU,S-1-15-3-1", true },

        // The lowbox pass alone is not enough: the user pass must grant too.
        { "D:(A;;CC;;;S-1-15-3-1)", $"{User},WD,AU,AC,{Package},S-1-15-3-1", false },
        { "D:(A;;CC;;;S-1-15-3-1)(A;;CC;;;S-1-5-21-1-2-3-1001)", $"{User},WD,AU,AC,{Package},S-1-15-3-1", true },

        // ALL APPLICATION PACKAGES and the package SID itself satisfy the lowbox pass.
        { "D:(A;;CC;;;WD)(A;;CC;;;AC)", $"{User},WD,AU,{Package}", true },
        { $"D:(A;;CC;;;WD)(A;;CC;;;{Package})", $"{User},WD,AU,{Package}", true },
        { $"D:(A;;CC;;;WD)(A;;CC;;;S-1-15-2-9-9-9-9-9-9-9)", $"{User},WD,AU,{Package}", false },

        // Real dump form: user or SY, ALL APPLICATION PACKAGES, capabilities.
        { "O:SYG:SYD:(A;;CCRC;;;S-1-5-21-1-2-3-1001)(A;;CCRC;;;AC)(A;;CCRC;;;S-1-15-3-1)", $"{User},WD,AU,AC,{Package}", true },
        { "O:SYG:SYD:(A;;CCRC;;;S-1-5-21-1-2-3-1002)(A;;CCRC;;;S-1-15-3-1)", $"{User},WD,AU,AC,{Package},S-1-15-3-1", false },

        // Deny ACEs count in both passes.
        { "D:(D;;CC;;;S-1-15-3-1)(A;;CC;;;WD)(A;;CC;;;AC)", $"{User},WD,AU,AC,{Package},S-1-15-3-1", false },
        { "D:(D;;CC;;;S-1-15-3-1)(A;;CC;;;WD)(A;;CC;;;AC)", $"{User},WD,AU,AC,{Package}", true },
        { "D:(D;;CC;;;WD)(A;;CC;;;AC)", $"{User},WD,AU,AC,{Package}", false },

        // Conditional ACEs in the lowbox pass.
        { "D:(A;;CC;;;WD)(XA;;CC;;;AC;(WIN://SYSAPPID == \"Contoso.App\"))", $"{User},WD,{Package};WIN://SYSAPPID=\"Contoso.App\"", true },
        { "D:(A;;CC;;;WD)(XA;;CC;;;AC;(WIN://SYSAPPID == \"Contoso.App\"))", $"{User},WD,{Package};WIN://SYSAPPID=\"Other\"", false },
        { "D:(A;;CC;;;WD)(XD;;CC;;;AC;(WIN://SYSAPPID == \"x\"))(A;;CC;;;AC)", $"{User},WD,{Package}", false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void AccessCheck_NeedsBothPassesForLowboxTokens(string sddl, string token, bool granted)
    {
        Assert.Equal(granted, SecurityDescriptor.ParseSddl(sddl).AccessCheck(FwpToken.Parse(token), SecurityDescriptor.MatchFilterRight));
    }
}
