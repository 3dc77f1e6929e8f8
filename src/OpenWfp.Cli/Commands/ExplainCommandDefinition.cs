using System.CommandLine;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp explain</c>.</summary>
internal static class ExplainCommandDefinition
{
    public static Command Create(Func<ClassifyArguments, int> action)
    {
        var options = new CommonOptions();
        var command = new Command(
            "explain",
            "Classify like 'classify', and show the work: every filter of the layer in evaluation order, grouped by " +
            "sublayer (highest weight first), each condition with the value it tested (✓ held, ✗ failed), what the " +
            "filter returned and how arbitration used it, then the decision.\n" +
            "With no options it runs the built-in sample policy (samples/sample-policy.json) over its sample inputs: " +
            "a hard permit that a lower sublayer's block cannot override, and a block that overrides a soft permit.\n\n" +
            "Examples:\n" +
            "  wfp explain\n" +
            "  wfp explain --policy samples/sample-policy.json --layer ALE_AUTH_CONNECT_V4 \\\n" +
            "      --value IP_PROTOCOL=tcp --value IP_REMOTE_ADDRESS=203.0.113.10 --value IP_REMOTE_PORT=443\n" +
            "  wfp explain --json");
        options.AddTo(command);
        command.SetAction(parseResult => action(options.Read(parseResult)));
        return command;
    }
}
