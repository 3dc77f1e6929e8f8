using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests;

/// <summary>Small helpers to write engine tests tersely.</summary>
internal static class TestPolicy
{
    public static readonly LayerInfo Connect4 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
    public static readonly LayerInfo Connect6 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V6");

    public static FilterCondition Cond(LayerInfo layer, string field, FwpMatchType match, FwpConditionValue value) =>
        new(layer.Field(field).ConditionKey!.Value, match, value);

    public static FilterCondition Cond(string field, FwpMatchType match, FwpValue value) =>
        Cond(Connect4, field, match, FwpConditionValue.Of(value));

    public static FilterSpec Filter(string name, FilterAction action, Guid sublayer = default, ulong? weight = null, FilterFlags flags = FilterFlags.None, LayerInfo? layer = null, params FilterCondition[] conditions) => new()
    {
        DisplayData = new DisplayData(name),
        LayerKey = (layer ?? Connect4).Key,
        SublayerKey = sublayer,
        Weight = weight is { } w ? FwpValue.FromUInt64(w) : FwpValue.Empty,
        Flags = flags,
        Action = action,
        Conditions = conditions,
    };

    public static SublayerSpec Sublayer(FilterEngine engine, string name, ushort weight) =>
        engine.AddSublayer(new SublayerSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData(name), Weight = weight });

    public static FwpValue[] Input(LayerInfo layer, params (string Field, FwpValue Value)[] values)
    {
        var v = new FwpValue[layer.Fields.Count];
        foreach (var (field, value) in values)
        {
            v[layer.Field(field).Index] = value;
        }

        return v;
    }

    public static uint IPv4(string dotted)
    {
        var p = dotted.Split('.').Select(byte.Parse).ToArray();
        return ((uint)p[0] << 24) | ((uint)p[1] << 16) | ((uint)p[2] << 8) | p[3];
    }
}
