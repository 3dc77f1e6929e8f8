using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class FwpTokenTests
{
    [Fact]
    public void Parse_FirstIsUser_RestAreGroups()
    {
        var token = FwpToken.Parse("S-1-5-21-1-2-3-1001,S-1-5-32-545,S-1-15-3-1");
        Assert.Equal(Sid.Parse("S-1-5-21-1-2-3-1001"), token.User);
        Assert.Equal([Sid.Users, Sid.Parse("S-1-15-3-1")], token.Groups);
        Assert.Empty(token.RestrictedSids);
        Assert.False(token.IsRestricted);
        Assert.Equal("S-1-5-21-1-2-3-1001,S-1-5-32-545,S-1-15-3-1", token.ToString());
    }

    [Fact]
    public void Parse_AcceptsAliasesAndSpaces_AndPrintsCanonicalSids()
    {
        var token = FwpToken.Parse(" SY , ba,WD ");
        Assert.Equal(Sid.LocalSystem, token.User);
        Assert.Equal([Sid.Administrators, Sid.Everyone], token.Groups);
        Assert.Equal("S-1-5-18,S-1-5-32-544,S-1-1-0", token.ToString());
    }

    [Fact]
    public void Parse_UserOnly_HasNoGroups()
    {
        var token = FwpToken.Parse("S-1-5-18");
        Assert.Equal(Sid.LocalSystem, token.User);
        Assert.Empty(token.Groups);
        Assert.Equal("S-1-5-18", token.ToString());
    }

    [Fact]
    public void Parse_RestrictedSidsFollowABar_AndRoundTrip()
    {
        var token = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD|RC,WR");
        Assert.Equal([Sid.Everyone], token.Groups);
        Assert.Equal([Sid.Parse("S-1-5-12"), Sid.Parse("S-1-5-33")], token.RestrictedSids);
        Assert.True(token.IsRestricted);
        Assert.Equal("S-1-5-21-1-2-3-1001,S-1-1-0|S-1-5-12,S-1-5-33", token.ToString());
        Assert.Equal(token, FwpToken.Parse(token.ToString()));

        var userOnly = FwpToken.Parse("SY|RC");
        Assert.Empty(userOnly.Groups);
        Assert.Equal("S-1-5-18|S-1-5-12", userOnly.ToString());
    }

    [Theory]
    [InlineData("", "entry 1 of the token is empty")]
    [InlineData(" ", "entry 1 of the token is empty")]
    [InlineData(",S-1-1-0", "entry 1 of the token is empty")]
    [InlineData("S-1-1-0,,S-1-5-18", "entry 2 of the token is empty")]
    [InlineData("S-1-1-0,", "entry 2 of the token is empty")]
    [InlineData("S-1-1-0,bogus", "entry 2 of the token ('bogus') is not a SID")]
    [InlineData("S-1-1-0,S-1-5-x", "entry 2 of the token ('S-1-5-x') is not a SID")]
    [InlineData("S-1-1-0,DA", "domain")]
    [InlineData("WD|", "entry 1 of the restricted SID list is empty")]
    [InlineData("WD|RC,nope", "entry 2 of the restricted SID list ('nope')")]
    [InlineData("WD|RC|AN", "more than one '|'")]
    [InlineData("|RC", "entry 1 of the token is empty")]
    public void Parse_RejectsMalformedText(string text, string messagePart)
    {
        var ex = Assert.Throws<FormatException>(() => FwpToken.Parse(text));
        Assert.Contains(messagePart, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RejectsNull()
    {
        Assert.Throws<ArgumentNullException>(() => FwpToken.Parse(null!));
    }

    [Fact]
    public void ForUnixIdentity_MapsUidGidsAndAddsWellKnownGroups()
    {
        var token = FwpToken.ForUnixIdentity(1000, [1000, 27, 1000]);
        Assert.Equal(Sid.ForUnixUser(1000), token.User);
        Assert.Equal(
            [Sid.ForUnixGroup(1000), Sid.ForUnixGroup(27), Sid.Everyone, Sid.AuthenticatedUsers],
            token.Groups);
        Assert.Equal("S-1-22-1-1000,S-1-22-2-1000,S-1-22-2-27,S-1-1-0,S-1-5-11", token.ToString());
        Assert.False(token.Contains(Sid.LocalSystem));
        Assert.False(token.Contains(Sid.Administrators));
        Assert.Empty(token.RestrictedSids);
    }

    [Fact]
    public void ForUnixIdentity_RootAlsoGetsLocalSystemAndAdministrators()
    {
        var token = FwpToken.ForUnixIdentity(0, [0]);
        Assert.Equal("S-1-22-1-0,S-1-22-2-0,S-1-1-0,S-1-5-11,S-1-5-18,S-1-5-32-544", token.ToString());
        Assert.True(token.Contains(Sid.LocalSystem));
        Assert.True(token.Contains(Sid.Administrators));
    }

    [Fact]
    public void ForUnixIdentity_GidZeroAloneDoesNotMakeAdministrator()
    {
        var token = FwpToken.ForUnixIdentity(1000, [0]);
        Assert.True(token.Contains(Sid.ForUnixGroup(0)));
        Assert.False(token.Contains(Sid.Administrators));
    }

    [Fact]
    public void ForUnixIdentity_WithNoGids_StillHasWellKnownGroups()
    {
        var token = FwpToken.ForUnixIdentity(65534, []);
        Assert.Equal([Sid.Everyone, Sid.AuthenticatedUsers], token.Groups);
    }

    [Fact]
    public void Contains_CoversUserAndGroups_NotRestrictedSids()
    {
        var token = new FwpToken(Sid.ForUnixUser(5), [Sid.Everyone, Sid.Users], [Sid.Parse("RC")]);
        Assert.True(token.Contains(Sid.ForUnixUser(5)));
        Assert.True(token.Contains(Sid.Parse("S-1-1-0")));
        Assert.True(token.Contains(Sid.Users));
        Assert.False(token.Contains(Sid.Administrators));
        Assert.False(token.Contains(Sid.ForUnixGroup(5)));
        Assert.False(token.Contains(Sid.Parse("RC")));
        Assert.True(token.ContainsRestricted(Sid.Parse("RC")));
        Assert.False(token.ContainsRestricted(Sid.Everyone));
    }

    [Fact]
    public void Constructor_DropsDuplicates_KeepingFirstOrder()
    {
        var token = new FwpToken(Sid.LocalSystem, [Sid.Everyone, Sid.Administrators, Sid.Parse("WD")], [Sid.Null, Sid.Null]);
        Assert.Equal([Sid.Everyone, Sid.Administrators], token.Groups);
        Assert.Equal([Sid.Null], token.RestrictedSids);
    }

    [Fact]
    public void Constructor_RejectsNulls()
    {
        Assert.Throws<ArgumentNullException>(() => new FwpToken(null!, []));
        Assert.Throws<ArgumentNullException>(() => new FwpToken(Sid.Everyone, null!));
        Assert.Throws<ArgumentException>(() => new FwpToken(Sid.Everyone, [null!]));
        Assert.Throws<ArgumentException>(() => new FwpToken(Sid.Everyone, [], [null!]));
        Assert.Throws<ArgumentNullException>(() => FwpToken.ForUnixIdentity(0, null!));
    }

    [Fact]
    public void Equality_ComparesUserAndSidSets()
    {
        var a = FwpToken.Parse("S-1-5-21-1-2-3-1001,BA,WD|RC");
        var b = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD,BA,WD|RC");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        Assert.NotEqual(a, FwpToken.Parse("S-1-5-21-1-2-3-1002,BA,WD|RC"));
        Assert.NotEqual(a, FwpToken.Parse("S-1-5-21-1-2-3-1001,BA,WD"));
        Assert.NotEqual(a, FwpToken.Parse("S-1-5-21-1-2-3-1001,BA,WD|WR"));
        Assert.NotEqual(a, FwpToken.Parse("S-1-5-21-1-2-3-1001,BA|RC"));
        Assert.NotEqual(a, FwpToken.Parse("S-1-5-21-1-2-3-1001,BA,WD,AU|RC"));
        Assert.False(a.Equals(null));

        // A group equal to the user is not the same as some other group.
        Assert.NotEqual(FwpToken.Parse("WD,WD"), FwpToken.Parse("WD,AU"));
        Assert.NotEqual(FwpToken.Parse("WD,AU"), FwpToken.Parse("WD,WD"));
    }
}
