using System.CommandLine;
using OpenWfp.Cli.Daemon;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp add filter</c>.</summary>
internal static class AddFilterCommandDefinition
{
    public static Command Create(Func<AddFilterArguments, int> action)
    {
        var socket = SocketOption.Create();
        var layer = new Option<string>("--layer", "-l")
        {
            Description = "The layer, e.g. ALE_AUTH_CONNECT_V4 (FWPM_LAYER_ prefix optional, any case, or a GUID).",
            HelpName = "LAYER",
            Required = true,
        };
        var act = new Option<string>("--action", "-a")
        {
            Description = "permit, block, or callout:NAME (NAME: a callout's name or key, or a built-in FWPM_CALLOUT_*; " +
                "callout-inspection:NAME and callout-unknown:NAME for the other callout action types).",
            HelpName = "permit|block|callout:NAME",
            Required = true,
        };
        var conditions = new Option<string[]>("--condition", "-c")
        {
            Description = "A condition, \"FIELD OP VALUE\"; repeat for more. OP: == != < <= > >= in (a range a-b, or address/prefix) " +
                "flags-all flags-any flags-none ends-with not-ends-with. VALUE by the field's type, as in policy files " +
                "(docs/POLICY.md): 443, 0x1bb, tcp, 10.0.0.0/8, 1024-65535, /usr/bin/curl, S-1-5-32-544. Conditions on the " +
                "same field are OR-ed, different fields AND-ed (as WFP does). None: the filter matches everything at the layer.",
            HelpName = "\"FIELD OP VALUE\"",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var sublayer = new Option<string?>("--sublayer")
        {
            Description = "The sublayer: its key, its name, or a built-in FWPM_SUBLAYER_* name. Default: FWPM_SUBLAYER_UNIVERSAL.",
            HelpName = "KEY|NAME",
        };
        var weight = new Option<string?>("--weight", "-w")
        {
            Description = "The weight within the sublayer: a number (decimal or 0x hex, used as is), or range:N (N 0..15: " +
                "automatic weighting within range N). Default: automatic (more specific conditions first).",
            HelpName = "N|range:N",
        };
        var name = new Option<string?>("--name", "-n") { Description = "The filter's display name. Default: its action and conditions.", HelpName = "NAME" };
        var description = new Option<string?>("--description") { Description = "The filter's description.", HelpName = "TEXT" };
        var key = new Option<string?>("--key") { Description = "The filter's key (a GUID). Default: a new one.", HelpName = "GUID" };
        var provider = new Option<string?>("--provider") { Description = "The provider: its key, its name, or a built-in FWPM_PROVIDER_* name.", HelpName = "KEY|NAME" };
        var hard = new Option<bool>("--hard") { Description = "FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT: a permit or block that filters in lower sublayers cannot override." };
        var persistent = new Option<bool>("--persistent") { Description = "FWPM_FILTER_FLAG_PERSISTENT: stored, and back after wfpd restarts. Its sublayer and provider must be persistent (or built-in) too." };
        var bootTime = new Option<bool>("--boottime") { Description = "FWPM_FILTER_FLAG_BOOTTIME: stored, and enforced only while wfpd starts (until the persistent policy is in force)." };
        var json = new Option<bool>("--json") { Description = "Print the stored filter as one JSON document." };
        var providerContext = new Option<string?>("--provider-context")
        {
            Description = "A provider context the filter carries (FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT): its name, key or id, as " +
                "'wfp add provider-context' made it. Its callout reads it; a permit or block filter just keeps it.",
            HelpName = "NAME|KEY|ID",
        };
        var command = new Command(
            "filter",
            "Add one filter to the running wfpd (FwpmFilterAdd0) and print its filter id and key. Without --persistent the " +
            "filter lasts until it is deleted or wfpd stops.\n\n" +
            "Examples:\n" +
            "  wfp add filter --layer ALE_AUTH_CONNECT_V4 --condition \"IP_REMOTE_PORT == 23\" --action block --name \"Block telnet\"\n" +
            "  wfp add filter -l ALE_AUTH_CONNECT_V4 -c \"IP_REMOTE_ADDRESS in 10.0.0.0/8\" -c \"IP_REMOTE_PORT in 1024-65535\" -a permit --hard\n" +
            "  wfp add filter -l ALE_AUTH_RECV_ACCEPT_V4 -c \"IP_PROTOCOL == tcp\" -c \"IP_LOCAL_PORT == 22\" -c \"IP_LOCAL_PORT == 2222\" -a block --persistent");
        foreach (var o in new Option[] { socket, SocketOption.CreateWait(), layer, act, conditions, sublayer, weight, name, description, key, provider, hard, persistent, bootTime, providerContext, json })
        {
            command.Options.Add(o);
        }

        command.SetAction(parseResult => action(new AddFilterArguments(
            SocketOption.Read(parseResult, socket),
            parseResult.GetValue(layer)!,
            parseResult.GetValue(act)!,
            parseResult.GetValue(conditions) ?? [],
            parseResult.GetValue(sublayer),
            parseResult.GetValue(weight),
            parseResult.GetValue(name),
            parseResult.GetValue(description),
            parseResult.GetValue(key),
            parseResult.GetValue(provider),
            parseResult.GetValue(hard),
            parseResult.GetValue(persistent),
            parseResult.GetValue(bootTime),
            parseResult.GetValue(json),
            parseResult.GetValue(providerContext))));
        var add = new Command("add", "Add an object to the running wfpd. 'wfp apply FILE' adds whole policies.");
        add.Subcommands.Add(command);
        return add;
    }
}
