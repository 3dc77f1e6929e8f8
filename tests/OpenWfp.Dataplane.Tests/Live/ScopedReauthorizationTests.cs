using OpenWfp.Dataplane.Live;
using OpenWfp.Engine;
using OpenWfp.Engine.Model;
using OpenWfp.Netlink;
using OpenWfp.Testing.Policy;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>The live data plane clears conntrack decisions only for the IP versions whose ALE layers a commit changed.</summary>
public sealed class ScopedReauthorizationTests
{
    [Fact]
    public void CommitOutsideTheAleLayers_ChangesNoFamily()
    {
        var engine = new FilterEngine();
        var before = engine.Current;
        engine.AddFilter(FilterBuilder.At("OUTBOUND_TRANSPORT_V4", FilterAction.Block));
        engine.AddFilter(FilterBuilder.At("INBOUND_IPPACKET_V6", FilterAction.Block));
        Assert.Equal(((byte)0, (byte)0), RulePlanner.AleChanged(before, engine.Current));
    }

    [Theory]
    [InlineData("ALE_AUTH_CONNECT_V4", ConntrackConstants.AfInet, 0)]
    [InlineData("ALE_AUTH_RECV_ACCEPT_V4", ConntrackConstants.AfInet, 0)]
    [InlineData("ALE_FLOW_ESTABLISHED_V6", 0, ConntrackConstants.AfInet6)]
    [InlineData("ALE_AUTH_CONNECT_V6", 0, ConntrackConstants.AfInet6)]
    public void CommitAtAnAleLayer_ChangesItsFamilyOnly(string layer, byte v4, byte v6)
    {
        var engine = new FilterEngine();
        var before = engine.Current;
        engine.AddFilter(FilterBuilder.At(layer, FilterAction.Block));
        Assert.Equal((v4, v6), RulePlanner.AleChanged(before, engine.Current));
    }

    [Fact]
    public void CommitsAtBothFamilies_ChangeBoth()
    {
        var engine = new FilterEngine();
        var before = engine.Current;
        engine.AddFilter(FilterBuilder.At("ALE_AUTH_CONNECT_V4", FilterAction.Block));
        engine.AddFilter(FilterBuilder.At("ALE_AUTH_RECV_ACCEPT_V6", FilterAction.Block));
        Assert.Equal((ConntrackConstants.AfInet, ConntrackConstants.AfInet6), RulePlanner.AleChanged(before, engine.Current));
    }
}
