using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Classify;

/// <summary>
/// The mask of fields a compiled layer program reads (the shim fills only those on its hot path). It is computed when
/// the program is built, so every thread that reads it sees the same value.
/// </summary>
public class FieldsReadTests
{
    [Fact]
    public void FieldsRead_ConditionsOnProtocolAndRemotePort_SetsExactlyThoseBits()
    {
        var engine = new FilterEngine();
        engine.AddFilter(Filter("tcp", FilterAction.Block, conditions: Cond("IP_PROTOCOL", FwpMatchType.Equal, FwpValue.FromUInt8(6))));
        engine.AddFilter(Filter("telnet", FilterAction.Block, conditions: Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(23))));

        // ALE_AUTH_CONNECT_V4 field indexes: IP_PROTOCOL is 5, IP_REMOTE_PORT is 7.
        Assert.Equal(5, Connect4.Field("IP_PROTOCOL").Index);
        Assert.Equal(7, Connect4.Field("IP_REMOTE_PORT").Index);
        Assert.Equal(0b1010_0000UL, engine.Current.FieldsRead(LayerIds.AleAuthConnectV4));
    }

    [Fact]
    public void FieldsRead_CalloutFilter_ReadsEveryField()
    {
        var engine = new FilterEngine();
        var callout = engine.AddCallout(new CalloutSpec { DisplayData = new DisplayData("inspect"), ApplicableLayer = Connect4.Key });
        engine.AddFilter(Filter("telnet", FilterAction.Block, conditions: Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(23))));
        engine.AddFilter(Filter("inspect", FilterAction.Callout(ActionType.CalloutInspection, callout.Key)));

        Assert.Equal(ulong.MaxValue, engine.Current.FieldsRead(LayerIds.AleAuthConnectV4));
    }

    [Fact]
    public void FieldsRead_LayerWithoutFilters_IsZero()
    {
        var engine = new FilterEngine();
        engine.AddFilter(Filter("telnet", FilterAction.Block, conditions: Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(23))));

        Assert.Equal(0UL, engine.Current.FieldsRead(LayerIds.AleAuthConnectV6));
    }
}
