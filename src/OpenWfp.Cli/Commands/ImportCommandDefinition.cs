using System.CommandLine;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp import</c>.</summary>
internal static class ImportCommandDefinition
{
    public static Command Create(Func<ImportArguments, int> action)
    {
        var file = new Argument<string>("FILE") { Description = "A netsh wfp show filters (filters.xml) or show state (wfpstate.xml) dump." };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Write what was imported as a native JSON policy (docs/POLICY.md) to this file.",
            HelpName = "FILE",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of text." };
        var command = new Command(
            "import",
            "Read a netsh XML dump into the engine as --policy would, and report what it held per object type and " +
            "every item it could not represent (element path, reason, FWP_E_* name when the engine refused it).\n\n" +
            "Examples:\n" +
            "  wfp import wfpstate.xml\n" +
            "  wfp import filters.xml --out policy.json\n" +
            "  wfp import wfpstate.xml --json");
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(json);
        command.SetAction(parseResult => action(new ImportArguments(parseResult.GetValue(file)!, parseResult.GetValue(output), parseResult.GetValue(json))));
        return command;
    }
}
