using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// Writes a policy in the shape of <c>netsh wfp show filters</c>: <c>&lt;wfpdiag&gt;</c> with <c>&lt;filters&gt;</c>,
/// plus <c>&lt;providers&gt;</c>, <c>&lt;subLayers&gt;</c> (built-in ones too, for their weights) and
/// <c>&lt;callouts&gt;</c> so that a re-import gives the same policy. GUIDs the catalog knows are written by their SDK
/// name, others as <c>{guid}</c>; values use netsh's element forms.
/// </summary>
public static class NetshExporter
{
    /// <summary>The dump as text (UTF-8 XML with declaration, tab-indented, CRLF as Windows writes it).</summary>
    /// <param name="policy">The policy, e.g. <see cref="FilterEngine.Current"/>.</param>
    /// <returns>The XML text.</returns>
    public static string Write(PolicySnapshot policy)
    {
        using var stream = new MemoryStream();
        Write(policy, stream);
        return new UTF8Encoding(false).GetString(stream.ToArray());
    }

    /// <summary>Writes the dump to a stream as UTF-8 (no byte-order mark).</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="stream">Where to write.</param>
    public static void Write(PolicySnapshot policy, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(stream);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "\t", NewLineChars = "\r\n" };
        using var writer = XmlWriter.Create(stream, settings);
        ToXml(policy).Save(writer);
    }

    /// <summary>The dump as an XML document.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>The document with root <c>&lt;wfpdiag&gt;</c>.</returns>
    public static XDocument ToXml(PolicySnapshot policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var filters = policy.FiltersByKey.Values.OrderBy(f => f.FilterId).ToList();
        // Built-in providers and callouts are written when they carry state a dump gave them (a description, a
        // service name, an applicable layer), so that a re-import restores it; untouched built-ins add nothing.
        var providers = policy.ProvidersByKey.Values.Where(p => !p.IsBuiltin || p.DisplayData.Description is not null || p.ServiceName is not null)
            .OrderBy(p => p.IsBuiltin ? 0 : 1).ThenBy(p => p.Key).ToList();
        var sublayers = policy.SublayersByKey.Values.OrderBy(s => s.IsBuiltin ? 0 : 1).ThenBy(s => s.Key).ToList();
        var callouts = policy.CalloutsByKey.Values.Where(c => !c.IsBuiltin || c.ApplicableLayer != Guid.Empty).OrderBy(c => c.CalloutId).ToList();
        var contexts = policy.ProviderContextsByKey.Values.OrderBy(c => c.ProviderContextId).ToList();
        var root = new XElement(
            "wfpdiag",
            List("filters", filters.Select(Filter)),
            List("providers", providers.Select(Provider)),
            List("subLayers", sublayers.Select(Sublayer)),
            List("callouts", callouts.Select(Callout)),
            List("providerContexts", contexts.Select(ProviderContext)));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static XElement List(string name, IEnumerable<XElement> items)
    {
        var list = items.ToList();
        return new XElement(name, new XAttribute("numItems", list.Count.ToString(CultureInfo.InvariantCulture)), list);
    }

    private static XElement Filter(FilterSpec f)
    {
        var layer = LayerCatalog.ByKey(f.LayerKey);
        var conditions = f.Conditions.Select(c => new XElement(
            "item",
            new XElement("fieldKey", LayerCatalog.ConditionNameOf(c.FieldKey) ?? Braced(c.FieldKey)),
            new XElement("matchType", MatchName(c.MatchType)),
            NetshValues.WriteCondition(new XElement("conditionValue"), c.Value, NetshValues.IsAddressField(layer, c.FieldKey)))).ToList();
        // netsh prints FWPM_ACTION0's union as <filterType> for every action type (the callout, for callout actions).
        var action = new XElement("action", new XElement("type", ActionName(f.Action.Type)));
        action.Add(f.Action.IsCallout ? new XElement("filterType", Name(f.Action.CalloutKey))
            : f.Action.CalloutKey == Guid.Empty ? new XElement("filterType") : new XElement("filterType", Braced(f.Action.CalloutKey)));
        return new XElement(
            "item",
            new XElement("filterKey", Braced(f.Key)),
            Display(f.DisplayData),
            Flags(NetshFlags.Words((uint)f.Flags, NetshFlags.Filter)),
            new XElement("providerKey", f.ProviderKey is { } p ? Name(p) : null),
            Data("providerData", f.ProviderData),
            new XElement("layerKey", Name(f.LayerKey)),
            new XElement("subLayerKey", Name(f.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : f.SublayerKey)),
            NetshValues.WriteValue(new XElement("weight"), f.Weight, false),
            new XElement("filterCondition", new XAttribute("numItems", conditions.Count.ToString(CultureInfo.InvariantCulture)), conditions),
            action,
            f.ProviderContextKey is { } pc ? new XElement("providerContextKey", Braced(pc)) : new XElement("rawContext", f.RawContext.ToString(CultureInfo.InvariantCulture)),
            new XElement("reserved"),
            new XElement("filterId", f.FilterId.ToString(CultureInfo.InvariantCulture)),
            new XElement("effectiveWeight", new XElement("type", "FWP_UINT64"), new XElement("uint64", f.EffectiveWeight.ToString(CultureInfo.InvariantCulture))));
    }

    private static XElement Provider(ProviderSpec p) => new(
        "item",
        new XElement("providerKey", Name(p.Key)),
        Display(p.DisplayData),
        Flags(NetshFlags.Words((uint)p.Flags, NetshFlags.Provider)),
        Data("providerData", p.ProviderData),
        new XElement("serviceName", p.ServiceName));

    private static XElement Sublayer(SublayerSpec s) => new(
        "item",
        new XElement("subLayerKey", Name(s.Key)),
        Display(s.DisplayData),
        Flags(NetshFlags.Words((uint)s.Flags, NetshFlags.Sublayer)),
        new XElement("providerKey", s.ProviderKey is { } p ? Name(p) : null),
        Data("providerData", s.ProviderData),
        new XElement("weight", s.Weight.ToString(CultureInfo.InvariantCulture)));

    private static XElement Callout(CalloutSpec c) => new(
        "item",
        new XElement("calloutKey", Name(c.Key)),
        Display(c.DisplayData),
        Flags(NetshFlags.Words((uint)c.Flags, NetshFlags.Callout)),
        new XElement("providerKey", c.ProviderKey is { } p ? Name(p) : null),
        Data("providerData", c.ProviderData),
        new XElement("applicableLayer", c.ApplicableLayer == Guid.Empty ? null : Name(c.ApplicableLayer)),
        new XElement("calloutId", c.CalloutId.ToString(CultureInfo.InvariantCulture)));

    private static XElement Display(DisplayData d) =>
        new("displayData", new XElement("name", d.Name), new XElement("description", d.Description));

    private static XElement Flags(IEnumerable<string> names)
    {
        var items = names.Select(n => new XElement("item", n)).ToList();
        return items.Count == 0 ? new XElement("flags") : new XElement("flags", new XAttribute("numItems", items.Count.ToString(CultureInfo.InvariantCulture)), items);
    }

    private static XElement ProviderContext(ProviderContextSpec c) => new(
        "item",
        new XElement("providerContextKey", Name(c.Key)),
        Display(c.DisplayData),
        Flags(NetshFlags.Words((uint)c.Flags, NetshFlags.ProviderContext)),
        new XElement("providerKey", c.ProviderKey is { } p ? Name(p) : null),
        Data("providerData", c.ProviderData),
        new XElement("type", NetshProviderContexts.TypeName(c.Type)),
        c.Policy is { } policy ? NetshProviderContexts.Element(policy) : NetshValues.BlobElement("dataBuffer", c.Data ?? []),
        new XElement("providerContextId", c.ProviderContextId.ToString(CultureInfo.InvariantCulture)));

    private static XElement Data(string name, byte[]? data) =>
        data is null or { Length: 0 } ? new XElement(name) : NetshValues.BlobElement(name, data);

    private static string Name(Guid key) => LayerCatalog.BuiltinNameOf(key) ?? Braced(key);

    private static string Braced(Guid key) => key.ToString("B");

    private static string MatchName(Values.FwpMatchType match) => match switch
    {
        Values.FwpMatchType.Equal => "FWP_MATCH_EQUAL",
        Values.FwpMatchType.Greater => "FWP_MATCH_GREATER",
        Values.FwpMatchType.Less => "FWP_MATCH_LESS",
        Values.FwpMatchType.GreaterOrEqual => "FWP_MATCH_GREATER_OR_EQUAL",
        Values.FwpMatchType.LessOrEqual => "FWP_MATCH_LESS_OR_EQUAL",
        Values.FwpMatchType.Range => "FWP_MATCH_RANGE",
        Values.FwpMatchType.FlagsAllSet => "FWP_MATCH_FLAGS_ALL_SET",
        Values.FwpMatchType.FlagsAnySet => "FWP_MATCH_FLAGS_ANY_SET",
        Values.FwpMatchType.FlagsNoneSet => "FWP_MATCH_FLAGS_NONE_SET",
        Values.FwpMatchType.EqualCaseInsensitive => "FWP_MATCH_EQUAL_CASE_INSENSITIVE",
        Values.FwpMatchType.NotEqual => "FWP_MATCH_NOT_EQUAL",
        Values.FwpMatchType.Prefix => "FWP_MATCH_PREFIX",
        Values.FwpMatchType.NotPrefix => "FWP_MATCH_NOT_PREFIX",
        _ => ((uint)match).ToString(CultureInfo.InvariantCulture),
    };

    private static string ActionName(ActionType type) => type switch
    {
        ActionType.Block => "FWP_ACTION_BLOCK",
        ActionType.Permit => "FWP_ACTION_PERMIT",
        ActionType.CalloutTerminating => "FWP_ACTION_CALLOUT_TERMINATING",
        ActionType.CalloutInspection => "FWP_ACTION_CALLOUT_INSPECTION",
        ActionType.CalloutUnknown => "FWP_ACTION_CALLOUT_UNKNOWN",
        _ => "0x" + ((uint)type).ToString("x", CultureInfo.InvariantCulture),
    };
}
