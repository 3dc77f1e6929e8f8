using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Client;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp add provider|sublayer|callout|provider-context</c>.</summary>
/// <param name="Kind">provider, sublayer, callout or provider-context.</param>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Name">--name.</param>
/// <param name="Description">--description.</param>
/// <param name="Key">--key, or null for a new key.</param>
/// <param name="Provider">--provider (sublayer, callout, provider context): key, built-in name or display name.</param>
/// <param name="Weight">--weight (sublayer).</param>
/// <param name="Layer">--layer (callout).</param>
/// <param name="Data">--data (provider context): the text stored as the context's data, UTF-8.</param>
/// <param name="Persistent">--persistent.</param>
/// <param name="Json">--json.</param>
internal sealed record AddObjectArguments(
    string Kind,
    string? Socket,
    string Name,
    string? Description,
    string? Key,
    string? Provider,
    string? Weight,
    string? Layer,
    string? Data,
    bool Persistent,
    bool Json);

/// <summary>
/// The syntax and behaviour of <c>wfp add provider|sublayer|callout|provider-context</c> (FwpmProviderAdd0,
/// FwpmSubLayerAdd0, FwpmCalloutAdd0, FwpmProviderContextAdd0): one object from the options, added to the running wfpd.
/// </summary>
internal sealed class AddObjectCommand(CliConsole console)
{
    /// <summary>Adds the subcommands to <c>wfp add</c>.</summary>
    public static void Register(Command add, Func<AddObjectArguments, int> action)
    {
        add.Description = "Add an object to the running wfpd: a filter, provider, sublayer, callout or provider context. " +
            "'wfp apply FILE' adds whole policies.";
        add.Subcommands.Add(Create(
            "provider",
            "Add a provider (FwpmProviderAdd0): a name that groups the sublayers, callouts, provider contexts and filters of " +
            "one product, so they can be listed and removed together.\n\n" +
            "Examples:\n" +
            "  wfp add provider --name \"Contoso VPN\"\n" +
            "  wfp add provider --name \"Contoso VPN\" --persistent --json",
            action));
        add.Subcommands.Add(Create(
            "sublayer",
            "Add a sublayer (FwpmSubLayerAdd0). Every sublayer of a layer is evaluated, highest weight first, and each " +
            "gives one decision; a block in any sublayer wins unless a higher one gave a hard permit.\n\n" +
            "Examples:\n" +
            "  wfp add sublayer --name \"Contoso rules\" --weight 0x8000\n" +
            "  wfp add sublayer --name \"Contoso rules\" --provider \"Contoso VPN\" --persistent",
            action,
            sublayer: true));
        add.Subcommands.Add(Create(
            "callout",
            "Add a callout (FwpmCalloutAdd0) at one layer, for filters whose action is callout:NAME. This is the management " +
            "object only: its classify function comes from a plug-in wfpd loads (--callout-dir) or a process that registers the " +
            "key over the socket (Fwps.CalloutRegister0); until then its filters act as unregistered callouts (docs/CALLOUTS.md). " +
            "OpenWfp's own callouts (openwfp.http-request, openwfp.dns) exist already.\n\n" +
            "Examples:\n" +
            "  wfp add callout --name \"Contoso inspect\" --layer ALE_AUTH_CONNECT_V4\n" +
            "  wfp add filter --layer ALE_AUTH_CONNECT_V4 --action \"callout:Contoso inspect\"",
            action,
            callout: true));
        add.Subcommands.Add(Create(
            "provider-context",
            "Add a provider context (FwpmProviderContextAdd0) of type FWPM_GENERAL_CONTEXT whose data is the UTF-8 text " +
            "of --data, for filters that name it with 'wfp add filter … --provider-context NAME' (which sets " +
            "FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT).\n\n" +
            "Examples:\n" +
            "  wfp add provider-context --name \"proxy target\" --data \"10.0.0.5:3128\"\n" +
            "  wfp add filter --layer ALE_AUTH_CONNECT_V4 --action permit --provider-context \"proxy target\"",
            action,
            providerContext: true));
    }

    private static Command Create(string kind, string description, Func<AddObjectArguments, int> action, bool sublayer = false, bool callout = false, bool providerContext = false)
    {
        var socket = SocketOption.Create();
        var name = new Option<string>("--name", "-n") { Description = "The display name (required); other commands can name the object by it.", HelpName = "NAME", Required = true };
        var descriptionOption = new Option<string?>("--description") { Description = "The description.", HelpName = "TEXT" };
        var key = new Option<string?>("--key") { Description = "The key (a GUID). Default: a new one.", HelpName = "GUID" };
        var provider = new Option<string?>("--provider") { Description = "The provider: its key, its name, or a built-in FWPM_PROVIDER_* name.", HelpName = "KEY|NAME" };
        var weight = new Option<string?>("--weight", "-w") { Description = "The sublayer's weight, 0 to 65535 (decimal or 0x hex); higher is evaluated first. Default: 0.", HelpName = "N" };
        var layer = new Option<string>("--layer", "-l") { Description = "The layer the callout applies at, e.g. ALE_AUTH_CONNECT_V4.", HelpName = "LAYER", Required = true };
        var data = new Option<string>("--data") { Description = "The context's data, stored as its UTF-8 bytes.", HelpName = "TEXT", Required = true };
        var persistent = new Option<bool>("--persistent") { Description = "Stored, and back after wfpd restarts. What it references (its provider) must be persistent or built-in too." };
        var json = new Option<bool>("--json") { Description = "Print the stored object as one JSON document." };
        var command = new Command(kind, description);
        var options = new List<Option> { socket, SocketOption.CreateWait(), name, descriptionOption, key };
        if (kind != "provider")
        {
            options.Add(provider);
        }

        if (sublayer)
        {
            options.Add(weight);
        }

        if (callout)
        {
            options.Add(layer);
        }

        if (providerContext)
        {
            options.Add(data);
        }

        options.Add(persistent);
        options.Add(json);
        foreach (var o in options)
        {
            command.Options.Add(o);
        }

        command.SetAction(p => action(new AddObjectArguments(
            kind,
            SocketOption.Read(p, socket),
            p.GetValue(name)!,
            p.GetValue(descriptionOption),
            p.GetValue(key),
            kind == "provider" ? null : p.GetValue(provider),
            sublayer ? p.GetValue(weight) : null,
            callout ? p.GetValue(layer) : null,
            providerContext ? p.GetValue(data) : null,
            p.GetValue(persistent),
            p.GetValue(json))));
        return command;
    }

    public int Run(AddObjectArguments args)
    {
        // What needs no daemon is checked first.
        var what = "add " + args.Kind;
        if (string.IsNullOrWhiteSpace(args.Name))
        {
            throw new CliUserException($"{what}: --name must not be empty");
        }

        var key = ParseKey(args.Key);
        var weight = args.Kind == "sublayer" ? ParseWeight(args.Weight) : (ushort)0;
        var layer = args.Layer is null ? null : InputResolver.ResolveLayer(args.Layer);
        var display = new DisplayData(args.Name, args.Description);
        return DaemonSession.Run(args.Socket, console.DaemonWait, what, async (client, socket) =>
        {
            var providers = await client.EnumProvidersAsync().ConfigureAwait(false);
            var names = new PolicyText(new BfeState(providers, [], [], [], [], 0));
            Guid? provider = args.Provider is null ? null : ObjectNames.TryDirect(args.Provider, LayerCatalog.TryFindProvider, out var p)
                ? p
                : ObjectNames.ByName($"--provider {args.Provider}", "provider", args.Provider, providers.Select(x => (x.Key, x.DisplayData.Name)));
            string text;
            Action<Utf8JsonWriter> writeJson;
            switch (args.Kind)
            {
                case "provider":
                    var pr = await client.AddProviderAsync(new ProviderSpec
                    {
                        Key = key,
                        DisplayData = display,
                        Flags = args.Persistent ? ProviderFlags.Persistent : 0,
                    }).ConfigureAwait(false);
                    text = $"added provider \"{pr.DisplayData.Name}\" {PolicyText.Braced(pr.Key)}{Persistent(args)}";
                    writeJson = w => Write(w, "provider", x => DaemonJson.WriteProvider(x, pr));
                    break;
                case "sublayer":
                    var s = await client.AddSublayerAsync(new SublayerSpec
                    {
                        Key = key,
                        DisplayData = display,
                        ProviderKey = provider,
                        Weight = weight,
                        Flags = args.Persistent ? SublayerFlags.Persistent : 0,
                    }).ConfigureAwait(false);
                    text = $"added sublayer \"{s.DisplayData.Name}\" {PolicyText.Braced(s.Key)}, weight 0x{s.Weight.ToString("x4", CultureInfo.InvariantCulture)}{OfProvider(names, s.ProviderKey)}{Persistent(args)}";
                    writeJson = w => Write(w, "sublayer", x => DaemonJson.WriteSublayer(x, s, names));
                    break;
                case "callout":
                    var c = await client.AddCalloutAsync(new CalloutSpec
                    {
                        Key = key,
                        DisplayData = display,
                        ProviderKey = provider,
                        ApplicableLayer = layer!.Key,
                        Flags = args.Persistent ? CalloutFlags.Persistent : 0,
                    }).ConfigureAwait(false);
                    text = $"added callout {c.CalloutId.ToString(CultureInfo.InvariantCulture)} \"{c.DisplayData.Name}\" {PolicyText.Braced(c.Key)} at {layer.ShortName}{OfProvider(names, c.ProviderKey)}{Persistent(args)}";
                    writeJson = w => Write(w, "callout", x => DaemonJson.WriteCallout(x, c, names));
                    break;
                default:
                    var pc = await client.AddProviderContextAsync(new ProviderContextSpec
                    {
                        Key = key,
                        DisplayData = display,
                        ProviderKey = provider,
                        Type = ProviderContextType.General,
                        Data = Encoding.UTF8.GetBytes(args.Data ?? ""),
                        Flags = args.Persistent ? ProviderContextFlags.Persistent : 0,
                    }).ConfigureAwait(false);
                    text = $"added provider context {pc.ProviderContextId.ToString(CultureInfo.InvariantCulture)} \"{pc.DisplayData.Name}\" {PolicyText.Braced(pc.Key)}, " +
                        $"{(pc.Data?.Length ?? 0).ToString(CultureInfo.InvariantCulture)} bytes of data{OfProvider(names, pc.ProviderKey)}{Persistent(args)}";
                    writeJson = w => Write(w, "providerContext", x => WriteProviderContext(x, pc, names));
                    break;
            }

            if (args.Json)
            {
                console.Out.WriteLine(JsonReport.Build(w =>
                {
                    DaemonJson.Head(w, socket);
                    writeJson(w);
                    w.WriteEndObject();
                }));
            }
            else
            {
                console.Out.WriteLine(text);
            }

            return 0;
        });
    }

    /// <summary>A provider context as <c>--json</c> prints it (docs/CLI.md); GENERAL data shows as text when it is UTF-8.</summary>
    internal static void WriteProviderContext(Utf8JsonWriter w, ProviderContextSpec pc, PolicyText names)
    {
        w.WriteStartObject();
        w.WriteNumber("providerContextId", pc.ProviderContextId);
        w.WriteString("key", pc.Key.ToString());
        w.WriteString("name", pc.DisplayData.Name);
        w.WriteString("description", pc.DisplayData.Description);
        w.WriteString("type", TypeName(pc.Type));
        w.WriteBoolean("persistent", (pc.Flags & ProviderContextFlags.Persistent) != 0);
        w.WriteString("provider", names.Provider(pc.ProviderKey));
        w.WriteString("providerKey", pc.ProviderKey?.ToString());
        w.WriteNumber("dataLength", pc.Data?.Length ?? 0);
        w.WriteString("data", DataText(pc));
        w.WriteEndObject();
    }

    /// <summary>The data of a GENERAL context as text, when it is valid UTF-8; otherwise null.</summary>
    internal static string? DataText(ProviderContextSpec pc)
    {
        if (pc.Type != ProviderContextType.General || pc.Data is not { } data)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The FWPM_PROVIDER_CONTEXT_TYPE name without its prefix, lower case: general, classify-options, ….</summary>
    internal static string TypeName(ProviderContextType type) => type switch
    {
        ProviderContextType.General => "general",
        ProviderContextType.ClassifyOptions => "classify-options",
        _ => type.ToString(),
    };

    private static void Write(Utf8JsonWriter w, string property, Action<Utf8JsonWriter> value)
    {
        w.WritePropertyName(property);
        value(w);
    }

    private static string Persistent(AddObjectArguments args) => args.Persistent ? ", persistent" : "";

    private static string OfProvider(PolicyText names, Guid? provider) => provider is null ? "" : $", provider {names.Provider(provider)}";

    private static Guid ParseKey(string? text)
    {
        if (text is null)
        {
            return Guid.Empty;
        }

        return Guid.TryParse(text, out var k) && k != Guid.Empty
            ? k
            : throw new CliUserException($"--key {text}: expected a non-zero GUID such as 9b0e1a3c-0d7f-4c55-a1d2-3e4f5a6b7c8d");
    }

    private static ushort ParseWeight(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        var s = text.Trim();
        var ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ushort.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) && s.Length > 2
            : ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok ? value : throw new CliUserException($"--weight {text}: a sublayer's weight is a number from 0 to 65535 (decimal or 0x hex)");
    }
}
