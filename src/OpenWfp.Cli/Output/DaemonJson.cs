using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Output;

/// <summary>The <c>--json</c> output of the commands that talk to wfpd (keys in docs/CLI.md; "version" is 1).</summary>
internal static class DaemonJson
{
    private static readonly JsonWriterOptions LineOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One JSON object on one line (for streams: one object per line).</summary>
    public static string Line(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, LineOptions))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Starts a document: <c>{"version": 1, "socket": …</c>; the caller writes the rest and the end.</summary>
    public static void Head(Utf8JsonWriter w, string socket)
    {
        w.WriteStartObject();
        w.WriteNumber("version", 1);
        w.WriteString("socket", socket);
    }

    public static void WriteFilter(Utf8JsonWriter w, FilterSpec f, PolicyText names)
    {
        w.WriteStartObject();
        w.WriteNumber("filterId", f.FilterId);
        w.WriteString("key", f.Key.ToString());
        w.WriteString("name", f.DisplayData.Name);
        w.WriteString("description", f.DisplayData.Description);
        w.WriteString("layer", PolicyText.Layer(f.LayerKey));
        w.WriteString("sublayer", names.Sublayer(f.SublayerKey));
        w.WriteString("sublayerKey", (f.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : f.SublayerKey).ToString());
        w.WriteString("action", names.Action(f.Action));
        if (f.Action.IsCallout)
        {
            w.WriteString("calloutKey", f.Action.CalloutKey.ToString());
        }
        else
        {
            w.WriteNull("calloutKey");
        }

        WriteWeight(w, f.Weight);
        w.WriteNumber("effectiveWeight", f.EffectiveWeight);
        w.WriteStartArray("flags");
        foreach (var flag in PolicyNames.FilterFlagNamesOf(f.Flags))
        {
            w.WriteStringValue(flag);
        }

        w.WriteEndArray();
        w.WriteString("provider", names.Provider(f.ProviderKey));
        w.WriteString("providerKey", f.ProviderKey?.ToString());
        w.WriteString("providerContextKey", f.ProviderContextKey?.ToString());
        w.WriteString("conditionsText", f.Conditions.Count == 0 ? "" : PolicyText.Conditions(f, forText: false));
        w.WriteStartArray("conditions");
        var layer = LayerCatalog.ByKey(f.LayerKey);
        foreach (var c in f.Conditions)
        {
            var (field, op, value) = PolicyText.ConditionParts(layer, c);
            w.WriteStartObject();
            w.WriteString("field", field);
            w.WriteString("match", PolicyNames.MatchTypeName(c.MatchType));
            w.WriteString("op", op);
            w.WriteString("value", value);
            w.WriteString("type", PolicyNames.DataTypeName(c.Value.Type));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteSublayer(Utf8JsonWriter w, SublayerSpec s, PolicyText names)
    {
        w.WriteStartObject();
        w.WriteString("key", s.Key.ToString());
        w.WriteString("name", s.DisplayData.Name);
        w.WriteString("description", s.DisplayData.Description);
        w.WriteNumber("weight", s.Weight);
        w.WriteBoolean("builtin", Daemon.DaemonPolicy.IsBuiltin(s.Key));
        w.WriteBoolean("persistent", (s.Flags & SublayerFlags.Persistent) != 0);
        w.WriteString("provider", names.Provider(s.ProviderKey));
        w.WriteString("providerKey", s.ProviderKey?.ToString());
        w.WriteEndObject();
    }

    public static void WriteCallout(Utf8JsonWriter w, CalloutSpec c, PolicyText names)
    {
        w.WriteStartObject();
        w.WriteNumber("calloutId", c.CalloutId);
        w.WriteString("key", c.Key.ToString());
        w.WriteString("name", c.DisplayData.Name);
        w.WriteString("description", c.DisplayData.Description);
        w.WriteString("layer", c.ApplicableLayer == Guid.Empty ? null : PolicyText.Layer(c.ApplicableLayer));
        w.WriteBoolean("builtin", Daemon.DaemonPolicy.IsBuiltin(c.Key));
        w.WriteBoolean("persistent", (c.Flags & CalloutFlags.Persistent) != 0);
        w.WriteBoolean("usesProviderContext", (c.Flags & CalloutFlags.UsesProviderContext) != 0);
        w.WriteString("provider", names.Provider(c.ProviderKey));
        w.WriteString("providerKey", c.ProviderKey?.ToString());
        w.WriteEndObject();
    }

    public static void WriteProvider(Utf8JsonWriter w, ProviderSpec p)
    {
        w.WriteStartObject();
        w.WriteString("key", p.Key.ToString());
        w.WriteString("name", p.DisplayData.Name);
        w.WriteString("description", p.DisplayData.Description);
        w.WriteBoolean("builtin", Daemon.DaemonPolicy.IsBuiltin(p.Key));
        w.WriteBoolean("persistent", (p.Flags & ProviderFlags.Persistent) != 0);
        w.WriteBoolean("disabled", (p.Flags & ProviderFlags.Disabled) != 0);
        w.WriteString("serviceName", p.ServiceName);
        w.WriteEndObject();
    }

    public static void WriteNetEvent(Utf8JsonWriter w, FwpmNetEvent e, string? filterName)
    {
        w.WriteStartObject();
        w.WriteString("time", e.TimeStamp.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteNumber("sequence", e.Sequence);
        w.WriteString("type", NetEventText.Type(e));
        w.WriteString("direction", NetEventText.Direction(e));
        w.WriteString("layer", e.LayerName.Length > 0 ? e.LayerName : LayerCatalog.ById(e.LayerId)?.ShortName);
        w.WriteNumber("layerId", e.LayerId);
        w.WriteNumber("filterId", e.FilterId);
        w.WriteString("filterName", filterName);
        if (e.CalloutId != 0)
        {
            w.WriteNumber("calloutId", e.CalloutId);
            w.WriteString("calloutDetail", e.CalloutDetail);
        }

        w.WriteNumber("ipVersion", e.IpVersion);
        w.WriteString("protocol", NetEventText.Protocol(e.IpProtocol));
        w.WriteString("localAddress", e.LocalAddress?.ToString());
        w.WriteNumber("localPort", e.LocalPort);
        w.WriteString("remoteAddress", e.RemoteAddress?.ToString());
        w.WriteNumber("remotePort", e.RemotePort);
        w.WriteString("app", NetEventText.App(e));
        w.WriteString("user", e.UserId?.ToString());
        w.WriteBoolean("loopback", e.IsLoopback);
        w.WriteStartArray("terminatingFilters");
        foreach (var t in e.TerminatingFilters)
        {
            w.WriteStartObject();
            w.WriteNumber("filterId", t.FilterId);
            w.WriteString("sublayerKey", t.SublayerKey.ToString());
            w.WriteString("action", DecisionSummary.ActionName(t.Action));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteWeight(Utf8JsonWriter w, FwpValue weight)
    {
        switch (weight.Type)
        {
            case FwpDataType.UInt8:
                w.WriteString("weight", "range:" + weight.RawUInt64.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case FwpDataType.UInt64:
                w.WriteNumber("weight", weight.RawUInt64);
                break;
            default:
                w.WriteNull("weight");
                break;
        }
    }
}
