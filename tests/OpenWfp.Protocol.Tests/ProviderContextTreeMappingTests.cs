using OpenWfp.Engine.Model;
using OpenWfp.Protocol.Mapping;

namespace OpenWfp.Protocol.Tests;

public class ProviderContextTreeMappingTests
{
    [Fact]
    public void PolicyTree_SurvivesTheWire_NodeForNode()
    {
        var policy = new ProviderContextNode("authIpMmPolicy",
        [
            new ProviderContextNode("softExpirationTime", "0"),
            new ProviderContextNode("ikeProposals", [new ProviderContextNode("item", [new ProviderContextNode("dhGroup", "IKEEXT_DH_ECP_256")], isList: false)], isList: true),
            new ProviderContextNode("flags", ""),
        ], isList: false);
        var spec = new ProviderContextSpec
        {
            Key = Guid.NewGuid(),
            DisplayData = new DisplayData("mm"),
            Type = ProviderContextType.IpsecAuthipMm,
            Policy = policy,
            ProviderContextId = 9223372036854775808,
        };

        var message = ProtoMap.ToProto(spec);
        Assert.Equal("authIpMmPolicy", message.Policy.Name);
        Assert.True(message.Policy.Children[1].IsList);
        var back = ProtoMap.ToSpec(message);
        Assert.Equal(policy, back.Policy);
        Assert.Null(back.Data);
        Assert.Equal(spec.ProviderContextId, back.ProviderContextId);
    }

    [Fact]
    public void GeneralContext_EmptyBuffer_StaysAnEmptyBuffer()
    {
        var back = ProtoMap.ToSpec(ProtoMap.ToProto(new ProviderContextSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData("g"), Type = ProviderContextType.General, Data = [] }));
        Assert.NotNull(back.Data);
        Assert.Empty(back.Data);
        Assert.Null(back.Policy);
    }
}
