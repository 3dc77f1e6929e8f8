using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class ConditionalAceTests
{
    // The Windows Firewall form from real netsh wfp dumps (ALE_USER_ID / ALE_PACKAGE_ID condition values).
    private const string CortanaRule =
        "O:SYG:SYD:(XA;;CC;;;WD;(WIN://SYSAPPID Contains \"MICROSOFT.WINDOWS.CORTANA_1.11.5.17763_NEUTRAL_NEUTRAL_CW5N1H2TXYEWY\"))(A;;CC;;;S-1-15-3-1)(A;;CC;;;S-1-15-3-2)(A;;CC;;;S-1-15-3-3)";

    private const string StoreRule =
        "O:SYG:SYD:(XA;;CC;;;WD;(WIN://SYSAPPID Contains \"Microsoft.WindowsStore_8wekyb3d8bbwe\"))(A;;CC;;;S-1-15-3-1)(A;;CC;;;S-1-15-3-2)(A;;CC;;;S-1-15-3-3)";

    private const string Package = "S-1-15-2-1-2-3-4-5-6-7";

    [Theory]
    [InlineData(CortanaRule)]
    [InlineData(StoreRule)]
    [InlineData("D:(XD;;CC;;;WD;(@User.clearance < 3))")]
    [InlineData("D:(XA;;CC;;;WD;((@User.dept == \"eng\") && (!(@Device.managed))))")]
    [InlineData("D:(XA;;CC;;;WD;((Member_of {SID(BA), SID(S-1-5-21-1-2-3-1001)}) || (Exists @User.vip)))")]
    [InlineData("D:(XA;;CC;;;WD;(@User.level >= -0x10))")]
    [InlineData("D:(XA;;CC;;;WD;(@User.mask == 0755))")]
    [InlineData("D:(XA;;CC;;;WD;(@User.n == +42))")]
    [InlineData("D:(XA;;CC;;;WD;(@User.blob == #00ff10))")]
    [InlineData("D:(XA;;CC;;;WD;(@User.projects Any_of {\"a\", \"b\"}))")]
    [InlineData("D:(XA;;CC;;;WD;(@User.projects Not_Any_of @Resource.projects))")]
    [InlineData("D:(XA;;CC;;;WD;(Not_Device_Member_of_Any {SID(BU)}))")]
    [InlineData("D:(ZA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;(Not_Exists @User.x))")]
    public void CanonicalSddl_RoundTripsThroughTextAndBinary(string sddl)
    {
        var sd = SecurityDescriptor.ParseSddl(sddl);

        Assert.Equal(sddl, sd.ToSddl());
        var condition = sd.Dacl.First(a => a.Condition is not null).Condition!;
        var binary = condition.ToBinary();
        Assert.Equal("artx"u8.ToArray(), binary[..4]);
        Assert.Equal(0, binary.Length % 4);
        var decoded = ConditionalExpression.FromBinary(binary);
        Assert.Equal(condition, decoded);
        Assert.Equal(condition.ToSddl(), decoded.ToSddl());
        Assert.Equal(binary, decoded.ToBinary());
    }

    [Theory]
    [InlineData("(@User.a==1&&@User.b==2)", "((@User.a == 1) && (@User.b == 2))")]
    [InlineData("(@user.A == 1 || @User.b == 2 && @User.c == 3)", "((@User.A == 1) || ((@User.b == 2) && (@User.c == 3)))")]
    [InlineData("( ! (member_of {SID(BA)}) )", "(!(Member_of {SID(BA)}))")]
    [InlineData("(WIN://SYSAPPID contains \"x\")", "(WIN://SYSAPPID Contains \"x\")")]
    [InlineData("(Member_of SID(S-1-5-32-544))", "(Member_of SID(BA))")]
    public void LooseSddl_IsNormalisedToWindowsForm(string input, string canonical)
    {
        Assert.Equal(canonical, ConditionalExpression.ParseSddl(input).ToSddl());
    }

    [Fact]
    public void Binary_MatchesMsDtypTokenLayout()
    {
        // (@User.x == 1): user attribute 0xF9 + length + UTF-16 name, INT64 literal 0x04 + QWORD + sign + base, '==' 0x80.
        var binary = ConditionalExpression.ParseSddl("(@User.x == 1)").ToBinary();
        byte[] expected =
        [
            0x61, 0x72, 0x74, 0x78,
            0xF9, 0x02, 0x00, 0x00, 0x00, 0x78, 0x00,
            0x04, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x02,
            0x80,
            0x00,
        ];
        Assert.Equal(expected, binary);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x72, 0x74 }, "signature")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x79, 0x80 }, "signature")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x78, 0x80, 0x00, 0x00, 0x00 }, "lacks operands")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x78, 0xF9, 0x10, 0x00, 0x00, 0x00, 0x78, 0x00, 0x00 }, "truncated attribute")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x78, 0x77, 0x00, 0x00, 0x00 }, "unknown token 0x77")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x78, 0x00, 0x01, 0x00, 0x00 }, "after padding")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x78, 0x00, 0x00, 0x00, 0x00 }, "empty")]
    [InlineData(new byte[] { 0x61, 0x72, 0x74, 0x78, 0x10, 0x02, 0x00, 0x00, 0x00, 0x78, 0x00, 0x00 }, "literal value, not a condition")]
    public void MalformedBinary_IsRejectedWithReason(byte[] data, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => ConditionalExpression.FromBinary(data));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, ConditionResult> Evaluation => new()
    {
        // Absent attributes make relational operators UNKNOWN; Exists is two-valued.
        { "(@User.dept == \"eng\")", "", ConditionResult.Unknown },
        { "(@User.dept == \"eng\")", "@User.dept=\"ENG\"", ConditionResult.True },
        { "(@User.dept != \"eng\")", "@User.dept=\"ops\"", ConditionResult.True },
        { "(Exists @User.dept)", "", ConditionResult.False },
        { "(Not_Exists @User.dept)", "", ConditionResult.True },
        { "(@User.level < 3)", "@User.level=2", ConditionResult.True },
        { "(@User.level >= 3)", "@User.level=2", ConditionResult.False },
        { "(@User.level > \"x\")", "@User.level=2", ConditionResult.Unknown },

        // Three-valued logic.
        { "((@User.a == 1) && (@User.b == 1))", "@User.a=0", ConditionResult.False },
        { "((@User.a == 1) && (@User.b == 1))", "@User.a=1", ConditionResult.Unknown },
        { "((@User.a == 1) || (@User.b == 1))", "@User.a=1", ConditionResult.True },
        { "((@User.a == 1) || (@User.b == 1))", "@User.a=0", ConditionResult.Unknown },
        { "(!(@User.a == 1))", "", ConditionResult.Unknown },
        { "(!(@User.a == 1))", "@User.a=2", ConditionResult.True },

        // Sets.
        { "(@User.p Contains {\"a\", \"b\"})", "@User.p={\"A\", \"b\", \"c\"}", ConditionResult.True },
        { "(@User.p Contains {\"a\", \"z\"})", "@User.p={\"a\", \"b\"}", ConditionResult.False },
        { "(@User.p Any_of {\"z\", \"b\"})", "@User.p={\"a\", \"b\"}", ConditionResult.True },
        { "(@User.p Not_Any_of {\"z\"})", "@User.p={\"a\", \"b\"}", ConditionResult.True },
        { "(@User.p == {\"b\", \"a\"})", "@User.p={\"a\", \"b\"}", ConditionResult.True },

        // Bare attributes; resource attributes and device groups have no Linux source.
        { "(@User.smartcard)", "@User.smartcard=1", ConditionResult.True },
        { "(@User.smartcard)", "@User.smartcard=0", ConditionResult.False },
        { "(@Resource.secret == 1)", "", ConditionResult.Unknown },
        { "(Device_Member_of {SID(BA)})", "", ConditionResult.Unknown },

        // Membership against the token's user and groups (the token has WD and BU).
        { "(Member_of {SID(WD), SID(BU)})", "", ConditionResult.True },
        { "(Member_of {SID(WD), SID(BA)})", "", ConditionResult.False },
        { "(Member_of_Any {SID(BA), SID(BU)})", "", ConditionResult.True },
        { "(Not_Member_of {SID(BA)})", "", ConditionResult.True },

        // WIN://SYSAPPID is a local claim.
        { "(WIN://SYSAPPID Contains \"Microsoft.WindowsStore_8wekyb3d8bbwe\")", "WIN://SYSAPPID=\"microsoft.windowsstore_8wekyb3d8bbwe\"", ConditionResult.True },
        { "(WIN://SYSAPPID Contains \"Microsoft.WindowsStore_8wekyb3d8bbwe\")", "WIN://SYSAPPID=\"Contoso.App_1234\"", ConditionResult.False },
        { "(WIN://SYSAPPID Contains \"Microsoft.WindowsStore_8wekyb3d8bbwe\")", "", ConditionResult.Unknown },
    };

    [Theory]
    [MemberData(nameof(Evaluation))]
    public void Evaluate_FollowsThreeValuedLogic(string condition, string claims, ConditionResult expected)
    {
        var token = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD,BU" + (claims.Length == 0 ? "" : ";" + claims));

        Assert.Equal(expected, ConditionalExpression.ParseSddl(condition).Evaluate(token));
    }

    public static TheoryData<string, string, bool> AccessTable => new()
    {
        // An allow callback ACE applies only on TRUE.
        { "D:(XA;;CC;;;WD;(@User.dept == \"eng\"))", "S-1-5-21-1-2-3-1001,WD;@User.dept=\"eng\"", true },
        { "D:(XA;;CC;;;WD;(@User.dept == \"eng\"))", "S-1-5-21-1-2-3-1001,WD;@User.dept=\"ops\"", false },
        { "D:(XA;;CC;;;WD;(@User.dept == \"eng\"))", "S-1-5-21-1-2-3-1001,WD", false },

        // A deny callback ACE applies on TRUE or UNKNOWN.
        { "D:(XD;;CC;;;WD;(@User.dept == \"ops\"))(A;;CC;;;WD)", "S-1-5-21-1-2-3-1001,WD;@User.dept=\"ops\"", false },
        { "D:(XD;;CC;;;WD;(@User.dept == \"ops\"))(A;;CC;;;WD)", "S-1-5-21-1-2-3-1001,WD", false },
        { "D:(XD;;CC;;;WD;(@User.dept == \"ops\"))(A;;CC;;;WD)", "S-1-5-21-1-2-3-1001,WD;@User.dept=\"eng\"", true },

        // The SID must match as well as the condition.
        { "D:(XA;;CC;;;BA;(@User.dept == \"eng\"))", "S-1-5-21-1-2-3-1001,WD;@User.dept=\"eng\"", false },

        // The real firewall form: a Win32 app (no SYSAPPID) does not match; the app does.
        { CortanaRule, "S-1-5-21-1-2-3-1001,WD,AU", false },
        { StoreRule, "S-1-5-21-1-2-3-1001,WD,AU;WIN://SYSAPPID=\"Microsoft.WindowsStore_8wekyb3d8bbwe\"", true },
        { StoreRule, $"S-1-5-21-1-2-3-1001,WD,AU,AC,{Package},S-1-15-3-1;WIN://SYSAPPID=\"Microsoft.WindowsStore_8wekyb3d8bbwe\"", true },

        // ...but as an app container it also needs one of the capabilities the rule lists.
        { StoreRule, $"S-1-5-21-1-2-3-1001,WD,AU,AC,{Package},S-1-15-3-8;WIN://SYSAPPID=\"Microsoft.WindowsStore_8wekyb3d8bbwe\"", false },
        { StoreRule, $"S-1-5-21-1-2-3-1001,WD,AU,AC,{Package},S-1-15-3-1;WIN://SYSAPPID=\"Contoso.App_1234\"", false },
    };

    [Theory]
    [MemberData(nameof(AccessTable))]
    public void AccessCheck_AppliesCallbackAcesPerMsDtyp(string sddl, string token, bool granted)
    {
        Assert.Equal(granted, SecurityDescriptor.ParseSddl(sddl).AccessCheck(FwpToken.Parse(token), SecurityDescriptor.MatchFilterRight));
    }

    [Fact]
    public void EveryRealDumpForm_ParsesAndRoundTrips()
    {
        var dumps = Directory.Exists("/work/dumps") ? Directory.GetFiles("/work/dumps", "*.xml") : [];
        var seen = 0;
        foreach (var file in dumps)
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), "O:[A-Z]+G:[A-Z]+D:[^<]+"))
            {
                var text = System.Net.WebUtility.HtmlDecode(m.Value);
                var sd = SecurityDescriptor.ParseSddl(text);
                Assert.Equal(sd, SecurityDescriptor.ParseSddl(sd.ToSddl()));
                seen++;
            }
        }

        // The dumps are local reference material; the synthesized forms above cover machines without them.
        Assert.True(dumps.Length == 0 || seen > 0);
    }
}
