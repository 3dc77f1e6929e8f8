using System.Globalization;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Output;

/// <summary>
/// Filters, conditions and actions as people read them: <c>IP_REMOTE_PORT == 23</c>, <c>callout:NAME</c>, sublayer
/// and callout names instead of GUIDs. The condition text is what <c>wfp add filter --condition</c> reads back.
/// </summary>
/// <param name="state">The policy the names come from.</param>
internal sealed class PolicyText(BfeState state)
{
    private readonly Dictionary<Guid, SublayerSpec> _sublayers = state.Sublayers.ToDictionary(s => s.Key);
    private readonly Dictionary<Guid, CalloutSpec> _callouts = state.Callouts.ToDictionary(c => c.Key);
    private readonly Dictionary<Guid, ProviderSpec> _providers = state.Providers.ToDictionary(p => p.Key);

    /// <summary>The name of the universal sublayer, where filters without a sublayer go.</summary>
    public const string UniversalSublayer = "FWPM_SUBLAYER_UNIVERSAL";

    public string Sublayer(Guid key) =>
        key == Guid.Empty ? UniversalSublayer
        : _sublayers.TryGetValue(key, out var s) ? s.DisplayData.Name
        : LayerCatalog.BuiltinNameOf(key) ?? Braced(key);

    public string Callout(Guid key) =>
        _callouts.TryGetValue(key, out var c) ? c.DisplayData.Name : LayerCatalog.BuiltinNameOf(key) ?? Braced(key);

    public string? Provider(Guid? key) =>
        key is not { } k ? null : _providers.TryGetValue(k, out var p) ? p.DisplayData.Name : LayerCatalog.BuiltinNameOf(k) ?? Braced(k);

    /// <summary><c>permit</c>, <c>block</c>, <c>callout:NAME</c> (terminating), <c>callout-inspection:NAME</c>, <c>callout-unknown:NAME</c>.</summary>
    public string Action(FilterAction action) => action.Type switch
    {
        ActionType.Permit => "permit",
        ActionType.Block => "block",
        ActionType.CalloutTerminating => "callout:" + Callout(action.CalloutKey),
        ActionType.CalloutInspection => "callout-inspection:" + Callout(action.CalloutKey),
        ActionType.CalloutUnknown => "callout-unknown:" + Callout(action.CalloutKey),
        _ => action.Type.ToString().ToLowerInvariant(),
    };

    public static string Layer(Guid key) => LayerCatalog.ByKey(key)?.ShortName ?? Braced(key);

    public static string Braced(Guid key) => "{" + key.ToString("D") + "}";

    /// <summary>The effective weight as explain prints it: 0x and 16 hex digits.</summary>
    public static string Weight(ulong weight) => "0x" + weight.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Short lower-case names of the flags worth a glance: hard, persistent, boottime, disabled, …</summary>
    public static string Flags(FilterFlags flags)
    {
        var names = new List<string>();
        if ((flags & FilterFlags.ClearActionRight) != 0)
        {
            names.Add("hard");
        }

        if ((flags & FilterFlags.Persistent) != 0)
        {
            names.Add("persistent");
        }

        if ((flags & FilterFlags.BootTime) != 0)
        {
            names.Add("boottime");
        }

        if ((flags & FilterFlags.Disabled) != 0)
        {
            names.Add("disabled");
        }

        if ((flags & FilterFlags.PermitIfCalloutUnregistered) != 0)
        {
            names.Add("permit-if-unregistered");
        }

        var rest = flags & ~(FilterFlags.ClearActionRight | FilterFlags.Persistent | FilterFlags.BootTime | FilterFlags.Disabled | FilterFlags.PermitIfCalloutUnregistered);
        names.AddRange(PolicyNames.FilterFlagNamesOf(rest).Select(n => n.ToLowerInvariant().Replace('_', '-')));
        return string.Join(' ', names);
    }

    /// <summary>
    /// Every condition of a filter: conditions on one field are OR-ed (WFP's rule) and shown in parentheses,
    /// fields are AND-ed; a filter without conditions matches everything. For text output interface LUIDs read by
    /// their parts; JSON (<paramref name="forText"/> false) keeps the syntax <c>wfp add filter --condition</c> reads.
    /// </summary>
    public static string Conditions(FilterSpec filter, bool forText = true)
    {
        if (filter.Conditions.Count == 0)
        {
            return "(any)";
        }

        var layer = LayerCatalog.ByKey(filter.LayerKey);
        var groups = filter.Conditions.GroupBy(c => c.FieldKey).Select(g =>
        {
            var items = g.Select(c => Condition(layer, c, forText)).ToList();
            return items.Count == 1 ? items[0] : "(" + string.Join(" or ", items) + ")";
        });
        return string.Join(" and ", groups);
    }

    /// <summary>One condition: <c>FIELD OP VALUE</c>.</summary>
    public static string Condition(LayerInfo? layer, FilterCondition condition, bool forText = true)
    {
        var (field, op, value) = ConditionParts(layer, condition, forText);
        return $"{field} {op} {value}";
    }

    /// <summary>One condition's field name, operator and value text (for text output, interface LUIDs by their parts).</summary>
    public static (string Field, string Op, string Value) ConditionParts(LayerInfo? layer, FilterCondition condition, bool forText = false)
    {
        var index = layer?.FieldIndexOf(condition.FieldKey) ?? -1;
        var field = index >= 0 ? layer!.Fields[index] : null;
        var name = field?.Name ?? LayerCatalog.ConditionNameOf(condition.FieldKey) ?? Braced(condition.FieldKey);
        var value = field is null ? condition.Value.ToString()
            : forText ? FieldText.Condition(field, condition.Value)
            : FieldValueParser.FormatCondition(field, condition.Value);
        return (name, Operator(condition.MatchType, condition.Value), value);
    }

    /// <summary>The operator <c>wfp add filter --condition</c> takes for a match type; an address mask reads as <c>in</c>.</summary>
    public static string Operator(FwpMatchType match, FwpConditionValue value) => match switch
    {
        FwpMatchType.Equal when value.Type is FwpDataType.V4AddrMask or FwpDataType.V6AddrMask => "in",
        FwpMatchType.Equal => "==",
        FwpMatchType.NotEqual => "!=",
        FwpMatchType.Less => "<",
        FwpMatchType.LessOrEqual => "<=",
        FwpMatchType.Greater => ">",
        FwpMatchType.GreaterOrEqual => ">=",
        FwpMatchType.Range => "in",
        _ => PolicyNames.MatchTypeName(match),
    };
}
