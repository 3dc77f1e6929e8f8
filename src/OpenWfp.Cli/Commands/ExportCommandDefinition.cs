using System.CommandLine;
using OpenWfp.Cli.Daemon;

namespace OpenWfp.Cli.Commands;

/// <summary>The syntax of <c>wfp export</c>.</summary>
internal static class ExportCommandDefinition
{
    public static Command Create(Func<ExportArguments, int> action)
    {
        var policy = new Option<string?>("--policy", "-p")
        {
            Description = "The policy file: native JSON or a netsh XML dump.",
            HelpName = "FILE",
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Write the XML to this file instead of standard output.",
            HelpName = "FILE",
        };
        var socket = SocketOption.CreateSelector(
            "Export the running wfpd's policy instead of --policy: its socket (PATH optional; default $OPENWFP_SOCKET, else " +
            "/run/openwfp/bfe.sock). Filter ids and effective weights are the daemon's; boot-time filters are left out.");
        var command = new Command(
            "export",
            "Write a policy in the shape of 'netsh wfp show filters' (<wfpdiag> with <filters>, plus <providers>, " +
            "<subLayers> and <callouts>), with SDK names for built-in GUIDs and netsh's value elements. " +
            "'wfp import' of the result gives the same policy. With --socket it exports what the running wfpd enforces.\n\n" +
            "Examples:\n" +
            "  wfp export --policy policy.json --out filters.xml\n" +
            "  wfp export --policy wfpstate.xml\n" +
            "  wfp export --socket /tmp/wfp/bfe.sock --out daemon.xml");
        command.Options.Add(policy);
        command.Options.Add(output);
        command.Options.Add(socket);
        command.Options.Add(SocketOption.CreateWait());
        command.SetAction(parseResult => action(new ExportArguments(parseResult.GetValue(policy), parseResult.GetValue(output), SocketOption.Read(parseResult, socket))));
        return command;
    }
}
