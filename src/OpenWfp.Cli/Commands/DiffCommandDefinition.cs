using System.CommandLine;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp diff</c>.</summary>
internal static class DiffCommandDefinition
{
    public static Command Create(Func<DiffArguments, int> action)
    {
        var before = new Argument<string>("BEFORE") { Description = "The first policy: native JSON (docs/POLICY.md) or a netsh wfp show state / show filters XML dump." };
        var after = new Argument<string>("AFTER") { Description = "The second policy, in either format." };
        var layer = new Option<string?>("--layer", "-l")
        {
            Description = "Classify one input of your own at this layer under both policies, instead of the inputs built from the changed filters.",
            HelpName = "LAYER",
        };
        var values = new Option<string[]>("--value", "-v")
        {
            Description = "An incoming value for --layer, FIELD=VALUE (as in 'wfp classify'); repeat for more.",
            HelpName = "FIELD=VALUE",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var capture = new Option<string?>("--capture", "-c")
        {
            Description = "Replay this capture (pcap or pcapng) under both policies and list the frames whose verdict differs.",
            HelpName = "CAPTURE",
        };
        var local = new Option<string[]>("--local")
        {
            Description = "With --capture: this host's addresses, as in 'wfp replay'.",
            HelpName = "CIDR",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text." };
        var exitCode = new Option<bool>("--exit-code") { Description = "Exit 1 when the policies differ (objects or decisions), 0 when they do not, as 'git diff --exit-code' does." };
        var command = new Command(
            "diff",
            "What differs between two policies, and which decisions change. Objects (providers, sublayers, callouts, " +
            "provider contexts, filters) are matched by key and compared property by property; filter ids, which every " +
            "load assigns afresh, are left out, and filters are compared by effective weight. Then, for each filter " +
            "added, removed or changed, an input satisfying its conditions is classified under both policies (plus an " +
            "input with no values at each layer touched), and the inputs whose decision changes are listed. " +
            "--layer/--value classify your own input instead; --capture replays a capture under both.\n\n" +
            "Examples:\n" +
            "  wfp diff before.xml after.xml                     two netsh wfp show state dumps, before and after an update\n" +
            "  wfp diff policy.json wfpstate.xml --json\n" +
            "  wfp diff old.json new.json --layer ALE_AUTH_CONNECT_V4 --value IP_PROTOCOL=tcp --value IP_REMOTE_PORT=443\n" +
            "  wfp diff old.json new.json --capture traffic.pcapng --local 192.168.1.0/24\n" +
            "  wfp diff old.json new.json --exit-code >/dev/null || echo 'policy changed'");
        command.Arguments.Add(before);
        command.Arguments.Add(after);
        command.Options.Add(layer);
        command.Options.Add(values);
        command.Options.Add(capture);
        command.Options.Add(local);
        command.Options.Add(json);
        command.Options.Add(exitCode);
        command.SetAction(parseResult => action(new DiffArguments(
            parseResult.GetValue(before)!,
            parseResult.GetValue(after)!,
            parseResult.GetValue(layer),
            parseResult.GetValue(values) ?? [],
            parseResult.GetValue(capture),
            parseResult.GetValue(local) ?? [],
            parseResult.GetValue(json),
            parseResult.GetValue(exitCode))));
        return command;
    }
}
