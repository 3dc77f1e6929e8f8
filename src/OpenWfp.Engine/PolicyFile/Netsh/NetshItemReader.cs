using System.Globalization;
using System.Xml.Linq;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// One pass over a dump's root element: turns each <c>&lt;item&gt;</c> into a provider, sublayer, callout or filter
/// spec, and records each item it cannot represent (with its element path) instead of dropping it.
/// </summary>
internal sealed class NetshItemReader(string source, NetshDumpKind kind)
{
    private readonly List<NetshEntry<ProviderSpec>> _providers = [];
    private readonly List<NetshEntry<SublayerSpec>> _sublayers = [];
    private readonly List<NetshEntry<CalloutSpec>> _callouts = [];
    private readonly List<NetshEntry<FilterSpec>> _filters = [];
    private readonly Dictionary<string, ushort> _builtinWeights = new(StringComparer.Ordinal);
    private readonly List<NetshSkippedItem> _skipped = [];
    private readonly List<string> _notes = [];
    private readonly HashSet<Guid> _providerKeys = [];
    private readonly HashSet<Guid> _sublayerKeys = [];
    private readonly HashSet<Guid> _calloutKeys = [];
    private readonly Dictionary<Guid, Guid> _defaultSublayers = [];

    public NetshDocument Walk(XElement root)
    {
        var rootPath = "/" + root.Name.LocalName;
        foreach (var section in root.Elements())
        {
            var path = rootPath + "/" + section.Name.LocalName;
            switch (section.Name.LocalName)
            {
                case "providers":
                    EachItem(section, path, ReadProvider);
                    break;
                case "subLayers":
                    EachItem(section, path, ReadSublayer);
                    break;
                case "callouts":
                    EachItem(section, path, ReadCallout);
                    break;
                case "filters":
                    EachItem(section, path, ReadFilter);
                    break;
                case "layers":
                    EachItem(section, path, ReadLayer);
                    break;
                case "providerContexts":
                    EachItem(section, path, (item, p) => throw new NetshItemException(p, "provider contexts are not imported"));
                    break;
                default:
                    // timeStamp, netEvents, keying modules, IPsec SAs and the like are not filtering policy.
                    break;
            }
        }

        ApplyDefaultSublayers();
        AddPlaceholders(rootPath);
        return new NetshDocument
        {
            Source = source,
            Kind = kind,
            Providers = _providers,
            Sublayers = _sublayers,
            Callouts = _callouts,
            Filters = _filters,
            BuiltinSublayerWeights = _builtinWeights,
            Skipped = _skipped,
            Notes = _notes,
        };
    }

    /// <summary>Filters that name no sublayer take their layer's default sublayer from the state dump.</summary>
    private void ApplyDefaultSublayers()
    {
        for (var i = 0; i < _filters.Count; i++)
        {
            var f = _filters[i].Spec;
            if (f.SublayerKey == Guid.Empty && _defaultSublayers.TryGetValue(f.LayerKey, out var sublayer))
            {
                _filters[i] = _filters[i] with { Spec = f with { SublayerKey = sublayer } };
            }
        }
    }

    private void EachItem(XElement section, string path, Action<XElement, string> read)
    {
        var index = 0;
        foreach (var item in section.Elements())
        {
            index++;
            var itemPath = $"{path}/{item.Name.LocalName}[{index.ToString(CultureInfo.InvariantCulture)}]";
            if (item.Name.LocalName != "item")
            {
                _skipped.Add(new NetshSkippedItem(itemPath, null, $"unknown element <{item.Name.LocalName}> (expected <item>)"));
                continue;
            }

            try
            {
                read(item, itemPath);
            }
            catch (NetshItemException ex)
            {
                _skipped.Add(new NetshSkippedItem(ex.Path, NameOf(item), ex.Message));
            }
        }
    }

    private static string? NameOf(XElement item)
    {
        var name = item.Element("displayData")?.Element("name")?.Value ?? item.Element("layer")?.Element("displayData")?.Element("name")?.Value;
        return string.IsNullOrEmpty(name) ? null : name;
    }

    private void ReadLayer(XElement item, string path)
    {
        var info = item.Element("layer");
        var layerText = info?.Element("layerKey")?.Value.Trim();
        if (layerText is not null && !LayerCatalog.TryFindLayer(layerText, out _))
        {
            // Its filters carry their own layerKey and are reported one by one below.
            _skipped.Add(new NetshSkippedItem(path + "/layer/layerKey", NameOf(item), $"unknown layer \"{layerText}\""));
        }

        // FWPM_LAYER0.defaultSubLayerKey: where a filter of this layer that names no sublayer goes (otherwise
        // FWPM_SUBLAYER_UNIVERSAL; see docs/ENGINE.md).
        if (layerText is not null && LayerCatalog.TryFindLayer(layerText, out var layerInfo)
            && info?.Element("defaultSubLayerKey")?.Value.Trim() is { Length: > 0 } defaultText)
        {
            if (LayerCatalog.TryFindSublayer(defaultText, out var builtinDefault))
            {
                _defaultSublayers[layerInfo.Key] = builtinDefault.Key;
            }
            else if (Guid.TryParse(defaultText, out var defaultKey) && defaultKey != Guid.Empty)
            {
                _defaultSublayers[layerInfo.Key] = defaultKey;
            }
            else
            {
                _skipped.Add(new NetshSkippedItem(path + "/layer/defaultSubLayerKey", NameOf(item), $"unknown sublayer \"{defaultText}\"; the layer's filters that name none go to FWPM_SUBLAYER_UNIVERSAL"));
            }
        }

        foreach (var section in item.Elements())
        {
            var p = path + "/" + section.Name.LocalName;
            switch (section.Name.LocalName)
            {
                case "filters":
                    EachItem(section, p, ReadFilter);
                    break;
                case "callouts":
                    EachItem(section, p, ReadCallout);
                    break;
                default:
                    break;
            }
        }
    }

    private void ReadProvider(XElement item, string path)
    {
        var key = ReadKey(item, "providerKey", path, LayerCatalog.TryFindProvider, "provider", out var builtin);
        if (builtin || !_providerKeys.Add(key))
        {
            return;
        }

        _providers.Add(new NetshEntry<ProviderSpec>(path, new ProviderSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (ProviderFlags)Flags(item, path, "FWPM_PROVIDER_FLAG_", ("PERSISTENT", 0x1u), ("DISABLED", 0x10u)),
            ProviderData = Blob(item, "providerData", path),
            ServiceName = Text(item, "serviceName"),
        }));
    }

    private void ReadSublayer(XElement item, string path)
    {
        var key = ReadKey(item, "subLayerKey", path, LayerCatalog.TryFindSublayer, "sublayer", out var builtin);
        var weightText = Text(item, "weight") ?? throw new NetshItemException(path, "missing <weight>");
        var weight = (ushort)NetshValues.Unsigned(weightText, ushort.MaxValue, FwpDataType.UInt16, path + "/weight");
        if (builtin)
        {
            _builtinWeights[LayerCatalog.BuiltinNameOf(key)!] = weight;
            return;
        }

        if (!_sublayerKeys.Add(key))
        {
            return;
        }

        _sublayers.Add(new NetshEntry<SublayerSpec>(path, new SublayerSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (SublayerFlags)Flags(item, path, "FWPM_SUBLAYER_FLAG_", ("PERSISTENT", 0x1u)),
            ProviderKey = ProviderRef(item, path),
            ProviderData = Blob(item, "providerData", path),
            Weight = weight,
        }));
    }

    private void ReadCallout(XElement item, string path)
    {
        var key = ReadKey(item, "calloutKey", path, LayerCatalog.TryFindCallout, "callout", out var builtin);
        if (builtin || !_calloutKeys.Add(key))
        {
            return;
        }

        var layerText = Text(item, "applicableLayer") ?? throw new NetshItemException(path, "missing <applicableLayer>");
        if (!LayerCatalog.TryFindLayer(layerText, out var layer))
        {
            throw new NetshItemException(path + "/applicableLayer", $"unknown layer \"{layerText}\"");
        }

        _callouts.Add(new NetshEntry<CalloutSpec>(path, new CalloutSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (CalloutFlags)Flags(item, path, "FWPM_CALLOUT_FLAG_", ("PERSISTENT", 0x10000u), ("USES_PROVIDER_CONTEXT", 0x20000u), ("REGISTERED", 0x40000u)),
            ProviderKey = ProviderRef(item, path),
            ProviderData = Blob(item, "providerData", path),
            ApplicableLayer = layer.Key,
        }));
    }

    private void ReadFilter(XElement item, string path)
    {
        var keyText = Text(item, "filterKey");
        var key = Guid.Empty;
        if (keyText is not null && !Guid.TryParse(keyText, out key))
        {
            throw new NetshItemException(path + "/filterKey", $"\"{keyText}\" is not a GUID");
        }

        var layerText = Text(item, "layerKey") ?? throw new NetshItemException(path, "missing <layerKey>");
        if (!LayerCatalog.TryFindLayer(layerText, out var layer))
        {
            throw new NetshItemException(path + "/layerKey", $"unknown layer \"{layerText}\"");
        }

        var sublayerKey = Guid.Empty;
        if (Text(item, "subLayerKey") is { } sublayerText)
        {
            sublayerKey = LayerCatalog.TryFindSublayer(sublayerText, out var builtinSublayer) ? builtinSublayer.Key
                : Guid.TryParse(sublayerText, out var g) ? g
                : throw new NetshItemException(path + "/subLayerKey", $"unknown sublayer \"{sublayerText}\"");
        }

        var filterFlags = FilterFlags.None;
        if (item.Element("flags") is { } flagsElement)
        {
            var i = 0;
            foreach (var f in flagsElement.Elements())
            {
                i++;
                var text = f.Value.Trim();
                if (!text.StartsWith("FWPM_FILTER_FLAG_", StringComparison.Ordinal) || !PolicyNames.TryParseFilterFlag(text, out var flag))
                {
                    throw new NetshItemException($"{path}/flags/item[{i}]", $"unknown filter flag \"{text}\"");
                }

                filterFlags |= flag;
            }
        }

        var weight = item.Element("weight") is { } w ? NetshValues.ReadValue(w, path + "/weight") : FwpValue.Empty;
        var conditions = new List<FilterCondition>();
        if (item.Element("filterCondition") is { } conditionList)
        {
            var i = 0;
            foreach (var c in conditionList.Elements())
            {
                i++;
                var cp = $"{path}/filterCondition/item[{i}]";
                var fieldText = Text(c, "fieldKey") ?? throw new NetshItemException(cp, "missing <fieldKey>");
                Guid fieldKey;
                if (LayerCatalog.TryFindCondition(fieldText, out var condition))
                {
                    fieldKey = condition.Key;
                }
                else if (!Guid.TryParse(fieldText, out fieldKey))
                {
                    throw new NetshItemException(cp + "/fieldKey", $"unknown condition \"{fieldText}\"");
                }

                var matchText = Text(c, "matchType") ?? throw new NetshItemException(cp, "missing <matchType>");
                if (!matchText.StartsWith("FWP_MATCH_", StringComparison.Ordinal) || !PolicyNames.TryParseMatchType(matchText, out var match))
                {
                    throw new NetshItemException(cp + "/matchType", $"unknown match type \"{matchText}\"");
                }

                var valueElement = c.Element("conditionValue") ?? throw new NetshItemException(cp, "missing <conditionValue>");
                conditions.Add(new FilterCondition(fieldKey, match, NetshValues.ReadCondition(valueElement, cp + "/conditionValue")));
            }
        }

        var actionElement = item.Element("action") ?? throw new NetshItemException(path, "missing <action>");
        var actionText = Text(actionElement, "type") ?? throw new NetshItemException(path + "/action", "missing <type>");
        var actionType = actionText switch
        {
            "FWP_ACTION_BLOCK" => ActionType.Block,
            "FWP_ACTION_PERMIT" => ActionType.Permit,
            "FWP_ACTION_CALLOUT_TERMINATING" => ActionType.CalloutTerminating,
            "FWP_ACTION_CALLOUT_INSPECTION" => ActionType.CalloutInspection,
            "FWP_ACTION_CALLOUT_UNKNOWN" => ActionType.CalloutUnknown,
            _ => throw new NetshItemException(path + "/action/type", $"unknown or unsupported action type \"{actionText}\""),
        };
        var action = new FilterAction(actionType);
        if ((actionType & ActionType.FlagCallout) != 0)
        {
            var calloutText = Text(actionElement, "calloutKey") ?? throw new NetshItemException(path + "/action", "missing <calloutKey> for a callout action");
            var calloutKey = LayerCatalog.TryFindCallout(calloutText, out var builtinCallout) ? builtinCallout.Key
                : Guid.TryParse(calloutText, out var g) ? g
                : throw new NetshItemException(path + "/action/calloutKey", $"unknown callout \"{calloutText}\"");
            action = FilterAction.Callout(actionType, calloutKey);
        }

        Guid? providerContextKey = null;
        if (Text(item, "providerContextKey") is { } pcText)
        {
            providerContextKey = Guid.TryParse(pcText, out var pc) ? pc : throw new NetshItemException(path + "/providerContextKey", $"\"{pcText}\" is not a GUID");
        }

        var rawContext = Text(item, "rawContext") is { } rc ? NetshValues.Unsigned(rc, ulong.MaxValue, FwpDataType.UInt64, path + "/rawContext") : 0;
        var filterId = Text(item, "filterId") is { } id ? NetshValues.Unsigned(id, ulong.MaxValue, FwpDataType.UInt64, path + "/filterId") : 0;
        ulong effectiveWeight = 0;
        if (item.Element("effectiveWeight") is { } ew)
        {
            var v = NetshValues.ReadValue(ew, path + "/effectiveWeight");
            effectiveWeight = v.Type switch
            {
                FwpDataType.UInt64 => v.RawUInt64,
                FwpDataType.Empty => 0,
                _ => throw new NetshItemException(path + "/effectiveWeight/type", $"the effective weight is FWP_UINT64, not {PolicyNames.DataTypeName(v.Type)}"),
            };
        }

        // The engine reads an effective weight of 0 as "compute one"; Windows' 0 (the lowest) is kept by making
        // it the explicit FWP_UINT64 weight, which the engine uses verbatim.
        if (item.Element("effectiveWeight") is not null && effectiveWeight == 0 && Compiler.AutoWeight.Compute(layer, weight, conditions) != 0)
        {
            _notes.Add($"{path}: effective weight 0 kept by giving the filter the explicit weight FWP_UINT64 0 (it had {PolicyNames.DataTypeName(weight.Type)})");
            weight = FwpValue.FromUInt64(0);
        }

        _filters.Add(new NetshEntry<FilterSpec>(path, new FilterSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = filterFlags,
            ProviderKey = ProviderRef(item, path),
            ProviderData = Blob(item, "providerData", path),
            LayerKey = layer.Key,
            SublayerKey = sublayerKey,
            Weight = weight,
            Conditions = conditions,
            Action = action,
            RawContext = providerContextKey is null ? rawContext : 0,
            ProviderContextKey = providerContextKey,
            FilterId = filterId,
            EffectiveWeight = effectiveWeight,
        }));
    }

    private delegate bool Finder(string nameOrKey, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out BuiltinObject found);

    private static Guid ReadKey(XElement item, string element, string path, Finder find, string what, out bool builtin)
    {
        var text = Text(item, element) ?? throw new NetshItemException(path, $"missing <{element}>");
        if (find(text, out var b))
        {
            builtin = true;
            return b.Key;
        }

        builtin = false;
        return Guid.TryParse(text, out var key) && key != Guid.Empty ? key : throw new NetshItemException(path + "/" + element, $"unknown {what} \"{text}\"");
    }

    private static Guid? ProviderRef(XElement item, string path)
    {
        var text = Text(item, "providerKey");
        if (text is null)
        {
            return null;
        }

        return LayerCatalog.TryFindProvider(text, out var builtin) ? builtin.Key
            : Guid.TryParse(text, out var key) ? key
            : throw new NetshItemException(path + "/providerKey", $"unknown provider \"{text}\"");
    }

    private static DisplayData Display(XElement item)
    {
        var display = item.Element("displayData");
        var description = display?.Element("description")?.Value;
        return new DisplayData(display?.Element("name")?.Value ?? "", string.IsNullOrEmpty(description) ? null : description);
    }

    private static uint Flags(XElement item, string path, string prefix, params (string Name, uint Value)[] known)
    {
        uint flags = 0;
        if (item.Element("flags") is not { } list)
        {
            return 0;
        }

        var i = 0;
        foreach (var f in list.Elements())
        {
            i++;
            var text = f.Value.Trim();
            var hit = known.FirstOrDefault(k => prefix + k.Name == text);
            if (hit.Name is null)
            {
                throw new NetshItemException($"{path}/flags/item[{i}]", $"unknown flag \"{text}\"");
            }

            flags |= hit.Value;
        }

        return flags;
    }

    private static byte[]? Blob(XElement item, string element, string path)
    {
        if (item.Element(element)?.Element("data") is not { } data)
        {
            return null;
        }

        var hex = data.Value.Trim();
        if (hex.Length == 0)
        {
            return null;
        }

        return NetshValues.TryHex(hex, out var bytes) ? bytes : throw new NetshItemException($"{path}/{element}/data", "not hex bytes");
    }

    private static string? Text(XElement item, string element)
    {
        var text = item.Element(element)?.Value.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    private void AddPlaceholders(string rootPath)
    {
        // filters.xml lists filters, not always the providers and sublayers they name; without a placeholder
        // the engine would reject every such filter. Placeholders are reported as notes. They are persistent so
        // that persistent objects may reference them as well as dynamic ones.
        var provided = _providers.Select(p => p.Spec.Key).ToHashSet();
        var missingProviders = _filters.Select(f => f.Spec.ProviderKey).Concat(_sublayers.Select(s => s.Spec.ProviderKey)).Concat(_callouts.Select(c => c.Spec.ProviderKey))
            .OfType<Guid>().Where(k => !provided.Contains(k) && LayerCatalog.BuiltinNameOf(k) is null).Distinct().ToList();
        foreach (var k in missingProviders)
        {
            _providers.Add(new NetshEntry<ProviderSpec>(rootPath + "/providers", new ProviderSpec { Key = k, DisplayData = new DisplayData($"{{{k}}}", "placeholder: named by the dump but not listed in it"), Flags = ProviderFlags.Persistent }));
            _notes.Add($"provider {{{k}}} is named but not listed in the dump; added a placeholder");
        }

        var layered = _sublayers.Select(s => s.Spec.Key).ToHashSet();
        var missingSublayers = _filters.Select(f => f.Spec.SublayerKey).Where(k => k != Guid.Empty && !layered.Contains(k) && LayerCatalog.BuiltinNameOf(k) is null).Distinct().ToList();
        foreach (var k in missingSublayers)
        {
            _sublayers.Add(new NetshEntry<SublayerSpec>(rootPath + "/subLayers", new SublayerSpec { Key = k, DisplayData = new DisplayData($"{{{k}}}", "placeholder: named by the dump but not listed in it"), Weight = 0, Flags = SublayerFlags.Persistent }));
            _notes.Add($"sublayer {{{k}}} is named but not listed in the dump; added a placeholder with weight 0 (its real weight is unknown; use a state dump)");
        }
    }
}
