using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Security;

/// <summary>
/// Conditional ACEs and app-container tokens at classify: an ALE_USER_ID condition with the Windows Firewall forms
/// from real dumps, evaluated against the token of the flow, allocating nothing per classify.
/// </summary>
public class ClassifySecurityTests
{
    private const string Package = "S-1-15-2-2434737943-167758768-3180539153-984336765-1107280622-3591121930-2677285773";

    // The shape Windows Firewall writes for a packaged app's rule (ALE_USER_ID, real netsh wfp dumps).
    private const string StoreApp =
        "O:SYG:SYD:(XA;;CC;;;WD;(WIN://SYSAPPID Contains \"Microsoft.WindowsStore_8wekyb3d8bbwe\"))(A;;CC;;;S-1-15-3-1)(A;;CC;;;S-1-15-3-2)(A;;CC;;;S-1-15-3-3)";

    public static TheoryData<string, string, bool> Rows => new()
    {
        { StoreApp, $"S-1-5-21-1-2-3-1001,WD,AU,AC,{Package},S-1-15-3-1;WIN://SYSAPPID=\"Microsoft.WindowsStore_8wekyb3d8bbwe\"", true },
        { StoreApp, $"S-1-5-21-1-2-3-1001,WD,AU,AC,{Package};WIN://SYSAPPID=\"Microsoft.WindowsStore_8wekyb3d8bbwe\"", false },
        { StoreApp, "S-1-5-21-1-2-3-1001,WD,AU", false },
        { "O:LSD:(A;;CC;;;S-1-15-3-1)(A;;CC;;;WD)(A;;CC;;;AN)", $"S-1-5-21-1-2-3-1001,WD,AU,AC,{Package}", false },
        { "O:LSD:(A;;CC;;;S-1-15-3-1)(A;;CC;;;WD)(A;;CC;;;AN)", "S-1-5-21-1-2-3-1001,WD,AU", true },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void AleUserId_EvaluatesConditionalAndLowboxDescriptors(string sddl, string token, bool matches)
    {
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        var engine = new FilterEngine();
        var condition = FwpConditionValue.Of(FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl(sddl)));
        engine.AddFilter(Filter("app rule", FilterAction.Permit, layer: layer, conditions: Cond(layer, "ALE_USER_ID", FwpMatchType.Equal, condition)));

        var result = engine.Classify(layer, Input(layer, ("ALE_USER_ID", FwpValue.FromToken(FwpToken.Parse(token)))));

        Assert.Equal(matches ? ActionType.Permit : ActionType.NoneNoMatch, result.Action);
    }

    [Fact]
    public void ConditionalAndLowboxChecks_AllocateNothing()
    {
        var store = SecurityDescriptor.ParseSddl(StoreApp);
        var mixed = SecurityDescriptor.ParseSddl(
            "D:(XD;;CC;;;WD;((@User.level < 2) || (Not_Member_of {SID(BA)})))(ZA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;(@User.dept Any_of {\"eng\", \"ops\"}))(A;;CC;;;AC)");
        var app = FwpToken.Parse($"S-1-5-21-1-2-3-1001,WD,AU,AC,BA,{Package},S-1-15-3-1;WIN://SYSAPPID=\"Microsoft.WindowsStore_8wekyb3d8bbwe\";@User.level=5;@User.dept=\"ops\"");
        var plain = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD,AU");
        var objectType = Guid.Parse("bf967aba-0de6-11d0-a285-00aa003049e2");
        var granted = 0;
        void Run()
        {
            granted += store.AccessCheck(app, SecurityDescriptor.MatchFilterRight) ? 1 : 0;
            granted += store.AccessCheck(plain, SecurityDescriptor.MatchFilterRight) ? 1 : 0;
            granted += mixed.AccessCheck(app, SecurityDescriptor.MatchFilterRight, objectType) ? 1 : 0;
            granted += mixed.AccessCheck(plain, SecurityDescriptor.MatchFilterRight, objectType) ? 1 : 0;
        }

        for (var i = 0; i < 100; i++)
        {
            Run();
        }

        granted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20_000; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The app matches both; the plain token matches neither (no SYSAPPID; the XD's UNKNOWN denies).
        Assert.Equal(20_000 * 2, granted);
    }
}
