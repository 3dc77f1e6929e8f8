using System.CommandLine;
using System.Globalization;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Output;
using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp delete filter ID|KEY</c>.</summary>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Filter">The filter id or key as typed.</param>
/// <param name="Json">--json.</param>
internal sealed record DeleteFilterArguments(string? Socket, string Filter, bool Json);

/// <summary>The syntax and behaviour of <c>wfp delete filter ID|KEY</c> (FwpmFilterDeleteById0 / ByKey0).</summary>
internal sealed class DeleteFilterCommand(CliConsole console)
{
    public static Command Create(Func<DeleteFilterArguments, int> action)
    {
        var socket = SocketOption.Create();
        var filter = new Argument<string>("ID|KEY") { Description = "The filter's id (a number, as 'wfp show filters' lists it) or its key (a GUID)." };
        var json = new Option<bool>("--json") { Description = "Print the deleted filter's id, key and name as one JSON document." };
        var command = new Command(
            "filter",
            "Delete one filter from the running wfpd, by filter id or by key; a persistent filter is removed from the store too.\n\n" +
            "Examples:\n" +
            "  wfp delete filter 12\n" +
            "  wfp delete filter 0fa1e7e0-5a3d-4c1e-9d2b-000000000005");
        command.Arguments.Add(filter);
        command.Options.Add(socket);
        command.Options.Add(SocketOption.CreateWait());
        command.Options.Add(json);
        command.SetAction(parseResult => action(new DeleteFilterArguments(SocketOption.Read(parseResult, socket), parseResult.GetValue(filter)!, parseResult.GetValue(json))));
        var delete = new Command("delete", "Delete an object from the running wfpd.");
        delete.Subcommands.Add(command);
        return delete;
    }

    public int Run(DeleteFilterArguments args)
    {
        var text = args.Filter.Trim();
        ulong id = 0;
        var key = Guid.Empty;
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && !Guid.TryParse(text, out key))
        {
            throw new CliUserException($"delete filter {args.Filter}: expected a filter id (a number) or a filter key (a GUID)");
        }

        if (id == 0 && key == Guid.Empty)
        {
            throw new CliUserException($"delete filter {args.Filter}: filter ids start at 1, keys are not all zeros");
        }

        return DaemonSession.Run(args.Socket, console.DaemonWait, "delete filter " + text, async (client, socket) =>
        {
            // Read it first, so the output can say what was deleted; a missing filter fails here with the same error.
            FilterSpec filter;
            if (id != 0)
            {
                filter = await client.GetFilterAsync(id).ConfigureAwait(false);
                await client.DeleteFilterAsync(id).ConfigureAwait(false);
            }
            else
            {
                filter = await client.GetFilterAsync(key).ConfigureAwait(false);
                await client.DeleteFilterAsync(key).ConfigureAwait(false);
            }

            if (args.Json)
            {
                console.Out.WriteLine(JsonReport.Build(w =>
                {
                    DaemonJson.Head(w, socket);
                    w.WriteNumber("deleted", filter.FilterId);
                    w.WriteString("key", filter.Key.ToString());
                    w.WriteString("name", filter.DisplayData.Name);
                    w.WriteEndObject();
                }));
            }
            else
            {
                console.Out.WriteLine($"deleted filter {filter.FilterId.ToString(CultureInfo.InvariantCulture)} \"{filter.DisplayData.Name}\" {PolicyText.Braced(filter.Key)}");
            }

            return 0;
        });
    }
}
