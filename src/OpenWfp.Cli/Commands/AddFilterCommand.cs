using System.Globalization;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp add filter</c>: build one FWPM_FILTER0 from the options and add it.</summary>
internal sealed class AddFilterCommand(CliConsole console)
{
    public int Run(AddFilterArguments args)
    {
        // Everything that needs no daemon is checked first, so a typo costs no connection.
        var layer = InputResolver.ResolveLayer(args.Layer);
        var conditions = args.Conditions.Select(c => ConditionParser.Parse(layer, c)).ToList();
        var weight = ParseWeight(args.Weight);
        var (actionType, calloutText) = ParseAction(args.Action);
        Guid? key = null;
        if (args.Key is not null)
        {
            key = Guid.TryParse(args.Key, out var k) && k != Guid.Empty
                ? k
                : throw new CliUserException($"--key {args.Key}: expected a non-zero GUID such as 9b0e1a3c-0d7f-4c55-a1d2-3e4f5a6b7c8d");
        }

        var flags = FilterFlags.None;
        flags |= args.Hard ? FilterFlags.ClearActionRight : 0;
        flags |= args.Persistent ? FilterFlags.Persistent : 0;
        flags |= args.BootTime ? FilterFlags.BootTime : 0;

        return DaemonSession.Run(args.Socket, console.DaemonWait, "add filter", async (client, socket) =>
        {
            var sublayers = await client.EnumSublayersAsync().ConfigureAwait(false);
            var providers = await client.EnumProvidersAsync().ConfigureAwait(false);
            var callouts = calloutText is null ? [] : await client.EnumCalloutsAsync().ConfigureAwait(false);
            var sublayer = Resolve($"--sublayer {args.Sublayer}", "sublayer", args.Sublayer, LayerCatalog.TryFindSublayer, sublayers.Select(s => (s.Key, s.DisplayData.Name)));
            var provider = Resolve($"--provider {args.Provider}", "provider", args.Provider, LayerCatalog.TryFindProvider, providers.Select(p => (p.Key, p.DisplayData.Name)));
            var callout = Resolve($"--action {args.Action}", "callout", calloutText, LayerCatalog.TryFindCallout, callouts.Select(c => (c.Key, c.DisplayData.Name)));
            var context = await ResolveProviderContextAsync(client, args.ProviderContext).ConfigureAwait(false);
            var names = new PolicyText(new BfeState(providers, sublayers, callouts, [], [], 0));
            var filter = new FilterSpec
            {
                Key = key ?? Guid.Empty,
                LayerKey = layer.Key,
                SublayerKey = sublayer ?? Guid.Empty,
                ProviderKey = provider,
                ProviderContextKey = context,
                Weight = weight,
                Flags = flags | (context is null ? 0 : FilterFlags.HasProviderContext),
                Conditions = conditions,
                Action = callout is { } c ? FilterAction.Callout(actionType, c) : new FilterAction(actionType),
            };
            var name = args.Name ?? DefaultName(filter, names, layer);
            filter = filter with { DisplayData = new DisplayData(name, args.Description) };

            var stored = await client.AddFilterAsync(filter).ConfigureAwait(false);
            if (args.Json)
            {
                console.Out.WriteLine(JsonReport.Build(w =>
                {
                    DaemonJson.Head(w, socket);
                    w.WritePropertyName("filter");
                    DaemonJson.WriteFilter(w, stored, names);
                    w.WriteEndObject();
                }));
            }
            else
            {
                var traits = PolicyText.Flags(stored.Flags);
                console.Out.WriteLine($"added filter {stored.FilterId.ToString(CultureInfo.InvariantCulture)} \"{stored.DisplayData.Name}\" {PolicyText.Braced(stored.Key)}");
                console.Out.WriteLine($"  {layer.ShortName}, sublayer {names.Sublayer(stored.SublayerKey)}, {names.Action(stored.Action)}{(traits.Length > 0 ? " " + traits : "")}, weight {PolicyText.Weight(stored.EffectiveWeight)}");
                console.Out.WriteLine($"  {PolicyText.Conditions(stored)}");
            }

            return 0;
        });
    }

    /// <summary><c>--weight</c>: FWP_UINT64 as given, <c>range:N</c> as FWP_UINT8, absent as FWP_EMPTY (automatic).</summary>
    internal static FwpValue ParseWeight(string? text)
    {
        if (text is null)
        {
            return FwpValue.Empty;
        }

        var s = text.Trim();
        if (s.StartsWith("range:", StringComparison.OrdinalIgnoreCase))
        {
            return byte.TryParse(s.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var range) && range <= 15
                ? FwpValue.FromUInt8(range)
                : throw new CliUserException($"--weight {text}: a weight range is range:0 … range:15");
        }

        var ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) && s.Length > 2
            : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok ? FwpValue.FromUInt64(value) : throw new CliUserException($"--weight {text}: expected a number (decimal or 0x hex, up to 64 bits) or range:N (N 0..15)");
    }

    private static (ActionType Type, string? Callout) ParseAction(string text)
    {
        var s = text.Trim();
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        var head = (colon < 0 ? s : s[..colon]).ToUpperInvariant();
        var tail = colon < 0 ? null : s[(colon + 1)..].Trim();
        (ActionType, string?) result = head switch
        {
            "PERMIT" when tail is null => (ActionType.Permit, null),
            "BLOCK" when tail is null => (ActionType.Block, null),
            "CALLOUT" or "CALLOUT-TERMINATING" when !string.IsNullOrEmpty(tail) => (ActionType.CalloutTerminating, tail),
            "CALLOUT-INSPECTION" when !string.IsNullOrEmpty(tail) => (ActionType.CalloutInspection, tail),
            "CALLOUT-UNKNOWN" when !string.IsNullOrEmpty(tail) => (ActionType.CalloutUnknown, tail),
            _ => throw new CliUserException($"--action {text}: expected permit, block or callout:NAME (a callout's name or key, or a built-in FWPM_CALLOUT_* name)"),
        };
        return result;
    }

    // A provider context by key, run-time id or name: --provider-context is all a script has to name the one it added.
    private static async Task<Guid?> ResolveProviderContextAsync(BfeClient client, string? text)
    {
        if (text is null)
        {
            return null;
        }

        var t = text.Trim();
        if (Guid.TryParse(t, out var key))
        {
            return key;
        }

        if (ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != 0)
        {
            return (await client.GetProviderContextAsync(id).ConfigureAwait(false)).Key;
        }

        var contexts = await client.EnumProviderContextsAsync().ConfigureAwait(false);
        return ObjectNames.ByName($"--provider-context {text}", "provider-context", t, contexts.Select(c => (c.Key, c.DisplayData.Name)));
    }

    private static Guid? Resolve(string option, string kind, string? text, ObjectNames.BuiltinLookup builtin, IEnumerable<(Guid, string)> held)
    {
        if (text is null)
        {
            return null;
        }

        return ObjectNames.TryDirect(text, builtin, out var key) ? key : ObjectNames.ByName(option, kind, text, held);
    }

    private static string DefaultName(FilterSpec filter, PolicyText names, LayerInfo layer) =>
        filter.Conditions.Count == 0
            ? $"{names.Action(filter.Action)} everything at {layer.ShortName}"
            : $"{names.Action(filter.Action)} {PolicyText.Conditions(filter)}";
}
