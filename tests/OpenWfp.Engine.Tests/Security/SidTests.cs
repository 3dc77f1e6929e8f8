using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class SidTests
{
    [Theory]
    [InlineData("S-1-5-32-544")]
    [InlineData("S-1-1-0")]
    [InlineData("S-1-0-0")]
    [InlineData("S-1-5")]
    [InlineData("S-1-15-2-1")]
    [InlineData("S-1-5-21-3623811015-3361044348-30300820-1013")]
    [InlineData("S-1-22-1-4294967295")]
    [InlineData("S-1-4294967295-7")]
    [InlineData("S-1-0x123456789abc-1")]
    [InlineData("S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15")]
    public void ParseThenToString_RoundTripsCanonicalText(string text)
    {
        Assert.Equal(text, Sid.Parse(text).ToString());
    }

    [Theory]
    [InlineData("s-1-5-18", "S-1-5-18")]
    [InlineData("S-1-0x000000000005-18", "S-1-5-18")]
    [InlineData("S-1-0X5-18", "S-1-5-18")]
    [InlineData("S-1-4294967296-1", "S-1-0x000100000000-1")]
    [InlineData("S-1-5-0032-00544", "S-1-5-32-544")]
    public void Parse_NormalizesToCanonicalText(string text, string canonical)
    {
        Assert.Equal(canonical, Sid.Parse(text).ToString());
    }

    [Theory]
    [InlineData("WD", "S-1-1-0")]
    [InlineData("SY", "S-1-5-18")]
    [InlineData("LS", "S-1-5-19")]
    [InlineData("NS", "S-1-5-20")]
    [InlineData("BA", "S-1-5-32-544")]
    [InlineData("BU", "S-1-5-32-545")]
    [InlineData("AU", "S-1-5-11")]
    [InlineData("IU", "S-1-5-4")]
    [InlineData("AN", "S-1-5-7")]
    [InlineData("CO", "S-1-3-0")]
    [InlineData("OW", "S-1-3-4")]
    [InlineData("NU", "S-1-5-2")]
    [InlineData("SU", "S-1-5-6")]
    [InlineData("RC", "S-1-5-12")]
    [InlineData("RD", "S-1-5-32-555")]
    [InlineData("NO", "S-1-5-32-556")]
    [InlineData("AC", "S-1-15-2-1")]
    [InlineData("ME", "S-1-16-8192")]
    [InlineData("sy", "S-1-5-18")]
    [InlineData("Ba", "S-1-5-32-544")]
    public void Parse_ResolvesSddlAliases(string alias, string expected)
    {
        Assert.Equal(expected, Sid.Parse(alias).ToString());
    }

    [Fact]
    public void WellKnownStatics_HaveTheirWindowsValues()
    {
        Assert.Equal("S-1-0-0", Sid.Null.ToString());
        Assert.Equal("S-1-1-0", Sid.Everyone.ToString());
        Assert.Equal("S-1-5-18", Sid.LocalSystem.ToString());
        Assert.Equal("S-1-5-32-544", Sid.Administrators.ToString());
        Assert.Equal("S-1-15-2-1", Sid.AllAppPackages.ToString());
        Assert.Equal("S-1-5-11", Sid.AuthenticatedUsers.ToString());
        Assert.Equal("S-1-3-4", Sid.OwnerRights.ToString());
    }

    [Fact]
    public void UnixMappings_UseAuthority22()
    {
        Assert.Equal("S-1-22-1-1000", Sid.ForUnixUser(1000).ToString());
        Assert.Equal("S-1-22-2-27", Sid.ForUnixGroup(27).ToString());
        Assert.Equal("S-1-22-1-0", Sid.ForUnixUser(0).ToString());
        Assert.NotEqual(Sid.ForUnixUser(5), Sid.ForUnixGroup(5));
    }

    [Fact]
    public void Parts_AreExposed()
    {
        var sid = Sid.Parse("S-1-5-21-1-2-3-1001");
        Assert.Equal(5UL, sid.IdentifierAuthority);
        Assert.Equal([21u, 1u, 2u, 3u, 1001u], sid.SubAuthorities);
        Assert.Equal(8 + (4 * 5), sid.BinaryLength);
    }

    [Fact]
    public void SubAuthorities_CannotBeModifiedThroughACast()
    {
        var sid = Sid.Parse("S-1-5-32-544");
        var list = Assert.IsAssignableFrom<IList<uint>>(sid.SubAuthorities);
        Assert.Throws<NotSupportedException>(() => list[0] = 99);
        Assert.Equal("S-1-5-32-544", sid.ToString());
    }

    [Fact]
    public void Create_BuildsFromParts_AndRejectsOutOfRange()
    {
        Assert.Equal("S-1-5-32-544", Sid.Create(5, 32, 544).ToString());
        Assert.Equal("S-1-5", Sid.Create(5).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => Sid.Create(1UL << 48, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sid.Create(5, new uint[16]));
    }

    public static TheoryData<string, byte[]> BinaryCases => new()
    {
        { "S-1-5-32-544", [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00] },
        { "S-1-1-0", [0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00] },
        { "S-1-5-18", [0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00] },
        { "S-1-5", [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05] },
        { "S-1-22-1-1000", [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x01, 0x00, 0x00, 0x00, 0xE8, 0x03, 0x00, 0x00] },
        { "S-1-0x123456789abc-4294967295", [0x01, 0x01, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xFF, 0xFF, 0xFF, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryForm_MatchesHandComputedBytes(string text, byte[] expected)
    {
        var sid = Sid.Parse(text);
        Assert.Equal(expected, sid.ToBinary());
        Assert.Equal(expected.Length, sid.BinaryLength);

        var buffer = new byte[expected.Length + 3];
        sid.WriteBinary(buffer);
        Assert.Equal(expected, buffer[..expected.Length]);

        Assert.Equal(sid, Sid.FromBinary(expected));
        Assert.Equal(text, Sid.FromBinary(expected).ToString());
        Assert.True(Sid.TryFromBinary(expected, out var viaTry));
        Assert.Equal(sid, viaTry);
    }

    [Fact]
    public void ToBinary_ReturnsACopy()
    {
        var sid = Sid.Parse("S-1-5-18");
        var bytes = sid.ToBinary();
        bytes[7] = 99;
        Assert.Equal(5, sid.ToBinary()[7]);
        Assert.Equal("S-1-5-18", sid.ToString());
    }

    [Fact]
    public void WriteBinary_RejectsShortDestination()
    {
        var sid = Sid.Parse("S-1-5-32-544");
        Assert.Throws<ArgumentException>(() => sid.WriteBinary(new byte[15]));
    }

    [Theory]
    [InlineData(new byte[0], "at least 8")]
    [InlineData(new byte[] { 0x01, 0x01, 0, 0, 0, 0, 0 }, "at least 8")]
    [InlineData(new byte[] { 0x02, 0x01, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 }, "revision 2")]
    [InlineData(new byte[] { 0x01, 0x10, 0, 0, 0, 0, 0, 5 }, "16 sub-authorities")]
    [InlineData(new byte[] { 0x01, 0x02, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0x00 }, "got 15")]
    [InlineData(new byte[] { 0x01, 0x01, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0, 0xFF }, "got 13")]
    public void FromBinary_RejectsBadInput(byte[] bytes, string messagePart)
    {
        var ex = Assert.Throws<FormatException>(() => Sid.FromBinary(bytes));
        Assert.Contains(messagePart, ex.Message, StringComparison.Ordinal);
        Assert.False(Sid.TryFromBinary(bytes, out var sid));
        Assert.Null(sid);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("S-2-5-32-544", "revision")]
    [InlineData("S-1", "no identifier authority")]
    [InlineData("S-1-5-", "empty component")]
    [InlineData("S-1-5--1", "empty component")]
    [InlineData("S-1-5-4294967296", "sub-authority")]
    [InlineData("S-1-5-99999999999999999999", "sub-authority")]
    [InlineData("S-1-5-x", "sub-authority")]
    [InlineData("S-1-5-+1", "sub-authority")]
    [InlineData("S-1-5- 1", "sub-authority")]
    [InlineData("S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "more than 15")]
    [InlineData("S-1-281474976710656-1", "identifier authority")]
    [InlineData("S-1-0x1234567890abc-1", "identifier authority")]
    [InlineData("S-1-0x-1", "identifier authority")]
    [InlineData(" S-1-5-18", "neither")]
    [InlineData("X-1-5-18", "neither")]
    [InlineData("Everyone", "neither")]
    [InlineData("ZZ", "not a known SDDL SID alias")]
    [InlineData("DA", "domain")]
    [InlineData("LA", "domain")]
    public void Parse_RejectsBadText(string text, string messagePart)
    {
        var ex = Assert.Throws<FormatException>(() => Sid.Parse(text));
        Assert.Contains(messagePart, ex.Message, StringComparison.Ordinal);
        Assert.False(Sid.TryParse(text, out var sid));
        Assert.Null(sid);
    }

    [Fact]
    public void TryParse_NullIsFalse_AndParseNullThrows()
    {
        Assert.False(Sid.TryParse(null, out var sid));
        Assert.Null(sid);
        Assert.Throws<ArgumentNullException>(() => Sid.Parse(null!));
    }

    [Fact]
    public void Equality_IsByValue()
    {
        var a = Sid.Parse("S-1-5-18");
        var b = Sid.Parse("sy");
        Assert.Equal(a, b);
        Assert.Equal(Sid.LocalSystem, a);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(Sid.Parse("S-1-5-18"), Sid.Parse("S-1-5-18-0"));
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object)"S-1-5-18"));
        Assert.True((Sid?)null == null);
        Assert.False(a == null);
    }

    [Fact]
    public void CompareTo_IsLexicographicOnTheBinaryForm()
    {
        // Byte 7 (authority): 1 < 5.
        Assert.True(Sid.Parse("S-1-1-0").CompareTo(Sid.Parse("S-1-5-18")) < 0);

        // Byte 1 (sub-authority count) is compared before any sub-authority.
        Assert.True(Sid.Parse("S-1-5-99").CompareTo(Sid.Parse("S-1-5-32-544")) < 0);

        // Sub-authorities are little-endian, so 256 (00 01 00 00) sorts before 1 (01 00 00 00).
        Assert.True(Sid.Parse("S-1-5-256") < Sid.Parse("S-1-5-1"));
        Assert.True(Sid.Parse("S-1-5-32-544") < Sid.Parse("S-1-5-32-545"));
        Assert.Equal(0, Sid.Parse("BA").CompareTo(Sid.Administrators));
        Assert.True(Sid.Everyone.CompareTo(null) > 0);
        Assert.True(Sid.Everyone >= Sid.Parse("S-1-1-0"));
        Assert.True(Sid.Everyone <= Sid.Parse("S-1-1-0"));
        Assert.True(Sid.LocalSystem > Sid.Everyone);
    }

    [Fact]
    public void Sorting_IsDeterministicByBinaryForm()
    {
        var sids = new List<Sid>
        {
            Sid.Parse("S-1-5-32-545"),
            Sid.Parse("S-1-15-2-1"),
            Sid.Parse("S-1-5-18"),
            Sid.Parse("S-1-1-0"),
            Sid.Parse("S-1-5-32-544"),
        };
        sids.Sort();
        Assert.Equal(
            ["S-1-1-0", "S-1-5-18", "S-1-5-32-544", "S-1-5-32-545", "S-1-15-2-1"],
            sids.Select(s => s.ToString()));
    }
}
