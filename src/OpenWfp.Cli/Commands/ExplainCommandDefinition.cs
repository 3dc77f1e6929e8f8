using System.CommandLine;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp explain</c>.</summary>
internal static class ExplainCommandDefinition
{
    public static Command Create(Func<ClassifyArguments, CaptureFrameArguments?, int> action)
    {
        var options = new CommonOptions();
        var capture = new Option<string?>("--capture", "-c")
        {
            Description = "Explain one packet of this pcap/pcapng file instead of --layer/--value: every layer it meets, every filter there. Needs --frame.",
            HelpName = "FILE",
        };
        var frame = new Option<long?>("--frame", "-f")
        {
            Description = "The packet to explain: its frame number as Wireshark shows it (from 1). The frames before it are replayed first, so flows are as they were.",
            HelpName = "N",
        };
        var local = new Option<string[]>("--local")
        {
            Description = "With --capture: this host's addresses (CIDR), as for 'wfp replay'.",
            HelpName = "CIDR",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var calloutAssembly = new Option<string[]>("--callout-assembly")
        {
            Description = "With --capture: a callout plug-in (.dll) to run, as for 'wfp replay'; repeat for more.",
            HelpName = "FILE",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command(
            "explain",
            "Classify like 'classify', and show the work: every filter of the layer in evaluation order, grouped by " +
            "sublayer (highest weight first), each condition with the value it tested (✓ held, ✗ failed), what the " +
            "filter returned and how arbitration used it, then the decision.\n" +
            "With --capture FILE --frame N it explains one packet of a capture instead: the layers it meets on this host " +
            "(as 'wfp replay' sends it), and this account for each layer that has filters.\n" +
            "With no options it runs the built-in sample policy (samples/sample-policy.json) over its sample inputs: " +
            "a hard permit that a lower sublayer's block cannot override, and a block that overrides a soft permit.\n" +
            "With --socket instead of --policy it explains against the running wfpd's policy: the policy is fetched (GetState: " +
            "the same filters, ids and weights, boot-time filters left out) and explained here by a local engine, as for a file.\n\n" +
            "Examples:\n" +
            "  wfp explain\n" +
            "  wfp explain --policy samples/sample-policy.json --layer ALE_AUTH_CONNECT_V4 \\\n" +
            "      --value IP_PROTOCOL=tcp --value IP_REMOTE_ADDRESS=203.0.113.10 --value IP_REMOTE_PORT=443\n" +
            "  wfp explain --json\n" +
            "  wfp explain --socket /tmp/wfp/bfe.sock --layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT=23\n" +
            "  wfp explain --policy samples/replay-policy.json --capture samples/sample-capture.pcapng --frame 53 --local 10.77.0.1");
        options.AddTo(command);
        command.Options.Add(capture);
        command.Options.Add(frame);
        command.Options.Add(local);
        command.Options.Add(calloutAssembly);
        command.SetAction(parseResult =>
        {
            var file = parseResult.GetValue(capture);
            var number = parseResult.GetValue(frame);
            var ranges = parseResult.GetValue(local) ?? [];
            var plugins = parseResult.GetValue(calloutAssembly) ?? [];
            var selection = file is null && number is null && ranges.Length == 0 && plugins.Length == 0 ? null : new CaptureFrameArguments(file, number, ranges, plugins);
            return action(options.Read(parseResult), selection);
        });
        return command;
    }
}
