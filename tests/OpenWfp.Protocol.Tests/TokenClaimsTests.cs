using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Security;
using OpenWfp.Protocol.Mapping;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Tests;

/// <summary>A token's claims (for conditional ACEs) and app-container SIDs survive the wire.</summary>
public class TokenClaimsTests
{
    [Fact]
    public void Claims_AndLowboxSids_RoundTrip()
    {
        var token = FwpToken.Parse("S-1-5-21-1-2-3-1001,WD,AC,S-1-15-2-1-2-3-4-5-6-7,S-1-15-3-1;WIN://SYSAPPID=\"Contoso.App_1\";@User.level=3;@Device.groups={SID(BA), SID(BU)}");

        var wire = ProtoMap.ToProto(token);
        Assert.Equal("WIN://SYSAPPID=\"Contoso.App_1\";@User.level=3;@Device.groups={SID(BA), SID(BU)}", wire.Claims);
        var back = ProtoMap.ToToken(wire);

        Assert.Equal(token, back);
        Assert.True(back.IsAppContainer);
        Assert.Equal(ConditionResult.True, ConditionalExpression.ParseSddl("(WIN://SYSAPPID == \"contoso.app_1\")").Evaluate(back));
    }

    [Fact]
    public void NoClaims_IsAnEmptyField()
    {
        Assert.Equal("", ProtoMap.ToProto(FwpToken.Parse("S-1-5-18")).Claims);
    }

    [Fact]
    public void MalformedClaims_AreAnInvalidParameterNamingTheField()
    {
        var e = Assert.Throws<WfpException>(() => ProtoMap.ToToken(new P.Token { User = "S-1-5-18", Claims = "WIN://SYSAPPID=" }));
        Assert.Equal(WfpError.InvalidParameter, e.Error);
        Assert.Contains("token.claims", e.Message, StringComparison.Ordinal);
    }
}
