using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class SecurityDescriptorSddlTests
{
    private const string FirewallStyle = "O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)(A;;CC;;;S-1-15-3-1)";

    [Fact]
    public void WindowsFirewallStyle_ParsesOwnerAndAllowAces()
    {
        var sd = SecurityDescriptor.ParseSddl(FirewallStyle);

        Assert.Equal(Sid.LocalService, sd.Owner);
        Assert.Null(sd.Group);
        Assert.True(sd.HasDacl);
        Assert.Equal(SecurityDescriptorControl.None, sd.Control);
        Assert.Collection(
            sd.Dacl,
            ace =>
            {
                Assert.Equal(AceType.AccessAllowed, ace.Type);
                Assert.Equal(SecurityDescriptor.MatchFilterRight, ace.AccessMask);
                Assert.Equal(Sid.Parse("S-1-5-21-1-2-3-1001"), ace.Sid);
                Assert.Equal(AceFlags.None, ace.Flags);
            },
            ace =>
            {
                Assert.Equal(AceType.AccessAllowed, ace.Type);
                Assert.Equal(0x1u, ace.AccessMask);
                Assert.Equal(Sid.Parse("S-1-15-3-1"), ace.Sid);
            });
        Assert.Equal(FirewallStyle, sd.ToSddl());
    }

    [Fact]
    public void MatchFilterRight_IsTheCcBit()
    {
        Assert.Equal(0x1u, SecurityDescriptor.MatchFilterRight);
        Assert.Equal(SecurityDescriptor.MatchFilterRight, SecurityDescriptor.ParseSddl("D:(A;;CC;;;WD)").Dacl[0].AccessMask);
    }

    [Fact]
    public void AceTypesAndOrder_ArePreserved()
    {
        var sd = SecurityDescriptor.ParseSddl("D:(D;;CC;;;AN)(A;;CC;;;WD)(A;;DC;;;WD)");
        Assert.Equal([AceType.AccessDenied, AceType.AccessAllowed, AceType.AccessAllowed], sd.Dacl.Select(a => a.Type));
        Assert.Equal([Sid.Parse("AN"), Sid.Everyone, Sid.Everyone], sd.Dacl.Select(a => a.Sid));
        Assert.Equal([0x1u, 0x1u, 0x2u], sd.Dacl.Select(a => a.AccessMask));
    }

    [Fact]
    public void MissingDacl_IsNullDacl()
    {
        var sd = SecurityDescriptor.ParseSddl("O:SY");
        Assert.False(sd.HasDacl);
        Assert.Empty(sd.Dacl);
        Assert.Equal("O:SYD:NO_ACCESS_CONTROL", sd.ToSddl());
    }

    [Fact]
    public void NoAccessControl_IsNullDacl()
    {
        var sd = SecurityDescriptor.ParseSddl("D:NO_ACCESS_CONTROL");
        Assert.False(sd.HasDacl);
        Assert.Equal(SecurityDescriptor.ParseSddl("G:BA"), SecurityDescriptor.ParseSddl("G:BAD:NO_ACCESS_CONTROL"));
    }

    [Fact]
    public void EmptyDacl_IsPresentButEmpty_AndDiffersFromNull()
    {
        var empty = SecurityDescriptor.ParseSddl("D:");
        Assert.True(empty.HasDacl);
        Assert.Empty(empty.Dacl);
        Assert.Equal("D:", empty.ToSddl());
        Assert.NotEqual(empty, SecurityDescriptor.ParseSddl("D:NO_ACCESS_CONTROL"));
    }

    [Theory]
    [InlineData("D:(A;;0x1;;;WD)", 0x1u)]
    [InlineData("D:(A;;0X00000401;;;WD)", 0x401u)]
    [InlineData("D:(A;;0xffffffff;;;WD)", 0xFFFFFFFFu)]
    [InlineData("D:(A;;1;;;WD)", 0x1u)]
    [InlineData("D:(A;;4294967295;;;WD)", 0xFFFFFFFFu)]
    [InlineData("D:(A;;;;;WD)", 0x0u)]
    [InlineData("D:(A;;CCDCLCSWRPWPDTLOCR;;;WD)", 0x1FFu)]
    [InlineData("D:(A;;SDRCWDWO;;;WD)", 0xF0000u)]
    [InlineData("D:(A;;GA;;;WD)", 0x10000000u)]
    [InlineData("D:(A;;GR;;;WD)", 0x80000000u)]
    [InlineData("D:(A;;GW;;;WD)", 0x40000000u)]
    [InlineData("D:(A;;GX;;;WD)", 0x20000000u)]
    [InlineData("D:(A;;GRGX;;;WD)", 0xA0000000u)]
    [InlineData("D:(A;;FA;;;WD)", 0x1F01FFu)]
    [InlineData("D:(A;;FR;;;WD)", 0x120089u)]
    [InlineData("D:(A;;KA;;;WD)", 0xF003Fu)]
    [InlineData("D:(A;;KR;;;WD)", 0x20019u)]
    public void Rights_ParseFromCodesHexAndDecimal(string sddl, uint expected)
    {
        Assert.Equal(expected, SecurityDescriptor.ParseSddl(sddl).Dacl[0].AccessMask);
    }

    [Fact]
    public void AceFlags_AreKept()
    {
        var ace = SecurityDescriptor.ParseSddl("D:(A;OICINPIOIDCRSAFA;CC;;;WD)").Dacl[0];
        Assert.Equal(
            AceFlags.ObjectInherit | AceFlags.ContainerInherit | AceFlags.NoPropagateInherit | AceFlags.InheritOnly
            | AceFlags.Inherited | AceFlags.Critical | AceFlags.SuccessfulAccess | AceFlags.FailedAccess,
            ace.Flags);
        Assert.Equal("(A;OICINPIOIDCRSAFA;CC;;;WD)", ace.ToSddl());
    }

    [Fact]
    public void DaclControlFlags_AreKept()
    {
        var sd = SecurityDescriptor.ParseSddl("D:AIPAR(A;;CC;;;WD)");
        Assert.Equal(
            SecurityDescriptorControl.DaclProtected | SecurityDescriptorControl.DaclAutoInherited | SecurityDescriptorControl.DaclAutoInheritRequired,
            sd.Control);
        Assert.Equal("D:PARAI(A;;CC;;;WD)", sd.ToSddl());
    }

    [Theory]
    [InlineData(FirewallStyle, FirewallStyle)]
    [InlineData("O:S-1-5-18G:S-1-5-32-544D:(A;;0x1;;;S-1-1-0)", "O:SYG:BAD:(A;;CC;;;WD)")]
    [InlineData("D:(A;;1;;;WD)", "D:(A;;CC;;;WD)")]
    [InlineData("D:(A;;0x1F01FF;;;SY)", "D:(A;;FA;;;SY)")]
    [InlineData("D:(A;;0x20019;;;SY)", "D:(A;;KR;;;SY)")]
    [InlineData("D:(A;;KX;;;SY)", "D:(A;;KR;;;SY)")]
    [InlineData("D:(A;;0x400;;;WD)", "D:(A;;0x400;;;WD)")]
    [InlineData("D:(A;;0x401;;;WD)", "D:(A;;0x401;;;WD)")]
    [InlineData("D:(A;;0x10000000;;;WD)", "D:(A;;GA;;;WD)")]
    [InlineData("D:(A;;RCCC;;;WD)", "D:(A;;CCRC;;;WD)")]
    [InlineData("D:(A;;;;;WD)", "D:(A;;0x0;;;WD)")]
    [InlineData("D:(A;;CC;;;s-1-5-21-1-2-3-1001)", "D:(A;;CC;;;S-1-5-21-1-2-3-1001)")]
    [InlineData("D:(A;;CC;;;S-1-0x123456789abc-7)", "D:(A;;CC;;;S-1-0x123456789abc-7)")]
    [InlineData("D:(A;;CC;;;WD)O:BA", "O:BAD:(A;;CC;;;WD)")]
    [InlineData("  O:BA  G:SY  D:P (A; OICI ; CC ;;; WD )  (D;;DC;;;AN) ", "O:BAG:SYD:P(A;OICI;CC;;;WD)(D;;DC;;;AN)")]
    [InlineData("O:BAD:(A;;CC;;;WD)S:(AU;SAFA;GA;;;WD)(ML;;NW;;;LW)", "O:BAD:(A;;CC;;;WD)")]
    [InlineData("S:PAI(AU;SA;GA;;;WD)D:", "D:")]
    [InlineData("O:BA", "O:BAD:NO_ACCESS_CONTROL")]
    [InlineData("D:PNO_ACCESS_CONTROL", "D:PNO_ACCESS_CONTROL")]
    public void ToSddl_IsCanonical_AndRoundTrips(string sddl, string canonical)
    {
        var sd = SecurityDescriptor.ParseSddl(sddl);
        Assert.Equal(canonical, sd.ToSddl());

        var again = SecurityDescriptor.ParseSddl(sd.ToSddl());
        Assert.Equal(sd, again);
        Assert.Equal(sd.GetHashCode(), again.GetHashCode());
        Assert.Equal(canonical, again.ToSddl());
    }

    [Fact]
    public void Equality_IsByValue_AndOrderSensitive()
    {
        var a = SecurityDescriptor.ParseSddl("O:LSD:(A;;CC;;;WD)(D;;CC;;;AN)");
        var b = SecurityDescriptor.ParseSddl("O:S-1-5-19D:(A;;0x1;;;S-1-1-0)(D;;1;;;S-1-5-7)");
        var reordered = SecurityDescriptor.ParseSddl("O:LSD:(D;;CC;;;AN)(A;;CC;;;WD)");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, reordered);
        Assert.NotEqual(a, SecurityDescriptor.ParseSddl("O:SYD:(A;;CC;;;WD)(D;;CC;;;AN)"));
        Assert.NotEqual(a, SecurityDescriptor.ParseSddl("O:LSD:P(A;;CC;;;WD)(D;;CC;;;AN)"));
        Assert.NotEqual(a, SecurityDescriptor.ParseSddl("O:LSD:(A;OI;CC;;;WD)(D;;CC;;;AN)"));
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void Constructor_BuildsTheSameValueAsSddl()
    {
        var sd = new SecurityDescriptor(
            Sid.LocalService,
            null,
            [new Ace(AceType.AccessAllowed, SecurityDescriptor.MatchFilterRight, Sid.Parse("S-1-5-21-1-2-3-1001")),
             new Ace(AceType.AccessAllowed, SecurityDescriptor.MatchFilterRight, Sid.Parse("S-1-15-3-1"))]);
        Assert.Equal(SecurityDescriptor.ParseSddl(FirewallStyle), sd);
        Assert.Equal(FirewallStyle, sd.ToString());

        var nullDacl = new SecurityDescriptor(null, null, null);
        Assert.False(nullDacl.HasDacl);
        Assert.Equal("D:NO_ACCESS_CONTROL", nullDacl.ToSddl());
    }

    [Fact]
    public void Constructor_RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new SecurityDescriptor(null, null, [null!]));
        Assert.Throws<ArgumentException>(() => new SecurityDescriptor(null, null, [], (SecurityDescriptorControl)0x8000));
        Assert.Throws<ArgumentNullException>(() => new Ace(AceType.AccessAllowed, 1, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ace((AceType)7, 1, Sid.Everyone));
    }

    [Theory]
    [InlineData("D:(A;;CC;;;WD", "position 2", "unbalanced parentheses")]
    [InlineData("D:(A;;CC;;;WD))", "position 14", "unbalanced parentheses")]
    [InlineData("D:(A;;CC;;;WD)(D;;CC;;;AN", "position 14", "no closing ')'")]
    [InlineData("D:(A;;XY;;;WD)", "position 2", "unknown access right 'XY'")]
    [InlineData("D:(A;;CCQQ;;;WD)", "position 2", "unknown access right 'QQ'")]
    [InlineData("D:(A;;C;;;WD)", "position 2", "two-letter codes")]
    [InlineData("D:(A;;cc;;;WD)", "position 2", "unknown access right 'cc'")]
    [InlineData("D:(A;;NW;;;WD)", "position 2", "mandatory-label")]
    [InlineData("D:(A;;0x1FFFFFFFF;;;WD)", "position 2", "hexadecimal access mask")]
    [InlineData("D:(A;;0xZZ;;;WD)", "position 2", "hexadecimal access mask")]
    [InlineData("D:(A;;4294967296;;;WD)", "position 2", "decimal access mask")]
    [InlineData("D:(A;;CC;;;S-1-5-abc)", "position 2", "bad ACE SID")]
    [InlineData("D:(A;;CC;;;S-1-5-abc)", "position 2", "'S-1-5-abc'")]
    [InlineData("D:(A;;CC;;;ZZ)", "position 2", "not a known SDDL SID alias")]
    [InlineData("D:(A;;CC;;;DU)", "position 2", "domain")]
    [InlineData("D:(A;;CC;;;)", "position 2", "no account SID")]
    [InlineData("D:(A;;CC;;WD)", "position 2", "5 fields")]
    [InlineData("D:(A;;CC;;;WD;extra)", "position 2", "7 fields")]
    [InlineData("D:(A;QQ;CC;;;WD)", "position 2", "unknown or unsupported ACE flag 'QQ'")]
    [InlineData("D:(A;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", "position 2", "object GUID")]
    [InlineData("D:(OA;;CC;not-a-guid;;WD)", "position 2", "bad object GUID in the OA ACE")]
    [InlineData("D:(OD;;CC;;bf967aba-0de6-11d0;WD)", "position 2", "bad object GUID in the OD ACE")]
    [InlineData("D:(XA;;CC;;;WD)", "position 2", "has 6 fields; expected 7")]
    [InlineData("D:(XA;;CC;;;WD;(@User.Project ==))", "position 2", "bad condition in the XA ACE")]
    [InlineData("D:(XD;;CC;;;WD;(Contains \"x\"))", "position 2", "needs an attribute on its left")]
    [InlineData("D:(ZA;;CC;;;WD;(@User.a && 5))", "position 2", "expected an attribute name")]
    [InlineData("D:(XA;;CC;;;WD;(@User.a == 1) junk)", "position 2", "unexpected text after the condition")]
    [InlineData("D:(AU;SA;CC;;;WD)", "position 2", "belongs in a SACL")]
    [InlineData("D:(Q;;CC;;;WD)", "position 2", "unknown ACE type 'Q'")]
    [InlineData("D:Q(A;;CC;;;WD)", "position 2", "unknown DACL flag")]
    [InlineData("D:NO_ACCESS_CONTROL(A;;CC;;;WD)", "position 19", "NO_ACCESS_CONTROL cannot have ACEs")]
    [InlineData("D:(A;;CC;;;WD)junk", "position 14", "expected '(' to start an ACE")]
    [InlineData("O:", "position 2", "owner SID is missing")]
    [InlineData("O:D:", "position 2", "owner SID is missing")]
    [InlineData("O:XYZ", "position 2", "bad owner SID")]
    [InlineData("G:S-9-1", "position 2", "bad group SID")]
    [InlineData("O:BAO:SY", "position 4", "appears twice")]
    [InlineData("D:D:", "position 2", "appears twice")]
    [InlineData("X:BA", "position 0", "expected a component")]
    [InlineData("o:BA", "position 0", "expected a component")]
    [InlineData("   ", "", "empty")]
    [InlineData("", "", "empty")]
    [InlineData("O:BAS:(AU;SA;GA;;;WD", "position 6", "unbalanced parentheses")]
    public void MalformedSddl_IsRejectedWithPositionAndReason(string sddl, string position, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => SecurityDescriptor.ParseSddl(sddl));
        Assert.Contains(position, ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);

        Assert.False(SecurityDescriptor.TryParseSddl(sddl, out var sd, out var error));
        Assert.Null(sd);
        Assert.Equal(ex.Message, error);
    }

    [Fact]
    public void TryParseSddl_NullIsFalse_AndParseNullThrows()
    {
        Assert.False(SecurityDescriptor.TryParseSddl(null, out var sd, out var error));
        Assert.Null(sd);
        Assert.NotNull(error);
        Assert.Throws<ArgumentNullException>(() => SecurityDescriptor.ParseSddl(null!));
    }

    [Fact]
    public void TryParseSddl_SucceedsWithNoError()
    {
        Assert.True(SecurityDescriptor.TryParseSddl(FirewallStyle, out var sd, out var error));
        Assert.Null(error);
        Assert.Equal(FirewallStyle, sd!.ToSddl());
    }
}
