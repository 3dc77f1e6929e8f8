using System.Globalization;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp show …</c>: one GetState (one read transaction), printed as a table or one JSON document.</summary>
internal sealed class ShowCommand(CliConsole console)
{
    public int Run(ShowArguments args)
    {
        var layer = args.Layer is null ? null : InputResolver.ResolveLayer(args.Layer);
        var template = args.What == "netevents" ? (args.Events ?? NetEventFilterArguments.None).ToTemplate(DateTimeOffset.UtcNow) : null;
        return DaemonSession.Run(args.Socket, console.DaemonWait, "show " + args.What, async (client, socket) =>
        {
            switch (args.What)
            {
                case "layers":
                    var layers = layer is null
                        ? await client.EnumLayersAsync().ConfigureAwait(false)
                        : [await client.GetLayerAsync(layer.Key).ConfigureAwait(false)];
                    new ShowLayersAndSessions(console).Layers(args, socket, layers, single: layer is not null);
                    return 0;
                case "sessions":
                    var sessions = await client.EnumSessionsAsync().ConfigureAwait(false);
                    new ShowLayersAndSessions(console).Sessions(args, socket, sessions, client.SessionKey);
                    return 0;
            }

            var state = await client.GetStateAsync().ConfigureAwait(false);
            var names = new PolicyText(state);
            switch (args.What)
            {
                case "filters":
                    Filters(args, socket, state, names, layer);
                    break;
                case "sublayers":
                    Sublayers(args, socket, state, names);
                    break;
                case "callouts":
                    Callouts(args, socket, state, names);
                    break;
                case "providers":
                    Providers(args, socket, state);
                    break;
                case "provider-contexts":
                    new ShowLayersAndSessions(console).ProviderContexts(args, socket, state, names);
                    break;
                case "state":
                    State(args, socket, state);
                    break;
                default:
                    var events = await client.EnumNetEventsAsync(template).ConfigureAwait(false);
                    NetEvents(args, socket, state, events, filtered: template is not null);
                    break;
            }

            return 0;
        });
    }

    private Painter Paint => new(console.Color);

    private void Filters(ShowArguments args, string socket, BfeState state, PolicyText names, LayerInfo? layer)
    {
        var filters = state.Filters.Where(f => layer is null || f.LayerKey == layer.Key).OrderBy(f => f.FilterId).ToList();
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Build(w =>
            {
                DaemonJson.Head(w, socket);
                w.WriteNumber("generation", state.Generation);
                w.WriteString("layer", layer?.ShortName);
                w.WriteStartArray("filters");
                foreach (var f in filters)
                {
                    DaemonJson.WriteFilter(w, f, names);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        if (filters.Count == 0)
        {
            console.Out.WriteLine(layer is null ? "no filters" : $"no filters at {layer.ShortName}");
            return;
        }

        var paint = Paint;
        var table = new TextTable(paint, "id", "name", "layer", "sublayer", "action", "flags", "weight", "conditions").AlignRight(0);
        foreach (var f in filters)
        {
            var action = names.Action(f.Action);
            var flags = PolicyText.Flags(f.Flags);
            table.Add(
                f.FilterId.ToString(CultureInfo.InvariantCulture),
                f.DisplayData.Name,
                PolicyText.Layer(f.LayerKey),
                names.Sublayer(f.SublayerKey),
                new TextTable.Cell(action, t => paint.Action(action, t)),
                flags.Length == 0 ? "-" : flags,
                PolicyText.Weight(f.EffectiveWeight),
                PolicyText.Conditions(f));
        }

        table.Write(console.Out);
    }

    private void Sublayers(ShowArguments args, string socket, BfeState state, PolicyText names)
    {
        var sublayers = state.Sublayers
            .Where(s => args.All || !DaemonPolicy.IsBuiltin(s.Key))
            .OrderByDescending(s => s.Weight).ThenBy(s => s.DisplayData.Name, StringComparer.Ordinal).ToList();
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Build(w =>
            {
                DaemonJson.Head(w, socket);
                w.WriteStartArray("sublayers");
                foreach (var s in sublayers)
                {
                    DaemonJson.WriteSublayer(w, s, names);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        var table = new TextTable(Paint, "weight", "name", "key", "provider", "flags");
        foreach (var s in sublayers)
        {
            table.Add(
                "0x" + s.Weight.ToString("x4", CultureInfo.InvariantCulture),
                s.DisplayData.Name,
                s.Key.ToString(),
                names.Provider(s.ProviderKey) ?? "-",
                Flags(DaemonPolicy.IsBuiltin(s.Key), (s.Flags & SublayerFlags.Persistent) != 0));
        }

        WriteListing(table, "sublayers", state.Sublayers.Count(s => DaemonPolicy.IsBuiltin(s.Key)), args.All);
    }

    private void Callouts(ShowArguments args, string socket, BfeState state, PolicyText names)
    {
        var callouts = state.Callouts.Where(c => args.All || !DaemonPolicy.IsBuiltin(c.Key)).OrderBy(c => c.CalloutId).ToList();
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Build(w =>
            {
                DaemonJson.Head(w, socket);
                w.WriteStartArray("callouts");
                foreach (var c in callouts)
                {
                    DaemonJson.WriteCallout(w, c, names);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        var table = new TextTable(Paint, "id", "name", "layer", "key", "provider", "flags").AlignRight(0);
        foreach (var c in callouts)
        {
            table.Add(
                c.CalloutId.ToString(CultureInfo.InvariantCulture),
                c.DisplayData.Name,
                c.ApplicableLayer == Guid.Empty ? "(any)" : PolicyText.Layer(c.ApplicableLayer),
                c.Key.ToString(),
                names.Provider(c.ProviderKey) ?? "-",
                Flags(DaemonPolicy.IsBuiltin(c.Key), (c.Flags & CalloutFlags.Persistent) != 0));
        }

        WriteListing(table, "callouts", state.Callouts.Count(c => DaemonPolicy.IsBuiltin(c.Key)), args.All);
    }

    private void Providers(ShowArguments args, string socket, BfeState state)
    {
        var providers = state.Providers.Where(p => args.All || !DaemonPolicy.IsBuiltin(p.Key)).OrderBy(p => p.DisplayData.Name, StringComparer.Ordinal).ToList();
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Build(w =>
            {
                DaemonJson.Head(w, socket);
                w.WriteStartArray("providers");
                foreach (var p in providers)
                {
                    DaemonJson.WriteProvider(w, p);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        var table = new TextTable(Paint, "name", "key", "service", "flags");
        foreach (var p in providers)
        {
            var flags = Flags(DaemonPolicy.IsBuiltin(p.Key), (p.Flags & ProviderFlags.Persistent) != 0);
            if ((p.Flags & ProviderFlags.Disabled) != 0)
            {
                flags = flags == "-" ? "disabled" : flags + " disabled";
            }

            table.Add(p.DisplayData.Name, p.Key.ToString(), p.ServiceName ?? "-", flags);
        }

        WriteListing(table, "providers", state.Providers.Count(p => DaemonPolicy.IsBuiltin(p.Key)), args.All);
    }

    private void State(ShowArguments args, string socket, BfeState state)
    {
        var kinds = new (string Name, int Own, int Builtin)[]
        {
            ("providers", state.Providers.Count(p => !DaemonPolicy.IsBuiltin(p.Key)), state.Providers.Count(p => DaemonPolicy.IsBuiltin(p.Key))),
            ("sublayers", state.Sublayers.Count(s => !DaemonPolicy.IsBuiltin(s.Key)), state.Sublayers.Count(s => DaemonPolicy.IsBuiltin(s.Key))),
            ("callouts", state.Callouts.Count(c => !DaemonPolicy.IsBuiltin(c.Key)), state.Callouts.Count(c => DaemonPolicy.IsBuiltin(c.Key))),
            ("provider contexts", state.ProviderContexts.Count, 0),
            ("filters", state.Filters.Count, 0),
        };
        var persistent = state.Filters.Count(f => (f.Flags & FilterFlags.Persistent) != 0);
        var bootTime = state.Filters.Count(f => (f.Flags & FilterFlags.BootTime) != 0);
        var disabled = state.Filters.Count(f => (f.Flags & FilterFlags.Disabled) != 0);
        var layers = state.Filters
            .GroupBy(f => f.LayerKey)
            .Select(g => (
                Layer: PolicyText.Layer(g.Key),
                Id: LayerCatalog.ByKey(g.Key)?.LayerId ?? ushort.MaxValue,
                Filters: g.Count(),
                Permit: g.Count(f => f.Action.Type == ActionType.Permit),
                Block: g.Count(f => f.Action.Type == ActionType.Block),
                Callout: g.Count(f => f.Action.IsCallout)))
            .OrderBy(l => l.Id)
            .ToList();
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Build(w =>
            {
                DaemonJson.Head(w, socket);
                w.WriteNumber("generation", state.Generation);
                foreach (var (name, own, builtin) in kinds)
                {
                    w.WriteStartObject(name == "provider contexts" ? "providerContexts" : name);
                    w.WriteNumber("count", own);
                    if (name is "providers" or "sublayers" or "callouts")
                    {
                        w.WriteNumber("builtin", builtin);
                    }

                    if (name == "filters")
                    {
                        w.WriteNumber("persistent", persistent);
                        w.WriteNumber("bootTime", bootTime);
                        w.WriteNumber("disabled", disabled);
                    }

                    w.WriteEndObject();
                }

                w.WriteStartArray("layers");
                foreach (var l in layers)
                {
                    w.WriteStartObject();
                    w.WriteString("layer", l.Layer);
                    w.WriteNumber("filters", l.Filters);
                    w.WriteNumber("permit", l.Permit);
                    w.WriteNumber("block", l.Block);
                    w.WriteNumber("callout", l.Callout);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        var o = console.Out;
        o.WriteLine($"wfpd at {socket}, policy generation {state.Generation.ToString(CultureInfo.InvariantCulture)}");
        var width = kinds.Max(k => k.Name.Length);
        var countWidth = kinds.Max(k => k.Own.ToString(CultureInfo.InvariantCulture).Length);
        foreach (var (name, own, builtin) in kinds)
        {
            var note = name switch
            {
                "providers" or "sublayers" or "callouts" => $"  (+{builtin.ToString(CultureInfo.InvariantCulture)} built-in)",
                "filters" => $"  ({persistent.ToString(CultureInfo.InvariantCulture)} persistent, {bootTime.ToString(CultureInfo.InvariantCulture)} boot-time, {disabled.ToString(CultureInfo.InvariantCulture)} disabled)",
                _ => "",
            };
            o.WriteLine($"  {name.PadRight(width)}  {own.ToString(CultureInfo.InvariantCulture).PadLeft(countWidth)}{Paint.Dim(note)}");
        }

        if (layers.Count == 0)
        {
            return;
        }

        o.WriteLine();
        var table = new TextTable(Paint, "layer", "filters", "permit", "block", "callout").AlignRight(1, 2, 3, 4);
        foreach (var l in layers)
        {
            table.Add(
                l.Layer,
                l.Filters.ToString(CultureInfo.InvariantCulture),
                l.Permit.ToString(CultureInfo.InvariantCulture),
                l.Block.ToString(CultureInfo.InvariantCulture),
                l.Callout.ToString(CultureInfo.InvariantCulture));
        }

        table.Write(o, "  ");
    }

    private void NetEvents(ShowArguments args, string socket, BfeState state, IReadOnlyList<FwpmNetEvent> events, bool filtered)
    {
        var filterNames = FilterNames(state);
        if (args.Json)
        {
            console.Out.WriteLine(JsonReport.Build(w =>
            {
                DaemonJson.Head(w, socket);
                w.WriteStartArray("netEvents");
                foreach (var e in events)
                {
                    DaemonJson.WriteNetEvent(w, e, filterNames.GetValueOrDefault(e.FilterId));
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            return;
        }

        if (events.Count == 0)
        {
            console.Out.WriteLine(filtered ? "no net events match" : "no net events");
            return;
        }

        var paint = Paint;
        var withApp = events.Any(e => e.AppId is { Length: > 0 });
        var headers = withApp
            ? new[] { "time", "type", "dir", "layer", "filter", "connection", "app" }
            : ["time", "type", "dir", "layer", "filter", "connection"];
        var table = new TextTable(paint, headers);
        foreach (var e in events)
        {
            var type = NetEventText.Type(e);
            var cells = new List<TextTable.Cell>
            {
                NetEventText.Time(e),
                new(type, t => paint.Action(type == "drop" ? "block" : "permit", t)),
                NetEventText.Direction(e),
                e.LayerName.Length > 0 ? e.LayerName : LayerCatalog.ById(e.LayerId)?.ShortName ?? "-",
                NetEventText.Filter(e.FilterId, filterNames.GetValueOrDefault(e.FilterId)),
                NetEventText.Connection(e),
            };
            if (withApp)
            {
                cells.Add(NetEventText.App(e) ?? "-");
            }

            table.Add([.. cells]);
        }

        table.Write(console.Out);
    }

    /// <summary>Filter names by id, boot-time filters included.</summary>
    internal static Dictionary<ulong, string> FilterNames(BfeState state)
    {
        var names = new Dictionary<ulong, string>();
        foreach (var f in state.Filters)
        {
            names.TryAdd(f.FilterId, f.DisplayData.Name);
        }

        return names;
    }

    private void WriteListing(TextTable table, string what, int builtin, bool all)
    {
        if (table.Count == 0)
        {
            console.Out.WriteLine($"no {what}" + (all || builtin == 0 ? "" : $" besides the {builtin.ToString(CultureInfo.InvariantCulture)} built-in ones (--all lists them)"));
            return;
        }

        table.Write(console.Out);
        if (!all && builtin > 0)
        {
            console.Out.WriteLine(Paint.Dim($"({builtin.ToString(CultureInfo.InvariantCulture)} built-in {what} not shown; --all lists them)"));
        }
    }

    private static string Flags(bool builtin, bool persistent) =>
        (builtin, persistent) switch
        {
            (true, _) => "built-in",
            (false, true) => "persistent",
            _ => "-",
        };
}
