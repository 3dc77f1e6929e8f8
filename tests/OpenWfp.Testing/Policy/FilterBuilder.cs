using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Testing.Policy;

/// <summary>
/// Filters, conditions, sublayers and classify inputs written tersely: the one place tests build engine objects by
/// layer and field name. <c>using static OpenWfp.Testing.Policy.FilterBuilder;</c> brings them in.
/// </summary>
public static class FilterBuilder
{
    /// <summary>FWPM_LAYER_ALE_AUTH_CONNECT_V4, the layer most engine tests use.</summary>
    public static readonly LayerInfo Connect4 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");

    /// <summary>FWPM_LAYER_ALE_AUTH_CONNECT_V6.</summary>
    public static readonly LayerInfo Connect6 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V6");

    /// <summary>A condition on <paramref name="field"/> of <paramref name="layer"/>.</summary>
    /// <param name="layer">The layer the field belongs to.</param>
    /// <param name="field">The field's short name, e.g. <c>IP_REMOTE_PORT</c>.</param>
    /// <param name="match">The match type.</param>
    /// <param name="value">The condition value (a plain value, a range, a mask…).</param>
    /// <returns>The condition.</returns>
    public static FilterCondition Cond(LayerInfo layer, string field, FwpMatchType match, FwpConditionValue value) =>
        new(layer.Field(field).ConditionKey!.Value, match, value);

    /// <summary>A condition on <paramref name="field"/> of <paramref name="layer"/> with a plain value.</summary>
    /// <param name="layer">The layer the field belongs to.</param>
    /// <param name="field">The field's short name.</param>
    /// <param name="match">The match type.</param>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public static FilterCondition Cond(LayerInfo layer, string field, FwpMatchType match, FwpValue value) =>
        Cond(layer, field, match, FwpConditionValue.Of(value));

    /// <summary>A condition on <paramref name="field"/> of <see cref="Connect4"/> with a plain value.</summary>
    /// <param name="field">The field's short name.</param>
    /// <param name="match">The match type.</param>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public static FilterCondition Cond(string field, FwpMatchType match, FwpValue value) =>
        Cond(Connect4, field, match, value);

    /// <summary>A filter spec (not yet added) with every arbitration knob at hand.</summary>
    /// <param name="name">Display name.</param>
    /// <param name="action">The action.</param>
    /// <param name="sublayer">The sublayer key; empty for FWPM_SUBLAYER_UNIVERSAL.</param>
    /// <param name="weight">A UINT64 weight; null for an automatic (empty) weight.</param>
    /// <param name="flags">Filter flags.</param>
    /// <param name="layer">The layer; null for <see cref="Connect4"/>.</param>
    /// <param name="conditions">Its conditions.</param>
    /// <returns>The spec.</returns>
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

    /// <summary>A filter spec at a layer named by its short name, its conditions given as (field, match, value).</summary>
    /// <param name="layer">The layer's short name, e.g. <c>ALE_AUTH_RECV_ACCEPT_V4</c>.</param>
    /// <param name="action">The action.</param>
    /// <param name="conditions">The conditions; none matches every packet.</param>
    /// <returns>The spec, named after its action and layer.</returns>
    public static FilterSpec At(string layer, FilterAction action, params (string Field, FwpMatchType Match, FwpValue Value)[] conditions)
    {
        var info = LayerCatalog.Layer(layer);
        return Filter($"{action.Type} at {layer}", action, layer: info, conditions: [.. conditions.Select(c => Cond(info, c.Field, c.Match, c.Value))]);
    }

    /// <summary>Adds a sublayer with a new key.</summary>
    /// <param name="engine">The engine.</param>
    /// <param name="name">Display name.</param>
    /// <param name="weight">Its weight.</param>
    /// <returns>The sublayer as added.</returns>
    public static SublayerSpec Sublayer(FilterEngine engine, string name, ushort weight) =>
        engine.AddSublayer(new SublayerSpec { Key = Guid.NewGuid(), DisplayData = new DisplayData(name), Weight = weight });

    /// <summary>Classify input for <paramref name="layer"/>: every field empty except those given.</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="values">Field values by short name.</param>
    /// <returns>One value per field of the layer, in field order.</returns>
    public static FwpValue[] Input(LayerInfo layer, params (string Field, FwpValue Value)[] values)
    {
        var v = new FwpValue[layer.Fields.Count];
        foreach (var (field, value) in values)
        {
            v[layer.Field(field).Index] = value;
        }

        return v;
    }

    /// <summary>A dotted IPv4 address as FWP_UINT32 holds it (host order).</summary>
    /// <param name="dotted">E.g. <c>10.0.0.1</c>.</param>
    /// <returns>The address.</returns>
    public static uint IPv4(string dotted)
    {
        var p = dotted.Split('.').Select(byte.Parse).ToArray();
        return ((uint)p[0] << 24) | ((uint)p[1] << 16) | ((uint)p[2] << 8) | p[3];
    }
}
