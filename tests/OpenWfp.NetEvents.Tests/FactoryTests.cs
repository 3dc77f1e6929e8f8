using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.NetEvents.Tests;

/// <summary>NetEventFactory: the one place classify events are built, from a data plane's tuple or a layer's values.</summary>
public sealed class FactoryTests
{
    [Fact]
    public void Classify_CopiesEveryMemberOfTheFlow()
    {
        var app = AppId.ValueFromPath("/usr/bin/curl").Reference as byte[];
        var user = Sid.Parse("S-1-22-1-1000");
        var flow = new NetEventFlow(6, 17, 0x2001_0db8UL, 5353, 0xfd00UL, 53, NetEventDirection.In, IsLoopback: true);

        var e = NetEventFactory.Classify(NetEventType.ClassifyDrop, in flow, layerId: 44, filterId: 9, app, user, timeUnixNs: 77);

        Assert.Equal(NetEventType.ClassifyDrop, e.Type);
        Assert.Equal((byte)6, e.IpVersion);
        Assert.Equal((byte)17, e.IpProtocol);
        Assert.Equal((UInt128)0x2001_0db8UL, e.LocalAddress);
        Assert.Equal((ushort)5353, e.LocalPort);
        Assert.Equal((UInt128)0xfd00UL, e.RemoteAddress);
        Assert.Equal((ushort)53, e.RemotePort);
        Assert.Equal(NetEventDirection.In, e.Direction);
        Assert.True(e.IsLoopback);
        Assert.Equal((ushort)44, e.LayerId);
        Assert.Equal(9UL, e.FilterId);
        Assert.Same(app, e.AppId);
        Assert.Same(user, e.UserId);
        Assert.Equal(77, e.TimeUnixNs);
    }

    [Fact]
    public void ClassifyType_IsDropForABlockAndAllowOtherwise()
    {
        Assert.Equal(NetEventType.ClassifyDrop, NetEventFactory.ClassifyType(ActionType.Block));
        Assert.Equal(NetEventType.ClassifyAllow, NetEventFactory.ClassifyType(ActionType.Permit));
    }

    [Fact]
    public void FromLayerValues_ReadsTheTupleAppUserAndLoopbackFromTheLayersFields()
    {
        var layer = LayerCatalog.Layer("ALE_AUTH_RECV_ACCEPT_V4");
        var values = new FwpValue[layer.Fields.Count];
        var app = AppId.ValueFromPath("/usr/sbin/sshd");
        var token = FwpToken.ForUnixIdentity(0, [0]);
        Set(layer, values, "IP_PROTOCOL", FwpValue.FromUInt8(6));
        Set(layer, values, "IP_LOCAL_ADDRESS", FwpValue.FromUInt32(0x0A00_0001));
        Set(layer, values, "IP_REMOTE_ADDRESS", FwpValue.FromUInt32(0xC000_0209));
        Set(layer, values, "IP_LOCAL_PORT", FwpValue.FromUInt16(22));
        Set(layer, values, "IP_REMOTE_PORT", FwpValue.FromUInt16(50000));
        Set(layer, values, "ALE_APP_ID", app);
        Set(layer, values, "ALE_USER_ID", FwpValue.FromToken(token));
        Set(layer, values, "FLAGS", FwpValue.FromUInt32((uint)ConditionFlags.IsLoopback));

        var e = NetEventFactory.FromLayerValues(NetEventType.ClassifyAllow, layer, values, filterId: 5);

        Assert.Equal(NetEventType.ClassifyAllow, e.Type);
        Assert.Equal((byte)4, e.IpVersion);
        Assert.Equal((byte)6, e.IpProtocol);
        Assert.Equal((UInt128)0x0A00_0001u, e.LocalAddress);
        Assert.Equal((UInt128)0xC000_0209u, e.RemoteAddress);
        Assert.Equal((ushort)22, e.LocalPort);
        Assert.Equal((ushort)50000, e.RemotePort);
        Assert.Equal(NetEventDirection.In, e.Direction);
        Assert.True(e.IsLoopback);
        Assert.Equal(layer.LayerId, e.LayerId);
        Assert.Equal(5UL, e.FilterId);
        Assert.Equal(app.Blob.ToArray(), e.AppId);
        Assert.Equal(token.User, e.UserId);
    }

    [Fact]
    public void FromLayerValues_FieldsLeftEmpty_AreZero()
    {
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V6");

        var e = NetEventFactory.FromLayerValues(NetEventType.ClassifyDrop, layer, new FwpValue[layer.Fields.Count], filterId: 1);

        Assert.Equal((byte)6, e.IpVersion);
        Assert.Equal(NetEventDirection.Out, e.Direction);
        Assert.False(e.IsLoopback);
        Assert.Equal(UInt128.Zero, e.LocalAddress);
        Assert.Null(e.AppId);
        Assert.Null(e.UserId);
    }

    private static void Set(LayerInfo layer, FwpValue[] values, string field, FwpValue value) =>
        values[layer.FindField(field)!.Index] = value;
}
