using OpenWfp.Engine.Security;

namespace OpenWfp.Engine.Tests.Security;

public class ObjectAceTests
{
    private static readonly Guid TypeA = Guid.Parse("bf967aba-0de6-11d0-a285-00aa003049e2");
    private static readonly Guid TypeB = Guid.Parse("4828cc14-1437-45bc-9b07-ad6f015e5f28");

    [Theory]
    [InlineData("D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)")]
    [InlineData("D:(OD;CI;CCDC;;4828cc14-1437-45bc-9b07-ad6f015e5f28;BA)")]
    [InlineData("D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;4828cc14-1437-45bc-9b07-ad6f015e5f28;S-1-5-21-1-2-3-1001)")]
    public void ObjectAces_RoundTrip(string sddl)
    {
        var sd = SecurityDescriptor.ParseSddl(sddl);
        Assert.Equal(sddl, sd.ToSddl());
        Assert.Equal(sd, SecurityDescriptor.ParseSddl(sd.ToSddl()));
    }

    [Fact]
    public void ObjectAce_KeepsBothGuids()
    {
        var ace = SecurityDescriptor.ParseSddl("D:(OA;;CC;BF967ABA-0DE6-11D0-A285-00AA003049E2;4828cc14-1437-45bc-9b07-ad6f015e5f28;WD)").Dacl[0];
        Assert.Equal(AceType.AccessAllowedObject, ace.Type);
        Assert.Equal(TypeA, ace.ObjectType);
        Assert.Equal(TypeB, ace.InheritedObjectType);
    }

    public static TheoryData<string, Guid?, bool> Table => new()
    {
        // Without an object type in the check, object ACEs with an ObjectType are skipped.
        { "D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", null, false },
        { "D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", TypeA, true },
        { "D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", TypeB, false },

        // An object ACE without ObjectType (only an inherited type) is a plain ACE for the check.
        { "D:(OA;;CC;;4828cc14-1437-45bc-9b07-ad6f015e5f28;WD)", null, true },

        // An object deny for the named type denies; for another type it is skipped.
        { "D:(OD;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(A;;CC;;;WD)", TypeA, false },
        { "D:(OD;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(A;;CC;;;WD)", TypeB, true },
        { "D:(OD;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(A;;CC;;;WD)", null, true },

        // ZA: object type and condition both apply.
        { "D:(ZA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;(@User.ok == 1))", TypeA, true },
        { "D:(ZA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;(@User.ok == 2))", TypeA, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void AccessCheck_MatchesObjectTypes(string sddl, Guid? objectType, bool granted)
    {
        var sd = SecurityDescriptor.ParseSddl(sddl);
        var token = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD;@User.ok=1");
        var result = objectType is { } t ? sd.AccessCheck(token, 1, t) : sd.AccessCheck(token, 1);
        Assert.Equal(granted, result);
    }

    [Fact]
    public void Constructor_RejectsGuidsOnPlainAcesAndMissingConditions()
    {
        Assert.Throws<ArgumentException>(() => new Ace(AceType.AccessAllowed, 1, Sid.Everyone, AceFlags.None, TypeA, null, null));
        Assert.Throws<ArgumentException>(() => new Ace(AceType.AccessAllowedCallback, 1, Sid.Everyone, AceFlags.None, null, null, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ace(AceType.AccessAllowedObject, 1, Sid.Everyone));
    }
}
