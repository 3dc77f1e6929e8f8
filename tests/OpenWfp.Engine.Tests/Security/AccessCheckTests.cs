using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class AccessCheckTests
{
    private const uint Cc = 0x1;
    private const uint Dc = 0x2;
    private const string FirewallStyle = "O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)(A;;CC;;;S-1-15-3-1)";

    private static readonly Sid Alice = Sid.Parse("S-1-5-21-1-2-3-1001");
    private static readonly Sid Bob = Sid.Parse("S-1-5-21-1-2-3-1002");
    private static readonly Sid InternetClient = Sid.Parse("S-1-15-3-1");
    private static readonly Sid RestrictedCode = Sid.Parse("S-1-5-12");

    private static bool Check(string sddl, FwpToken token, uint desired = SecurityDescriptor.MatchFilterRight) =>
        SecurityDescriptor.ParseSddl(sddl).AccessCheck(token, desired);

    private static FwpToken Token(Sid user, params Sid[] groups) => new(user, groups);

    public static TheoryData<string, string, uint, bool> Table => new()
    {
        // Windows Firewall style: the user or a capability SID in the token grants FWP_ACTRL_MATCH_FILTER.
        { FirewallStyle, "S-1-5-21-1-2-3-1001,WD,AU", Cc, true },
        { FirewallStyle, "S-1-5-21-1-2-3-1002,WD,AU,S-1-15-3-1", Cc, true },
        { FirewallStyle, "S-1-5-21-1-2-3-1002,WD,AU,S-1-15-3-2", Cc, false },
        { FirewallStyle, "S-1-5-21-1-2-3-1001", Dc, false },

        // Deny first wins; allow first then deny still grants (the walk stops once everything is granted).
        { "D:(D;;CC;;;WD)(A;;CC;;;WD)", "S-1-5-21-1-2-3-1001,WD", Cc, false },
        { "D:(A;;CC;;;WD)(D;;CC;;;WD)", "S-1-5-21-1-2-3-1001,WD", Cc, true },
        { "D:(D;;CC;;;BU)(A;;CC;;;S-1-5-21-1-2-3-1001)", "S-1-5-21-1-2-3-1001,BU", Cc, false },
        { "D:(D;;CC;;;BU)(A;;CC;;;S-1-5-21-1-2-3-1001)", "S-1-5-21-1-2-3-1001,WD", Cc, true },
        { "D:(A;;CC;;;S-1-5-21-1-2-3-1001)(D;;CC;;;BU)", "S-1-5-21-1-2-3-1001,BU", Cc, true },

        // A deny only counts against bits not yet granted.
        { "D:(A;;CC;;;WD)(D;;CC;;;WD)(A;;DC;;;WD)", "S-1-1-0", Cc | Dc, true },
        { "D:(A;;CC;;;WD)(D;;DC;;;WD)(A;;DC;;;WD)", "S-1-1-0", Cc | Dc, false },
        { "D:(A;;CC;;;WD)(D;;DC;;;WD)(A;;DC;;;WD)", "S-1-1-0", Cc, true },
        { "D:(D;;DC;;;WD)(A;;CCDC;;;WD)", "S-1-1-0", Cc, true },

        // Several ACEs for one SID accumulate; partial grants are not enough.
        { "D:(A;;CC;;;WD)(A;;DC;;;WD)", "S-1-1-0", Cc | Dc, true },
        { "D:(A;;CC;;;WD)", "S-1-1-0", Cc | Dc, false },
        { "D:(A;;CC;;;WD)(A;;DC;;;AN)", "S-1-1-0", Cc | Dc, false },

        // A deny for a SID the token lacks is ignored.
        { "D:(D;;CC;;;AN)(A;;CC;;;WD)", "S-1-5-21-1-2-3-1001,WD", Cc, true },

        // NULL DACL grants everything; an empty DACL grants nothing.
        { "O:LS", "S-1-5-21-1-2-3-1001", 0xFFFFFFFF, true },
        { "D:NO_ACCESS_CONTROL", "S-1-5-21-1-2-3-1001", Cc, true },
        { "D:", "S-1-5-21-1-2-3-1001,WD", Cc, false },

        // A desired mask of 0 is always denied (SeAccessCheck semantics).
        { "D:NO_ACCESS_CONTROL", "S-1-1-0", 0, false },
        { "D:(A;;GA;;;WD)", "S-1-1-0", 0, false },

        // Inherit-only ACEs are skipped; other ACE flags do not matter.
        { "D:(A;IO;CC;;;WD)", "S-1-1-0", Cc, false },
        { "D:(D;OICIIO;CC;;;WD)(A;;CC;;;WD)", "S-1-1-0", Cc, true },
        { "D:(A;OICIIDNP;CC;;;WD)", "S-1-1-0", Cc, true },
        { "D:(D;ID;CC;;;WD)(A;;CC;;;WD)", "S-1-1-0", Cc, false },

        // Generic rights map with FWPM_GENERIC_*: GW holds FWPM_ACTRL_ADD (= CC), GR and GX do not.
        { "D:(A;;GA;;;WD)", "S-1-1-0", Cc, true },
        { "D:(A;;GA;;;WD)", "S-1-1-0", AccessMasks.FwpmGenericAll, true },
        { "D:(A;;GA;;;WD)", "S-1-1-0", AccessMasks.Synchronize, false },
        { "D:(A;;GW;;;WD)", "S-1-1-0", Cc, true },
        { "D:(A;;GR;;;WD)", "S-1-1-0", Cc, false },
        { "D:(A;;GR;;;WD)", "S-1-1-0", AccessMasks.FwpmRead | AccessMasks.FwpmClassify, true },
        { "D:(A;;GX;;;WD)", "S-1-1-0", AccessMasks.FwpmEnum | AccessMasks.FwpmSubscribe, true },
        { "D:(A;;GX;;;WD)", "S-1-1-0", Cc, false },
        { "D:(D;;GW;;;WD)(A;;GA;;;WD)", "S-1-1-0", Cc, false },
        { "D:(D;;GW;;;WD)(A;;GA;;;WD)", "S-1-1-0", AccessMasks.FwpmRead, true },
        { "D:(A;;0x201D4;;;WD)", "S-1-1-0", AccessMasks.GenericRead, true },
        { "D:(A;;CC;;;WD)", "S-1-1-0", AccessMasks.GenericRead, false },
        { "D:(A;;GR;;;WD)", "S-1-1-0", AccessMasks.GenericRead, true },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void AccessCheck_FollowsTheWindowsDaclWalk(string sddl, string token, uint desired, bool expected)
    {
        Assert.Equal(expected, Check(sddl, FwpToken.Parse(token), desired));
    }

    [Fact]
    public void Owner_GetsImplicitReadControlAndWriteDac()
    {
        const string sddl = "O:S-1-5-21-1-2-3-1001D:";
        var owner = Token(Alice);
        var other = Token(Bob);

        Assert.True(Check(sddl, owner, AccessMasks.ReadControl));
        Assert.True(Check(sddl, owner, AccessMasks.WriteDac | AccessMasks.ReadControl));
        Assert.False(Check(sddl, owner, Cc));
        Assert.False(Check(sddl, owner, AccessMasks.WriteOwner));
        Assert.False(Check(sddl, other, AccessMasks.ReadControl));

        // The implicit bits combine with ACE grants, and a deny on them comes too late to matter.
        Assert.True(Check("O:S-1-5-21-1-2-3-1001D:(A;;CC;;;WD)", Token(Alice, Sid.Everyone), Cc | AccessMasks.ReadControl));
        Assert.True(Check("O:S-1-5-21-1-2-3-1001D:(D;;RC;;;WD)", Token(Alice, Sid.Everyone), AccessMasks.ReadControl));
    }

    [Fact]
    public void OwnerRightsAce_ReplacesTheImplicitRights_AndAppliesToTheOwner()
    {
        const string sddl = "O:S-1-5-21-1-2-3-1001D:(A;;CC;;;OW)";
        Assert.True(Check(sddl, Token(Alice), Cc));
        Assert.False(Check(sddl, Token(Alice), AccessMasks.ReadControl));
        Assert.False(Check(sddl, Token(Bob), Cc));

        // Inherit-only OWNER RIGHTS ACEs are skipped, so the implicit rights stay.
        Assert.True(Check("O:S-1-5-21-1-2-3-1001D:(A;IO;CC;;;OW)", Token(Alice), AccessMasks.ReadControl));

        // Without an owner there is nobody for OWNER RIGHTS to match.
        Assert.False(Check("D:(A;;CC;;;OW)", Token(Alice), Cc));
    }

    [Fact]
    public void RestrictedToken_NeedsBothPassesToGrant()
    {
        const string everyoneAndUser = "D:(A;;CC;;;WD)(A;;CC;;;S-1-5-21-1-2-3-1001)";
        var restrictedToRc = new FwpToken(Alice, [Sid.Everyone], [RestrictedCode]);
        var restrictedToWd = new FwpToken(Alice, [Sid.Everyone], [Sid.Everyone]);

        // Normal pass grants, restricted pass (only S-1-5-12) finds nothing.
        Assert.False(Check(everyoneAndUser, restrictedToRc));
        Assert.True(Check(everyoneAndUser, restrictedToWd));

        // Restricted SIDs alone never satisfy the normal pass.
        Assert.False(Check("D:(A;;CC;;;RC)", restrictedToRc));
        Assert.True(Check("D:(A;;CC;;;WD)(A;;CC;;;RC)", restrictedToRc));

        // A deny that applies in the restricted pass denies.
        var restrictedToRcAndWd = new FwpToken(Alice, [Sid.Everyone], [RestrictedCode, Sid.Everyone]);
        Assert.False(Check("D:(D;;CC;;;RC)(A;;CC;;;WD)", restrictedToRcAndWd));
        Assert.True(Check("D:(D;;CC;;;RC)(A;;CC;;;WD)", Token(Alice, Sid.Everyone)));

        // Granted access is the intersection of both passes.
        const string partial = "D:(A;;CCDC;;;WD)(A;;CC;;;RC)";
        Assert.False(Check(partial, restrictedToRc, Cc | Dc));
        Assert.True(Check(partial, restrictedToRc, Cc));

        // NULL DACL grants restricted tokens too.
        Assert.True(Check("D:NO_ACCESS_CONTROL", restrictedToRc));

        // The owner's implicit rights apply in the restricted pass only if the owner SID is restricted.
        const string ownerOnly = "O:S-1-5-21-1-2-3-1001D:";
        Assert.False(Check(ownerOnly, restrictedToRc, AccessMasks.ReadControl));
        Assert.True(Check(ownerOnly, new FwpToken(Alice, [], [Alice]), AccessMasks.ReadControl));
    }

    [Fact]
    public void CapabilitySidAsGroup_MatchesWindowsFirewallAppContainerRule()
    {
        var appContainer = new FwpToken(
            Sid.Parse("S-1-5-21-1-2-3-1005"),
            [Sid.Everyone, Sid.AllAppPackages, InternetClient]);
        Assert.True(Check(FirewallStyle, appContainer));
        Assert.False(Check("O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)", appContainer));
        Assert.True(Check("O:LSD:(A;;CC;;;AC)", appContainer));
    }

    [Fact]
    public void UnixTokens_MatchMappedSids()
    {
        var root = FwpToken.ForUnixIdentity(0, [0]);
        var user = FwpToken.ForUnixIdentity(1000, [1000, 27]);

        Assert.True(Check("D:(A;;CC;;;BA)", root));
        Assert.False(Check("D:(A;;CC;;;BA)", user));
        Assert.True(Check("D:(A;;CC;;;S-1-22-2-27)", user));
        Assert.True(Check("D:(A;;CC;;;S-1-22-1-1000)", user));
        Assert.True(Check("D:(A;;CC;;;AU)", user));
        Assert.False(Check("D:(D;;CC;;;S-1-22-2-27)(A;;CC;;;WD)", user));
    }

    [Fact]
    public void AccessCheck_RejectsNullToken()
    {
        var sd = SecurityDescriptor.ParseSddl(FirewallStyle);
        Assert.Throws<ArgumentNullException>(() => sd.AccessCheck(null!, Cc));
    }

    [Fact]
    public void GenericMapping_HasTheFwpmuValues()
    {
        // Values of FWPM_GENERIC_* as compiled from fwpmu.h.
        Assert.Equal(0x201D4u, AccessMasks.FwpmGenericRead);
        Assert.Equal(0x3040Bu, AccessMasks.FwpmGenericWrite);
        Assert.Equal(0x20220u, AccessMasks.FwpmGenericExecute);
        Assert.Equal(0xF07FFu, AccessMasks.FwpmGenericAll);

        Assert.Equal(0xF07FFu | 0x100u, AccessMasks.MapGeneric(AccessMasks.GenericAll | 0x100u));
        Assert.Equal(0x201D4u | 0x20220u, AccessMasks.MapGeneric(AccessMasks.GenericRead | AccessMasks.GenericExecute));
        Assert.Equal(0x00100001u, AccessMasks.MapGeneric(0x00100001u));
        Assert.Equal(0u, AccessMasks.MapGeneric(0));
    }
}
