using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// Writes a <see cref="PolicyDocument"/> in the native JSON format, in the shape <see cref="PolicyJsonReader"/>
/// reads (reading the output gives the same objects). References are written by name where the file or the
/// catalog has one, so the output stays readable.
/// </summary>
public static class PolicyJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,

        // Policy files are for people: keep quotes and non-ASCII names readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The document as JSON text.</summary>
    public static string Write(PolicyDocument document)
    {
        using var stream = new MemoryStream();
        Write(document, stream);
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Writes the document as UTF-8 JSON to <paramref name="stream"/>.</summary>
    public static void Write(PolicyDocument document, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(stream);
        var providers = document.Providers.ToDictionary(p => p.Key, p => p.DisplayData.Name);
        var sublayers = document.Sublayers.ToDictionary(s => s.Key, s => s.DisplayData.Name);
        var callouts = document.Callouts.ToDictionary(c => c.Key, c => c.DisplayData.Name);
        using var w = new Utf8JsonWriter(stream, Options);
        w.WriteStartObject();
        w.WriteNumber("version", PolicyDocument.CurrentVersion);
        if (document.Description is { } description)
        {
            w.WriteString("description", description);
        }

        w.WriteStartArray("providers");
        foreach (var p in document.Providers)
        {
            w.WriteStartObject();
            WriteHead(w, p.Key, p.DisplayData);
            if (p.Flags != ProviderFlags.None)
            {
                w.WriteNumber("flags", (uint)p.Flags);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("sublayers");
        foreach (var s in document.Sublayers)
        {
            w.WriteStartObject();
            WriteHead(w, s.Key, s.DisplayData);
            w.WriteString("weight", $"0x{s.Weight:x4}");
            WriteRef(w, "provider", s.ProviderKey, providers);
            if (s.Flags != SublayerFlags.None)
            {
                w.WriteNumber("flags", (uint)s.Flags);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("callouts");
        foreach (var c in document.Callouts)
        {
            w.WriteStartObject();
            WriteHead(w, c.Key, c.DisplayData);
            w.WriteString("layer", LayerCatalog.ByKey(c.ApplicableLayer)?.ShortName ?? c.ApplicableLayer.ToString());
            WriteRef(w, "provider", c.ProviderKey, providers);
            if (c.Flags != CalloutFlags.None)
            {
                w.WriteNumber("flags", (uint)c.Flags);
            }

            if (c.CalloutId != 0)
            {
                w.WriteNumber("calloutId", c.CalloutId);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("providerContexts");
        foreach (var c in document.ProviderContexts)
        {
            w.WriteStartObject();
            WriteHead(w, c.Key, c.DisplayData);
            w.WriteString("type", Netsh.NetshProviderContexts.TypeName(c.Type));
            if (c.Flags != ProviderContextFlags.None)
            {
                w.WriteNumber("flags", (uint)c.Flags);
            }

            WriteRef(w, "provider", c.ProviderKey, providers);
            if (c.ProviderContextId != 0)
            {
                w.WriteNumber("providerContextId", c.ProviderContextId);
            }

            if (c.Policy is { } policy)
            {
                w.WritePropertyName("policy");
                WriteNode(w, policy);
            }
            else
            {
                w.WriteString("data", Convert.ToHexStringLower(c.Data ?? []));
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("filters");
        foreach (var f in document.Filters)
        {
            WriteFilter(w, f, sublayers, callouts, providers);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFilter(Utf8JsonWriter w, FilterSpec f, Dictionary<Guid, string> sublayers, Dictionary<Guid, string> callouts, Dictionary<Guid, string> providers)
    {
        var layer = LayerCatalog.ByKey(f.LayerKey);
        w.WriteStartObject();
        WriteHead(w, f.Key, f.DisplayData);
        if (f.FilterId != 0)
        {
            w.WriteNumber("filterId", f.FilterId);
        }

        w.WriteString("layer", layer?.ShortName ?? f.LayerKey.ToString());
        if (f.SublayerKey != Guid.Empty)
        {
            WriteRef(w, "sublayer", f.SublayerKey, sublayers);
        }

        switch (f.Weight.Type)
        {
            case FwpDataType.UInt64:
                w.WriteNumber("weight", f.Weight.RawUInt64);
                break;
            case FwpDataType.UInt8:
                w.WriteStartObject("weight");
                w.WriteNumber("range", f.Weight.RawUInt64);
                w.WriteEndObject();
                break;
            default:
                break;
        }

        var flags = PolicyNames.FilterFlagNamesOf(f.Flags);
        if (flags.Count > 0)
        {
            w.WriteStartArray("flags");
            foreach (var flag in flags)
            {
                w.WriteStringValue(flag);
            }

            w.WriteEndArray();
        }

        WriteRef(w, "provider", f.ProviderKey, providers);
        if (f.ProviderContextKey is { } contextKey)
        {
            w.WriteString("providerContext", contextKey.ToString());
        }

        if (f.RawContext != 0)
        {
            w.WriteNumber("rawContext", f.RawContext);
        }
        switch (f.Action.Type)
        {
            case ActionType.Permit:
                w.WriteString("action", "permit");
                break;
            case ActionType.Block:
                w.WriteString("action", "block");
                break;
            default:
                w.WriteStartObject("action");
                WriteRef(w, "callout", f.Action.CalloutKey, callouts);
                w.WriteString("type", f.Action.Type switch
                {
                    ActionType.CalloutInspection => "inspection",
                    ActionType.CalloutUnknown => "unknown",
                    _ => "terminating",
                });
                w.WriteEndObject();
                break;
        }

        w.WriteStartArray("conditions");
        foreach (var c in f.Conditions)
        {
            var field = layer is null ? null : layer.FieldIndexOf(c.FieldKey) is var i and >= 0 ? layer.Fields[i] : null;
            w.WriteStartObject();
            if (field is null)
            {
                // Not representable by name; the reader will report it against this layer.
                w.WriteString("field", c.FieldKey.ToString());
                w.WriteString("match", PolicyNames.MatchTypeName(c.MatchType));
                w.WriteString("value", c.Value.ToString());
            }
            else
            {
                var text = FieldValueParser.FormatCondition(field, c.Value);
                w.WriteString("field", field.Name);
                w.WriteString("match", PolicyNames.MatchTypeName(c.MatchType));
                w.WriteString("value", text);
                if (FieldValueParser.DefaultConditionType(field, c.MatchType, text) != c.Value.Type)
                {
                    w.WriteString("type", PolicyNames.DataTypeName(c.Value.Type));
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter w, ProviderContextNode node)
    {
        w.WriteStartObject();
        w.WriteString("name", node.Name);
        if (node.Children.Count == 0)
        {
            w.WriteString("text", node.Text);
        }
        else
        {
            w.WriteStartArray(node.IsList ? "items" : "fields");
            foreach (var c in node.Children)
            {
                WriteNode(w, c);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter w, Guid key, DisplayData display)
    {
        w.WriteString("key", key.ToString());
        w.WriteString("name", display.Name);
        if (display.Description is { } description)
        {
            w.WriteString("description", description);
        }
    }

    private static void WriteRef(Utf8JsonWriter w, string member, Guid? key, Dictionary<Guid, string> inFile)
    {
        if (key is not { } k)
        {
            return;
        }

        var name = inFile.TryGetValue(k, out var n) && inFile.Values.Count(v => v == n) == 1 ? n : LayerCatalog.BuiltinNameOf(k);
        w.WriteString(member, name ?? k.ToString());
    }
}
