using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Classify;

public class SmokeTests
{
    [Fact]
    public void Classify_BlockOnRemotePort_BlocksOnlyThatPort()
    {
        var engine = new FilterEngine();
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        var port = layer.Field("IP_REMOTE_PORT");
        var f = engine.AddFilter(new FilterSpec
        {
            DisplayData = new DisplayData("block 23"),
            LayerKey = layer.Key,
            Action = FilterAction.Block,
            Conditions = [new FilterCondition(port.ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(23)))],
        });
        var values = new FwpValue[layer.Fields.Count];
        values[port.Index] = FwpValue.FromUInt16(23);
        var r = engine.Classify(layer, values);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(f.FilterId, r.FilterId);
        values[port.Index] = FwpValue.FromUInt16(80);
        Assert.Equal(ActionType.NoneNoMatch, engine.Classify(layer, values).Action);
    }
}
