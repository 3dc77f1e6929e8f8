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
    private readonly List<NetshEntry<ProviderContextSpec>> _contexts = [];
    private readonly List<NetshEntry<ProviderSpec>> _builtinProviders = [];
    private readonly List<NetshEntry<SublayerSpec>> _builtinSublayers = [];
    private readonly List<NetshEntry<CalloutSpec>> _builtinCallouts = [];
    private readonly Dictionary<string, int> _state = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _contextKeys = [];
    private readonly List<NetshEntry<FilterSpec>> _filters = [];
    private readonly Dictionary<string, ushort> _builtinWeights = new(StringComparer.Ordinal);
    private readonly List<NetshSkippedItem> _skipped = [];
    private readonly List<string> _notes = [];
    private readonly HashSet<Guid> _providerKeys = [];
    private readonly HashSet<Guid> _sublayerKeys = [];
    private readonly HashSet<Guid> _calloutKeys = [];
    private readonly Dictionary<Guid, Guid> _defaultSublayers = [];

    public NetshDocument Walk(XElement root, IEnumerable<(string Name, int Items)>? trailingRoots = null)
    {
        foreach (var (name, items) in trailingRoots ?? [])
        {
            _state[name] = items;
        }

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
                    EachItem(section, path, ReadProviderContext);
                    break;
                default:
                    // Sessions, subscriptions, connected endpoints, IPsec SAs, statistics, net events, the time
                    // stamp: run-time state of the Windows machine, not policy. Counted and reported, not imported.
                    _state[section.Name.LocalName] = section.HasElements ? section.Elements().Count() : 0;
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
            ProviderContexts = _contexts,
            Filters = _filters,
            BuiltinProviders = _builtinProviders,
            BuiltinSublayers = _builtinSublayers,
            BuiltinCallouts = _builtinCallouts,
            State = _state,
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
        if (!_providerKeys.Add(key))
        {
            return;
        }

        var entry = new NetshEntry<ProviderSpec>(path, new ProviderSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (ProviderFlags)Flags(item, path, NetshFlags.Provider),
            ProviderData = Blob(item, "providerData", path),
            ServiceName = Text(item, "serviceName"),
            IsBuiltin = builtin,
        });
        (builtin ? _builtinProviders : _providers).Add(entry);
    }

    private void ReadSublayer(XElement item, string path)
    {
        var key = ReadKey(item, "subLayerKey", path, LayerCatalog.TryFindSublayer, "sublayer", out var builtin);
        var weightText = Text(item, "weight") ?? throw new NetshItemException(path, "missing <weight>");
        var weight = (ushort)NetshValues.Unsigned(weightText, ushort.MaxValue, FwpDataType.UInt16, path + "/weight");
        if (builtin)
        {
            // Some built-in sublayers have two SDK names for one key (e.g. TEREDO and EDGE_TRAVERSAL): every name gets the weight.
            foreach (var named in LayerCatalog.Sublayers)
            {
                if (named.Key == key)
                {
                    _builtinWeights[named.Name] = weight;
                }
            }
        }

        if (!_sublayerKeys.Add(key))
        {
            return;
        }

        var entry = new NetshEntry<SublayerSpec>(path, new SublayerSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (SublayerFlags)Flags(item, path, NetshFlags.Sublayer),
            ProviderKey = ProviderRef(item, path),
            ProviderData = Blob(item, "providerData", path),
            Weight = weight,
            IsBuiltin = builtin,
        });
        (builtin ? _builtinSublayers : _sublayers).Add(entry);
    }

    private void ReadCallout(XElement item, string path)
    {
        var key = ReadKey(item, "calloutKey", path, LayerCatalog.TryFindCallout, "callout", out var builtin);
        if (!_calloutKeys.Add(key))
        {
            return;
        }

        var layerText = Text(item, "applicableLayer") ?? throw new NetshItemException(path, "missing <applicableLayer>");
        if (!LayerCatalog.TryFindLayer(layerText, out var layer))
        {
            throw new NetshItemException(path + "/applicableLayer", $"unknown layer \"{layerText}\"");
        }

        var calloutId = Text(item, "calloutId") is { } id ? NetshValues.Unsigned(id, uint.MaxValue, FwpDataType.UInt32, path + "/calloutId") : 0;
        var entry = new NetshEntry<CalloutSpec>(path, new CalloutSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (CalloutFlags)Flags(item, path, NetshFlags.Callout),
            ProviderKey = ProviderRef(item, path),
            ProviderData = Blob(item, "providerData", path),
            ApplicableLayer = layer.Key,
            CalloutId = (uint)calloutId,
            IsBuiltin = builtin,
        });
        (builtin ? _builtinCallouts : _callouts).Add(entry);
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

        var filterFlags = (FilterFlags)Flags(item, path, NetshFlags.Filter);

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
        // FWPM_ACTION0 is a union of filterType and calloutKey; netsh prints it as <filterType> whatever the type,
        // so a callout action's callout is there (older dumps and our own exports may say <calloutKey>).
        var action = new FilterAction(actionType);
        var unionElement = actionElement.Element("calloutKey") is { } ck ? "calloutKey" : "filterType";
        var unionText = Text(actionElement, unionElement);
        if ((actionType & ActionType.FlagCallout) != 0)
        {
            var calloutText = unionText ?? throw new NetshItemException(path + "/action", "missing <filterType> (the callout) for a callout action");
            var calloutKey = LayerCatalog.TryFindCallout(calloutText, out var builtinCallout) ? builtinCallout.Key
                : Guid.TryParse(calloutText, out var g) ? g
                : throw new NetshItemException(path + "/action/" + unionElement, $"unknown callout \"{calloutText}\"");
            action = FilterAction.Callout(actionType, calloutKey);
        }
        else if (unionText is not null)
        {
            action = new FilterAction(actionType, Guid.TryParse(unionText, out var filterType) ? filterType : throw new NetshItemException(path + "/action/filterType", $"\"{unionText}\" is not a GUID"));
        }

        Guid? providerContextKey = null;
        if (Text(item, "providerContextKey") is { } pcText)
        {
            providerContextKey = NetshProviderContexts.TryParseKey(pcText, out var pc) ? pc
                : throw new NetshItemException(path + "/providerContextKey", $"unknown provider context \"{pcText}\"");
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

    private static uint Flags(XElement item, string path, (string Name, uint Value)[] known)
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
            if (!NetshFlags.TryRead(text, known, out var bits))
            {
                throw new NetshItemException($"{path}/flags/item[{i}]", $"unknown flag \"{text}\" (neither a name of this object's flags nor a hexadecimal word)");
            }

            flags |= bits;
        }

        return flags;
    }

    private void ReadProviderContext(XElement item, string path)
    {
        var keyText = Text(item, "providerContextKey") ?? throw new NetshItemException(path, "missing <providerContextKey>");
        var key = NetshProviderContexts.TryParseKey(keyText, out var g) ? g
            : throw new NetshItemException(path + "/providerContextKey", $"unknown provider context \"{keyText}\"");
        if (!_contextKeys.Add(key))
        {
            return;
        }

        var typeText = Text(item, "type") ?? throw new NetshItemException(path, "missing <type>");
        if (!NetshProviderContexts.TryParseType(typeText, out var type))
        {
            throw new NetshItemException(path + "/type", $"unknown provider context type \"{typeText}\"");
        }

        // The union member follows <type>: <dataBuffer> for GENERAL, the policy structure (named after the
        // union member, e.g. <authIpMmPolicy>) for every other type.
        var member = item.Element("type")!.ElementsAfterSelf().FirstOrDefault(e => e.Name.LocalName != "providerContextId");
        byte[]? data = null;
        ProviderContextNode? policy = null;
        if (type == ProviderContextType.General)
        {
            data = member?.Name.LocalName == "dataBuffer" ? Blob(item, "dataBuffer", path) ?? [] : throw new NetshItemException(path, "missing <dataBuffer> for FWPM_GENERAL_CONTEXT");
        }
        else
        {
            policy = member is null ? throw new NetshItemException(path, $"missing the policy of the {typeText}") : NetshProviderContexts.Tree(member);
        }

        var id = Text(item, "providerContextId") is { } idText ? NetshValues.Unsigned(idText, ulong.MaxValue, FwpDataType.UInt64, path + "/providerContextId") : 0;
        _contexts.Add(new NetshEntry<ProviderContextSpec>(path, new ProviderContextSpec
        {
            Key = key,
            DisplayData = Display(item),
            Flags = (ProviderContextFlags)Flags(item, path, NetshFlags.ProviderContext),
            ProviderKey = ProviderRef(item, path),
            ProviderData = Blob(item, "providerData", path),
            Type = type,
            Data = data,
            Policy = policy,
            ProviderContextId = id,
        }));
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

    private const string Placeholder = "placeholder: named by the dump but not listed in it";

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
            _providers.Add(new NetshEntry<ProviderSpec>(rootPath + "/providers", new ProviderSpec { Key = k, DisplayData = new DisplayData($"{{{k}}}", Placeholder), Flags = ProviderFlags.Persistent }));
            _notes.Add($"provider {{{k}}} is named but not listed in the dump; added a placeholder");
        }

        // A filters dump lists filters only; a filter's provider context or callout that is not in the dump is kept
        // as a placeholder so that the reference survives (the contents are unknown: use a state dump).
        var contexts = _contexts.Select(c => c.Spec.Key).ToHashSet();
        foreach (var k in _filters.Select(f => f.Spec.ProviderContextKey).OfType<Guid>().Where(k => !contexts.Contains(k)).Distinct().ToList())
        {
            _contexts.Add(new NetshEntry<ProviderContextSpec>(rootPath + "/providerContexts", new ProviderContextSpec { Key = k, DisplayData = new DisplayData($"{{{k}}}", Placeholder), Type = ProviderContextType.General, Data = [], Flags = ProviderContextFlags.Persistent }));
            _notes.Add($"provider context {{{k}}} is named but not listed in the dump; added a placeholder (an empty FWPM_GENERAL_CONTEXT)");
        }

        var callouts = _callouts.Select(c => c.Spec.Key).Concat(_builtinCallouts.Select(c => c.Spec.Key)).ToHashSet();
        foreach (var f in _filters.Select(f => f.Spec).Where(f => f.Action.IsCallout && !callouts.Contains(f.Action.CalloutKey) && LayerCatalog.BuiltinNameOf(f.Action.CalloutKey) is null).ToList())
        {
            if (callouts.Add(f.Action.CalloutKey))
            {
                var k = f.Action.CalloutKey;
                _callouts.Add(new NetshEntry<CalloutSpec>(rootPath + "/callouts", new CalloutSpec { Key = k, DisplayData = new DisplayData($"{{{k}}}", Placeholder), ApplicableLayer = f.LayerKey, Flags = CalloutFlags.Persistent }));
                _notes.Add($"callout {{{k}}} is named but not listed in the dump; added a placeholder at {LayerCatalog.ByKey(f.LayerKey)?.Name}");
            }
        }

        var layered = _sublayers.Select(s => s.Spec.Key).ToHashSet();
        var missingSublayers = _filters.Select(f => f.Spec.SublayerKey).Where(k => k != Guid.Empty && !layered.Contains(k) && LayerCatalog.BuiltinNameOf(k) is null).Distinct().ToList();
        foreach (var k in missingSublayers)
        {
            _sublayers.Add(new NetshEntry<SublayerSpec>(rootPath + "/subLayers", new SublayerSpec { Key = k, DisplayData = new DisplayData($"{{{k}}}", Placeholder), Weight = 0, Flags = SublayerFlags.Persistent }));
            _notes.Add($"sublayer {{{k}}} is named but not listed in the dump; added a placeholder with weight 0 (its real weight is unknown; use a state dump)");
        }
    }
}
