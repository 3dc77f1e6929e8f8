using System.Globalization;
using System.Text.Json;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// Reads the native JSON policy format (docs/POLICY.md) into a <see cref="PolicyDocument"/>. Comments and
/// trailing commas are allowed since people write these files by hand; unknown keys are errors so that typos
/// do not silently change a policy. Every error is a <see cref="PolicyFileException"/>.
/// </summary>
public static class PolicyJsonReader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads a policy from JSON text; <paramref name="source"/> is the file name errors mention.</summary>
    public static PolicyDocument Read(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            throw SyntaxError(source, ex);
        }

        using (doc)
        {
            return new Reader(source).ReadRoot(doc.RootElement);
        }
    }

    /// <summary>Reads a policy from a UTF-8 stream.</summary>
    public static PolicyDocument Read(Stream json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var reader = new StreamReader(json);
        return Read(reader.ReadToEnd(), source);
    }

    private static PolicyFileException SyntaxError(string source, JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        if (cut > 0)
        {
            message = message[..cut];
        }

        var where = ex.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}")
            : "syntax";
        return new PolicyFileException(source, where, null, "invalid JSON: " + message.TrimEnd('.'), ex);
    }

    private sealed class Reader(string source)
    {
        private readonly Dictionary<string, Guid> _providerNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _sublayerNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _calloutNames = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _providerContextNames = new(StringComparer.Ordinal);

        public PolicyDocument ReadRoot(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(null, null, "the top level must be a JSON object with \"version\": 1");
            }

            CheckKeys(root, null, "version", "description", "providers", "sublayers", "callouts", "providerContexts", "filters", "$schema");
            if (!root.TryGetProperty("version", out var version))
            {
                throw Error(null, "version", "missing; write \"version\": 1");
            }

            if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != PolicyDocument.CurrentVersion)
            {
                throw Error(null, "version", $"this is format version {version.GetRawText()}; only version {PolicyDocument.CurrentVersion} is understood");
            }

            var providers = ReadArray(root, "providers", ReadProvider);
            var sublayers = ReadArray(root, "sublayers", ReadSublayer);
            var callouts = ReadArray(root, "callouts", ReadCallout);
            var contexts = ReadArray(root, "providerContexts", ReadProviderContext);
            var filters = ReadArray(root, "filters", ReadFilter);
            return new PolicyDocument
            {
                Source = source,
                Description = OptionalString(root, null, "description"),
                Providers = providers,
                Sublayers = sublayers,
                Callouts = callouts,
                ProviderContexts = contexts,
                Filters = filters,
            };
        }

        private List<T> ReadArray<T>(JsonElement root, string name, Func<JsonElement, int, T> read)
        {
            var list = new List<T>();
            if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            {
                return list;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw Error(null, name, "must be an array of objects");
            }

            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw Error($"{name}[{i}]", null, "must be a JSON object");
                }

                list.Add(read(item, i));
                i++;
            }

            return list;
        }

        private ProviderSpec ReadProvider(JsonElement e, int index)
        {
            var (label, name) = Named(e, "providers", index);
            CheckKeys(e, label, "key", "name", "description", "flags");
            var explicitKey = OptionalKey(e, label);
            var key = explicitKey ?? PolicyDocument.DerivedKey("provider", name);
            Remember(_providerNames, name, key, label, explicitKey is not null);
            return new ProviderSpec
            {
                Key = key,
                DisplayData = new DisplayData(name, OptionalString(e, label, "description")),
                Flags = (ProviderFlags)OptionalNumber(e, label, "flags", uint.MaxValue),
            };
        }

        private SublayerSpec ReadSublayer(JsonElement e, int index)
        {
            var (label, name) = Named(e, "sublayers", index);
            CheckKeys(e, label, "key", "name", "description", "weight", "provider", "flags");
            var explicitKey = OptionalKey(e, label);
            var key = explicitKey ?? PolicyDocument.DerivedKey("sublayer", name);
            ushort weight = 0;
            if (e.TryGetProperty("weight", out var w))
            {
                weight = (ushort)Number(w, label, "weight", ushort.MaxValue);
            }

            Remember(_sublayerNames, name, key, label, explicitKey is not null);
            return new SublayerSpec
            {
                Key = key,
                DisplayData = new DisplayData(name, OptionalString(e, label, "description")),
                Weight = weight,
                ProviderKey = ProviderRef(e, label),
                Flags = (SublayerFlags)OptionalNumber(e, label, "flags", uint.MaxValue),
            };
        }

        private CalloutSpec ReadCallout(JsonElement e, int index)
        {
            var (label, name) = Named(e, "callouts", index);
            CheckKeys(e, label, "key", "name", "description", "layer", "provider", "flags", "calloutId");
            var explicitKey = OptionalKey(e, label);
            var key = explicitKey ?? PolicyDocument.DerivedKey("callout", name);
            var layer = Layer(e, label);
            Remember(_calloutNames, name, key, label, explicitKey is not null);
            return new CalloutSpec
            {
                Key = key,
                DisplayData = new DisplayData(name, OptionalString(e, label, "description")),
                ApplicableLayer = layer.Key,
                ProviderKey = ProviderRef(e, label),
                Flags = (CalloutFlags)OptionalNumber(e, label, "flags", uint.MaxValue),
                CalloutId = (uint)OptionalNumber(e, label, "calloutId", uint.MaxValue),
            };
        }

        private ulong OptionalNumber(JsonElement e, string label, string member, ulong max) =>
            e.TryGetProperty(member, out var n) && n.ValueKind != JsonValueKind.Null ? Number(n, label, member, max) : 0;

        private ProviderContextSpec ReadProviderContext(JsonElement e, int index)
        {
            var (label, name) = Named(e, "providerContexts", index);
            CheckKeys(e, label, "key", "name", "description", "type", "flags", "provider", "providerContextId", "data", "text", "policy");
            var explicitKey = OptionalKey(e, label);
            var key = explicitKey ?? PolicyDocument.DerivedKey("providerContext", name);
            Remember(_providerContextNames, name, key, label, explicitKey is not null);
            var typeText = OptionalString(e, label, "type") ?? "FWPM_GENERAL_CONTEXT";
            if (!Netsh.NetshProviderContexts.TryParseType(typeText, out var type))
            {
                throw Error(label, "type", $"unknown provider context type \"{typeText}\" (e.g. FWPM_GENERAL_CONTEXT, FWPM_CLASSIFY_OPTIONS_CONTEXT)");
            }

            byte[]? data = null;
            ProviderContextNode? policy = null;
            if (type == ProviderContextType.General)
            {
                // "text": the data as UTF-8 text, as `wfp add provider-context --data TEXT` stores it (the built-in callouts read text).
                if (OptionalString(e, label, "text") is { } text)
                {
                    data = e.TryGetProperty("data", out _) ? throw Error(label, "text", "give \"data\" (hex) or \"text\", not both") : System.Text.Encoding.UTF8.GetBytes(text);
                }
                else
                {
                    var hex = OptionalString(e, label, "data") ?? "";
                    data = Netsh.NetshValues.TryHex(hex, out var bytes) ? bytes : throw Error(label, "data", "must be hex bytes such as \"0a0b\"");
                }
            }
            else
            {
                policy = e.TryGetProperty("policy", out var p) && p.ValueKind == JsonValueKind.Object ? Node(p, label, "policy") : throw Error(label, "policy", $"a {typeText} needs its policy tree (docs/POLICY.md, Provider contexts)");
            }

            return new ProviderContextSpec
            {
                Key = key,
                DisplayData = new DisplayData(name, OptionalString(e, label, "description")),
                Type = type,
                Flags = (ProviderContextFlags)OptionalNumber(e, label, "flags", uint.MaxValue),
                ProviderKey = ProviderRef(e, label),
                ProviderContextId = OptionalNumber(e, label, "providerContextId", ulong.MaxValue),
                Data = data,
                Policy = policy,
            };
        }

        private ProviderContextNode Node(JsonElement e, string label, string at)
        {
            CheckKeys(e, label + ": " + at, "name", "text", "fields", "items");
            var name = OptionalString(e, label, "name") is { Length: > 0 } n ? n : throw Error(label, at + ".name", "every policy node needs a name");
            var isList = e.TryGetProperty("items", out var items);
            if (isList || e.TryGetProperty("fields", out items))
            {
                if (items.ValueKind != JsonValueKind.Array)
                {
                    throw Error(label, at + "." + (isList ? "items" : "fields"), "must be an array of policy nodes");
                }

                var children = new List<ProviderContextNode>();
                var i = 0;
                foreach (var c in items.EnumerateArray())
                {
                    children.Add(c.ValueKind == JsonValueKind.Object ? Node(c, label, $"{at}.{name}[{i}]") : throw Error(label, $"{at}.{name}[{i}]", "must be a policy node object"));
                    i++;
                }

                return new ProviderContextNode(name, children, isList);
            }

            return new ProviderContextNode(name, OptionalString(e, label, "text") ?? "");
        }

        private FilterSpec ReadFilter(JsonElement e, int index)
        {
            var (label, name) = Named(e, "filters", index);
            CheckKeys(e, label, "key", "filterId", "name", "description", "layer", "sublayer", "weight", "flags", "action", "conditions", "provider", "providerContext", "rawContext");
            var key = OptionalKey(e, label) ?? PolicyDocument.DerivedKey("filter", index.ToString(CultureInfo.InvariantCulture) + "/" + name);
            var layer = Layer(e, label);

            // An id carried over from an import (netsh's filterId) is kept, so decisions name the same filter ids as
            // on the machine the policy came from; without one the engine assigns the next free id.
            var filterId = e.TryGetProperty("filterId", out var id) && id.ValueKind != JsonValueKind.Null ? Number(id, label, "filterId", ulong.MaxValue) : 0;
            if (e.TryGetProperty("filterId", out _) && filterId == 0)
            {
                throw Error(label, "filterId", "a filter id is a number from 1");
            }

            return new FilterSpec
            {
                Key = key,
                FilterId = filterId,
                DisplayData = new DisplayData(name, OptionalString(e, label, "description")),
                LayerKey = layer.Key,
                SublayerKey = SublayerRef(e, label),
                Weight = FilterWeight(e, label),
                Flags = Flags(e, label) | (e.TryGetProperty("providerContext", out var pcRef) && pcRef.ValueKind == JsonValueKind.String ? FilterFlags.HasProviderContext : FilterFlags.None),
                Action = Action(e, label),
                Conditions = Conditions(e, label, layer),
                ProviderKey = ProviderRef(e, label),
                ProviderContextKey = ProviderContextRef(e, label),
                RawContext = OptionalNumber(e, label, "rawContext", ulong.MaxValue),
            };
        }

        /// <summary>A filter's provider context: the name of one in this file, or a key; naming one implies FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT.</summary>
        private Guid? ProviderContextRef(JsonElement e, string label)
        {
            if (OptionalString(e, label, "providerContext") is not { } pc)
            {
                return null;
            }

            if (!Resolve(pc, _providerContextNames, NoBuiltin, out var key, label, "providerContext"))
            {
                throw Error(label, "providerContext", $"no provider context \"{pc}\" in this file (provider contexts are named or keyed in \"providerContexts\"), and it is not a key");
            }

            return key;
        }

        private static bool NoBuiltin(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out BuiltinObject builtin)
        {
            builtin = null;
            return false;
        }

        private (string Label, string Name) Named(JsonElement e, string collection, int index)
        {
            var bare = PolicyDocument.Label(collection, index, null);
            if (!e.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(n.GetString()))
            {
                throw Error(bare, "name", "missing; every object needs a non-empty \"name\"");
            }

            var name = n.GetString()!;
            return (PolicyDocument.Label(collection, index, name), name);
        }

        // Real Windows policies give several objects one name (two "Microsoft Corporation" providers); with their keys
        // written out they are still distinct, and only a reference by that name would be unclear. An object without a
        // key takes it from its name, so there a repeated name is two objects with one key: an error at once.
        private void Remember(Dictionary<string, Guid> names, string name, Guid key, string label, bool keyGiven)
        {
            if (names.TryAdd(name, key))
            {
                return;
            }

            if (!keyGiven)
            {
                throw Error(label, "name", "another object of this kind already has this name; give each a \"key\", or unique names");
            }

            names[name] = Guid.Empty;
        }

        private Guid? OptionalKey(JsonElement e, string label)
        {
            if (!e.TryGetProperty("key", out var k) || k.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (k.ValueKind != JsonValueKind.String || !Guid.TryParse(k.GetString(), out var key) || key == Guid.Empty)
            {
                throw Error(label, "key", $"expected a non-zero GUID such as \"9b0e1a3c-0d7f-4c55-a1d2-3e4f5a6b7c8d\", not {k.GetRawText()}");
            }

            return key;
        }

        private string? OptionalString(JsonElement e, string? label, string member)
        {
            if (!e.TryGetProperty(member, out var s) || s.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return s.ValueKind == JsonValueKind.String ? s.GetString() : throw Error(label, member, "must be a string");
        }

        private LayerInfo Layer(JsonElement e, string label)
        {
            if (!e.TryGetProperty("layer", out var l) || l.ValueKind != JsonValueKind.String)
            {
                throw Error(label, "layer", "missing; name a layer such as \"ALE_AUTH_CONNECT_V4\"");
            }

            return LayerCatalog.TryFindLayer(l.GetString()!, out var layer)
                ? layer
                : throw Error(label, "layer", $"unknown layer \"{l.GetString()}\" (names such as ALE_AUTH_CONNECT_V4, with or without FWPM_LAYER_, or a GUID)");
        }

        private Guid? ProviderRef(JsonElement e, string label)
        {
            if (!e.TryGetProperty("provider", out var p) || p.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var text = p.ValueKind == JsonValueKind.String ? p.GetString()! : throw Error(label, "provider", "must be a string: a provider's key or name");
            return Resolve(text, _providerNames, LayerCatalog.TryFindProvider, out var key, label, "provider")
                ? key
                : throw Error(label, "provider", $"no provider \"{text}\" in this file or among the built-in providers");
        }

        private Guid SublayerRef(JsonElement e, string label)
        {
            if (!e.TryGetProperty("sublayer", out var s) || s.ValueKind == JsonValueKind.Null)
            {
                return Guid.Empty;
            }

            var text = s.ValueKind == JsonValueKind.String ? s.GetString()! : throw Error(label, "sublayer", "must be a string: a sublayer's name, key or built-in name");
            return Resolve(text, _sublayerNames, LayerCatalog.TryFindSublayer, out var key, label, "sublayer")
                ? key
                : throw Error(label, "sublayer", $"no sublayer \"{text}\" in this file (sublayers must come before the filters that use them) or among the built-in sublayers");
        }

        private delegate bool BuiltinLookup(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out BuiltinObject builtin);

        private bool Resolve(string text, Dictionary<string, Guid> names, BuiltinLookup builtin, out Guid key, string label, string member)
        {
            if (names.TryGetValue(text, out key))
            {
                return key != Guid.Empty
                    ? true
                    : throw Error(label, member, $"\"{text}\" is the name of more than one object in this file; refer to it by its key");
            }

            if (Guid.TryParse(text, out key))
            {
                return true;
            }

            if (builtin(text, out var b))
            {
                key = b.Key;
                return true;
            }

            return false;
        }

        private FwpValue FilterWeight(JsonElement e, string label)
        {
            if (!e.TryGetProperty("weight", out var w) || w.ValueKind == JsonValueKind.Null)
            {
                return FwpValue.Empty;
            }

            if (w.ValueKind == JsonValueKind.Object)
            {
                CheckKeys(w, label + ": weight", "range");
                if (!w.TryGetProperty("range", out var r))
                {
                    throw Error(label, "weight", "an object weight is {\"range\": 0..15}");
                }

                return FwpValue.FromUInt8((byte)Number(r, label, "weight.range", 15));
            }

            return FwpValue.FromUInt64(Number(w, label, "weight", ulong.MaxValue));
        }

        private ulong Number(JsonElement n, string label, string member, ulong max)
        {
            ulong value;
            bool ok;
            if (n.ValueKind == JsonValueKind.Number)
            {
                ok = n.TryGetUInt64(out value);
            }
            else if (n.ValueKind == JsonValueKind.String)
            {
                var s = n.GetString()!.Trim();
                ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                    : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            }
            else
            {
                ok = false;
                value = 0;
            }

            if (!ok || value > max)
            {
                throw Error(label, member, $"expected a whole number 0..{max.ToString(CultureInfo.InvariantCulture)} (or a string in 0x hex), not {n.GetRawText()}");
            }

            return value;
        }

        private FilterFlags Flags(JsonElement e, string label)
        {
            if (!e.TryGetProperty("flags", out var f) || f.ValueKind == JsonValueKind.Null)
            {
                return FilterFlags.None;
            }

            if (f.ValueKind != JsonValueKind.Array)
            {
                throw Error(label, "flags", "must be an array of flag names such as [\"CLEAR_ACTION_RIGHT\"]");
            }

            var flags = FilterFlags.None;
            var i = 0;
            foreach (var item in f.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !PolicyNames.TryParseFilterFlag(item.GetString()!, out var flag))
                {
                    throw Error(label, $"flags[{i}]", $"unknown flag {item.GetRawText()} (one of {string.Join(", ", PolicyNames.FilterFlagNames)})");
                }

                flags |= flag;
                i++;
            }

            return flags;
        }

        private FilterAction Action(JsonElement e, string label)
        {
            if (!e.TryGetProperty("action", out var a))
            {
                throw Error(label, "action", "missing; write \"permit\", \"block\" or {\"callout\": \"<name or key>\", \"type\": \"terminating\"}");
            }

            if (a.ValueKind == JsonValueKind.String)
            {
                return a.GetString()!.ToUpperInvariant() switch
                {
                    "PERMIT" => FilterAction.Permit,
                    "BLOCK" => FilterAction.Block,
                    _ => throw Error(label, "action", $"expected \"permit\", \"block\" or a callout object, not {a.GetRawText()}"),
                };
            }

            if (a.ValueKind != JsonValueKind.Object)
            {
                throw Error(label, "action", "expected \"permit\", \"block\" or {\"callout\": \"<name or key>\", \"type\": \"terminating|inspection|unknown\"}");
            }

            CheckKeys(a, label + ": action", "callout", "type");
            if (!a.TryGetProperty("callout", out var c) || c.ValueKind != JsonValueKind.String)
            {
                throw Error(label, "action.callout", "missing; name a callout of this file or a built-in one, or give its key");
            }

            var text = c.GetString()!;
            if (!Resolve(text, _calloutNames, LayerCatalog.TryFindCallout, out var key, label, "action.callout"))
            {
                key = Callouts.OpenWfpCallouts.Find(text)?.Key ?? Guid.Empty;
            }

            if (key == Guid.Empty)
            {
                throw Error(label, "action.callout", $"no callout \"{text}\" in this file (callouts must come before the filters that use them) or among the built-in callouts");
            }

            var typeText = a.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "terminating";
            var type = typeText.ToUpperInvariant() switch
            {
                "TERMINATING" => ActionType.CalloutTerminating,
                "INSPECTION" => ActionType.CalloutInspection,
                "UNKNOWN" => ActionType.CalloutUnknown,
                _ => throw Error(label, "action.type", $"expected \"terminating\", \"inspection\" or \"unknown\", not \"{typeText}\""),
            };
            return FilterAction.Callout(type, key);
        }

        private List<FilterCondition> Conditions(JsonElement e, string label, LayerInfo layer)
        {
            var list = new List<FilterCondition>();
            if (!e.TryGetProperty("conditions", out var array) || array.ValueKind == JsonValueKind.Null)
            {
                return list;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                throw Error(label, "conditions", "must be an array of {\"field\", \"match\", \"value\"} objects");
            }

            var i = 0;
            foreach (var c in array.EnumerateArray())
            {
                var at = $"conditions[{i}]";
                if (c.ValueKind != JsonValueKind.Object)
                {
                    throw Error(label, at, "must be an object {\"field\": …, \"match\": …, \"value\": …}");
                }

                CheckKeys(c, label + ": " + at, "field", "match", "value", "type");
                if (!c.TryGetProperty("field", out var f) || f.ValueKind != JsonValueKind.String)
                {
                    throw Error(label, at + ".field", "missing; name a field such as \"IP_REMOTE_PORT\"");
                }

                var field = layer.FindField(f.GetString()!);
                if (field is null)
                {
                    throw Error(label, at + ".field", $"layer {layer.ShortName} has no field \"{f.GetString()}\"");
                }

                if (field.ConditionKey is not { } fieldKey)
                {
                    throw Error(label, at + ".field", $"{field.Name} is a reserved field; filters cannot test it");
                }

                var match = FwpMatchType.Equal;
                if (c.TryGetProperty("match", out var m))
                {
                    if (m.ValueKind != JsonValueKind.String || !PolicyNames.TryParseMatchType(m.GetString()!, out match))
                    {
                        throw Error(label, at + ".match", $"unknown match type {m.GetRawText()} (one of {string.Join(", ", PolicyNames.MatchTypeNames)})");
                    }
                }

                FwpDataType? type = null;
                if (c.TryGetProperty("type", out var t))
                {
                    if (t.ValueKind != JsonValueKind.String || !PolicyNames.TryParseDataType(t.GetString()!, out var forced))
                    {
                        throw Error(label, at + ".type", $"unknown data type {t.GetRawText()} (e.g. \"FWP_UINT32\", \"FWP_V4_ADDR_MASK\", \"FWP_RANGE_TYPE\")");
                    }

                    type = forced;
                }

                if (!c.TryGetProperty("value", out var v))
                {
                    throw Error(label, at + ".value", "missing");
                }

                var text = v.ValueKind switch
                {
                    JsonValueKind.String => v.GetString()!,
                    JsonValueKind.Number => v.GetRawText(),
                    _ => throw Error(label, at + ".value", $"must be a string or a number, not {v.GetRawText()}"),
                };
                try
                {
                    list.Add(new FilterCondition(fieldKey, match, FieldValueParser.ParseCondition(field, match, text, type)));
                }
                catch (FormatException ex)
                {
                    throw new PolicyFileException(source, label, at + ".value", ex.Message, ex);
                }

                i++;
            }

            return list;
        }

        private void CheckKeys(JsonElement e, string? label, params string[] allowed)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (!allowed.Contains(p.Name, StringComparer.Ordinal))
                {
                    throw Error(label, p.Name, $"unknown key (expected one of: {string.Join(", ", allowed.Where(a => a[0] != '$'))})");
                }
            }
        }

        private PolicyFileException Error(string? label, string? member, string what) => new(source, label, member, what);
    }
}
