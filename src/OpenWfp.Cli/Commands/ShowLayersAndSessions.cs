using System.Globalization;
using System.Text.Json;
using OpenWfp.Cli.Output;
using OpenWfp.Client;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;

namespace OpenWfp.Cli.Commands;

/// <summary>The listings of <c>wfp show</c> that come from their own calls: layers, sessions, and provider contexts.</summary>
internal sealed class ShowLayersAndSessions(CliConsole console)
{
    /// <summary>FWPM_LAYER_FLAG_KERNEL (fwpmtypes.h).</summary>
    private const uint LayerFlagKernel = 0x1;

    private Painter Paint => new(console.Color);

    public void Layers(ShowArguments args, string socket, IReadOnlyList<FwpmLayer0> layers, bool single)
    {
        if (args.Json)
        {
            WriteJsonList(socket, "layers", layers, WriteLayer);
            return;
        }

        if (single)
        {
            var l = layers[0];
            var o = console.Out;
            o.WriteLine($"{l.Name}  (layer id {l.LayerId.ToString(CultureInfo.InvariantCulture)}, {Mode(l)})");
            o.WriteLine($"  key               {PolicyText.Braced(l.LayerKey)}");
            o.WriteLine($"  default sublayer  {Engine.Catalog.LayerCatalog.BuiltinNameOf(l.DefaultSubLayerKey) ?? PolicyText.Braced(l.DefaultSubLayerKey)}");
            o.WriteLine($"  fields            {l.Fields.Count.ToString(CultureInfo.InvariantCulture)}");
            o.WriteLine();
            var fields = new TextTable(Paint, "field", "type", "kind", "key");
            foreach (var f in l.Fields)
            {
                fields.Add(ShortCondition(f.Name), PolicyNames.DataTypeName(f.DataType), FieldKind(f.Type), f.FieldKey.ToString());
            }

            fields.Write(o, "  ");
            return;
        }

        var table = new TextTable(Paint, "id", "layer", "mode", "fields").AlignRight(0, 3);
        foreach (var l in layers)
        {
            table.Add(l.LayerId.ToString(CultureInfo.InvariantCulture), ShortLayer(l.Name), Mode(l), l.Fields.Count.ToString(CultureInfo.InvariantCulture));
        }

        table.Write(console.Out);
    }

    public void Sessions(ShowArguments args, string socket, IReadOnlyList<FwpmSession0> sessions, string ownKey)
    {
        if (args.Json)
        {
            WriteJsonList(socket, "sessions", sessions, (w, s) =>
            {
                w.WriteStartObject();
                w.WriteString("sessionKey", s.SessionKey.ToString());
                w.WriteString("name", s.DisplayData?.Name);
                w.WriteString("description", s.DisplayData?.Description);
                w.WriteNumber("flags", s.Flags);
                w.WriteBoolean("dynamic", (s.Flags & FwpmConstants.FWPM_SESSION_FLAG_DYNAMIC) != 0);
                w.WriteNumber("txnWaitTimeoutInMSec", s.TxnWaitTimeoutInMSec);
                w.WriteNumber("processId", s.ProcessId);
                w.WriteNumber("uid", s.Uid);
                w.WriteString("sid", s.Sid);
                w.WriteString("username", s.Username);
                w.WriteBoolean("kernelMode", s.KernelMode);
                w.WriteBoolean("inTransaction", s.InTransaction);
                w.WriteBoolean("self", s.SessionKey.ToString() == ownKey);
                w.WriteEndObject();
            });
            return;
        }

        var table = new TextTable(Paint, "session", "name", "kind", "txn wait", "pid", "user", "txn");
        foreach (var s in sessions)
        {
            var self = s.SessionKey.ToString() == ownKey;
            table.Add(
                s.SessionKey.ToString(),
                (s.DisplayData?.Name is { Length: > 0 } n ? n : "-") + (self ? " (this command)" : ""),
                (s.Flags & FwpmConstants.FWPM_SESSION_FLAG_DYNAMIC) != 0 ? "dynamic" : "static",
                s.TxnWaitTimeoutInMSec == uint.MaxValue ? "infinite" : s.TxnWaitTimeoutInMSec.ToString(CultureInfo.InvariantCulture) + " ms",
                s.ProcessId.ToString(CultureInfo.InvariantCulture),
                s.Username ?? "-",
                s.InTransaction ? "open" : "-");
        }

        table.Write(console.Out);
    }

    public void ProviderContexts(ShowArguments args, string socket, BfeState state, PolicyText names)
    {
        var contexts = state.ProviderContexts.OrderBy(c => c.ProviderContextId).ToList();
        if (args.Json)
        {
            WriteJsonList(socket, "providerContexts", contexts, (w, c) => AddObjectCommand.WriteProviderContext(w, c, names));
            return;
        }

        if (contexts.Count == 0)
        {
            console.Out.WriteLine("no provider contexts");
            return;
        }

        var table = new TextTable(Paint, "id", "name", "type", "key", "provider", "flags", "data").AlignRight(0);
        foreach (var c in contexts)
        {
            table.Add(
                c.ProviderContextId.ToString(CultureInfo.InvariantCulture),
                c.DisplayData.Name,
                AddObjectCommand.TypeName(c.Type),
                c.Key.ToString(),
                names.Provider(c.ProviderKey) ?? "-",
                (c.Flags & ProviderContextFlags.Persistent) != 0 ? "persistent" : "-",
                AddObjectCommand.DataText(c) is { } text ? Quote(text) : $"{(c.Data?.Length ?? 0).ToString(CultureInfo.InvariantCulture)} bytes");
        }

        table.Write(console.Out);
    }

    // One document: the head, then the items as one array under `property`.
    private void WriteJsonList<T>(string socket, string property, IEnumerable<T> items, Action<Utf8JsonWriter, T> write) =>
        console.Out.WriteLine(JsonReport.Build(w =>
        {
            DaemonJson.Head(w, socket);
            w.WriteStartArray(property);
            foreach (var item in items)
            {
                write(w, item);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

    private static void WriteLayer(Utf8JsonWriter w, FwpmLayer0 l)
    {
        w.WriteStartObject();
        w.WriteString("name", ShortLayer(l.Name));
        w.WriteString("constant", l.Name);
        w.WriteString("key", l.LayerKey.ToString());
        w.WriteNumber("layerId", l.LayerId);
        w.WriteNumber("flags", l.Flags);
        w.WriteBoolean("kernel", (l.Flags & LayerFlagKernel) != 0);
        w.WriteString("defaultSublayerKey", l.DefaultSubLayerKey.ToString());
        w.WriteStartArray("fields");
        foreach (var f in l.Fields)
        {
            w.WriteStartObject();
            w.WriteString("name", ShortCondition(f.Name));
            w.WriteString("fieldKey", f.FieldKey.ToString());
            w.WriteString("dataType", PolicyNames.DataTypeName(f.DataType));
            w.WriteString("kind", FieldKind(f.Type));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Mode(FwpmLayer0 l) => (l.Flags & LayerFlagKernel) != 0 ? "kernel" : "user";

    // FWPM_FIELD_TYPE (fwpmtypes.h): RAW_DATA 0, IP_ADDRESS 1, FLAGS 2.
    private static string FieldKind(uint type) => type switch
    {
        1 => "ip-address",
        2 => "flags",
        _ => "raw",
    };

    private static string ShortLayer(string name) => name.StartsWith("FWPM_LAYER_", StringComparison.Ordinal) ? name["FWPM_LAYER_".Length..] : name;

    private static string ShortCondition(string name) => name.StartsWith("FWPM_CONDITION_", StringComparison.Ordinal) ? name["FWPM_CONDITION_".Length..] : name;

    private static string Quote(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ");
        return "\"" + (oneLine.Length > 40 ? oneLine[..37] + "..." : oneLine) + "\"";
    }
}
