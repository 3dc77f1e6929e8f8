using System.CommandLine;
using OpenWfp.Cli.Daemon;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp show</c>.</summary>
internal static class ShowCommandDefinition
{
    public static Command Create(Func<ShowArguments, int> action)
    {
        var show = new Command(
            "show",
            "List what the running wfpd holds: filters, sublayers, callouts, providers, provider contexts, a summary of its " +
            "state, or its net events; and the layers it knows and the sessions open with it.\n\n" +
            "Examples:\n" +
            "  wfp show filters --socket /tmp/wfp/bfe.sock\n" +
            "  wfp show filters --layer ALE_AUTH_CONNECT_V4 --json\n" +
            "  wfp show sublayers --all\n" +
            "  wfp show layers --layer ALE_AUTH_CONNECT_V4\n" +
            "  wfp show netevents --type drop --remote-port 443 --since 10m\n" +
            "  wfp show state");
        show.Subcommands.Add(Listing(
            "filters",
            "Every filter, by filter id: name, layer, sublayer, action (permit, block, callout:NAME), flags, effective weight and " +
            "conditions as 'FIELD OP VALUE' (conditions on one field are OR-ed, fields are AND-ed, as WFP does). Boot-time " +
            "filters are listed too (flag 'boottime'); wfpd enforces them only while it starts.",
            action,
            withAll: false,
            withLayer: true));
        show.Subcommands.Add(Listing("sublayers", "The sublayers, highest weight first (evaluated first).", action, withAll: true));
        show.Subcommands.Add(Listing("callouts", "The callouts, by callout id.", action, withAll: true));
        show.Subcommands.Add(Listing("providers", "The providers.", action, withAll: true));
        show.Subcommands.Add(Listing(
            "provider-contexts",
            "The provider contexts, by id: name, type, provider, and for a GENERAL context its data as text (as " +
            "'wfp add provider-context --data' stored it).",
            action,
            withAll: false));
        show.Subcommands.Add(Listing(
            "layers",
            "The layers (FwpmLayerEnum0), by layer id: name, id, kernel or user mode, the number of fields. With --layer, " +
            "that one layer and each field a filter can test there, with its data type (what 'wfp add filter --condition' takes).",
            action,
            withAll: false,
            withLayer: true,
            layerDescription: "Show this one layer and its fields, e.g. ALE_AUTH_CONNECT_V4."));
        show.Subcommands.Add(Listing(
            "sessions",
            "The sessions open with wfpd (FwpmSessionEnum0): key, name, dynamic or not, its transaction wait, the process " +
            "and user that opened it, and whether it has a transaction open.",
            action,
            withAll: false));
        show.Subcommands.Add(Listing("state", "Counts per object kind and filters per layer (permit, block, callout).", action, withAll: false));
        show.Subcommands.Add(Listing(
            "netevents",
            "The net events in wfpd's ring, oldest first: time, drop or allow, direction, layer, the deciding filter and the " +
            "5-tuple. 'wfp events --follow' streams new ones. The filter options are AND-ed.",
            action,
            withAll: false,
            withEventFilters: true));
        return show;
    }

    private static Command Listing(string name, string description, Func<ShowArguments, int> action, bool withAll, bool withLayer = false, string? layerDescription = null, bool withEventFilters = false)
    {
        var socket = SocketOption.Create();
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of a table." };
        var all = new Option<bool>("--all") { Description = "Include the built-in objects (FWPM_SUBLAYER_*, FWPM_CALLOUT_*, FWPM_PROVIDER_*)." };
        var layer = new Option<string?>("--layer", "-l") { Description = layerDescription ?? "Only the filters of this layer, e.g. ALE_AUTH_CONNECT_V4.", HelpName = "LAYER" };
        var command = new Command(name, description);
        var events = withEventFilters ? NetEventFilterArguments.AddTo(command) : null;
        command.Options.Add(socket);
        command.Options.Add(SocketOption.CreateWait());
        command.Options.Add(json);
        if (withAll)
        {
            command.Options.Add(all);
        }

        if (withLayer)
        {
            command.Options.Add(layer);
        }

        command.SetAction(parseResult => action(new ShowArguments(
            name,
            SocketOption.Read(parseResult, socket),
            parseResult.GetValue(json),
            withAll && parseResult.GetValue(all),
            withLayer ? parseResult.GetValue(layer) : null,
            events?.Invoke(parseResult))));
        return command;
    }
}
