using System.CommandLine;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Output;
using OpenWfp.Client;

namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp events</c>.</summary>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Follow">--follow: stream new events until Ctrl-C.</param>
/// <param name="Json">--json: one JSON object per line.</param>
/// <param name="Filters">The net event filters (--type, --layer, --app, --remote, --remote-port, --protocol, --since, --filter).</param>
internal sealed record EventsArguments(string? Socket, bool Follow, bool Json, NetEventFilterArguments? Filters = null);

/// <summary>
/// The syntax and behaviour of <c>wfp events</c>: wfpd's net events as lines (FwpmNetEventEnum), and with
/// <c>--follow</c> the new ones as they are written (FwpmNetEventSubscribe) until Ctrl-C.
/// </summary>
internal sealed class EventsCommand(CliConsole console)
{
    public static Command Create(Func<EventsArguments, int> action)
    {
        var socket = SocketOption.Create();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep running and print each new net event as wfpd writes it, until Ctrl-C." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of text." };
        var command = new Command(
            "events",
            "Print wfpd's net events, one line each: time, drop or allow, direction, layer, the deciding filter and the " +
            "5-tuple (with the application when known). Without --follow: the events in wfpd's ring, oldest first. " +
            "'wfp show netevents' prints the ring as a table. The filter options select events (FWPM_NET_EVENT_ENUM_TEMPLATE0); " +
            "given together they are AND-ed.\n\n" +
            "Examples:\n" +
            "  wfp events\n" +
            "  wfp events --follow\n" +
            "  wfp events --type drop --remote 10.0.0.0/8 --since 1h\n" +
            "  wfp events --follow --layer ALE_AUTH_CONNECT_V4 --protocol tcp --remote-port 443\n" +
            "  wfp events --follow --json | jq 'select(.type == \"drop\")'");
        command.Options.Add(socket);
        command.Options.Add(SocketOption.CreateWait());
        command.Options.Add(follow);
        command.Options.Add(json);
        var filters = NetEventFilterArguments.AddTo(command);
        command.SetAction(parseResult => action(new EventsArguments(SocketOption.Read(parseResult, socket), parseResult.GetValue(follow), parseResult.GetValue(json), filters(parseResult))));
        return command;
    }

    public int Run(EventsArguments args)
    {
        var template = (args.Filters ?? NetEventFilterArguments.None).ToTemplate(DateTimeOffset.UtcNow);
        return DaemonSession.Run(args.Socket, console.DaemonWait, args.Follow ? "events --follow" : "events", async (client, _) =>
        {
            var state = await client.GetStateAsync().ConfigureAwait(false);
            var names = ShowCommand.FilterNames(state);
            var paint = new Painter(console.Color);
            if (!args.Follow)
            {
                var events = await client.EnumNetEventsAsync(template).ConfigureAwait(false);
                foreach (var e in events)
                {
                    console.Out.WriteLine(Format(e, names, args.Json, paint));
                }

                // As 'show netevents' says it. Not with --json: one object per event, so no events is no lines.
                if (events.Count == 0 && !args.Json)
                {
                    console.Out.WriteLine(template is null ? "no net events" : "no net events match");
                }

                return 0;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(console.Interrupt);
            ConsoleCancelEventHandler onCtrlC = (_, e) =>
            {
                // Ctrl-C ends the stream and the command normally (exit 0), not the process.
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                await foreach (var e in client.SubscribeNetEventsAsync(template, stop.Token).ConfigureAwait(false))
                {
                    if (e.FilterId != 0 && !names.ContainsKey(e.FilterId))
                    {
                        names[e.FilterId] = await NameOfAsync(client, e.FilterId).ConfigureAwait(false);
                    }

                    console.Out.WriteLine(Format(e, names, args.Json, paint));
                    console.Out.Flush();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl-C before the subscription was fully open: the same normal end.
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }

            if (!stop.IsCancellationRequested)
            {
                throw new CliUserException("events --follow: wfpd ended the stream (it is stopping?)");
            }

            return 0;
        });
    }

    internal static string Format(FwpmNetEvent e, IReadOnlyDictionary<ulong, string> names, bool json, Painter paint)
    {
        var name = e.FilterId == 0 || names.GetValueOrDefault(e.FilterId) is not { Length: > 0 } known ? null : known;
        if (json)
        {
            return DaemonJson.Line(w => DaemonJson.WriteNetEvent(w, e, name));
        }

        var app = NetEventText.App(e);
        var layer = e.LayerName.Length > 0 ? e.LayerName : $"layer {e.LayerId}";
        return $"{NetEventText.Time(e)}  {paint.Action(NetEventText.Type(e) == "drop" ? "block" : "permit", NetEventText.Type(e).PadRight(5))}  {NetEventText.Direction(e),-3}  {layer,-24}  {NetEventText.Connection(e)}  filter {NetEventText.Filter(e.FilterId, name)}{Callout(e)}{(app is null ? "" : "  app " + app)}";
    }

    // The callout whose filter decided, with what it said (an HTTP request line, a DNS name).
    private static string Callout(FwpmNetEvent e) =>
        e.CalloutId == 0 ? "" : $"  callout {e.CalloutId}{(e.CalloutDetail is { } d ? $" \"{d}\"" : "")}";

    // A filter added after the command started; one that is gone by now keeps only its id.
    private static async Task<string> NameOfAsync(BfeClient client, ulong filterId)
    {
        try
        {
            return (await client.GetFilterAsync(filterId).ConfigureAwait(false)).DisplayData.Name;
        }
        catch (Engine.Errors.WfpException)
        {
            return "";
        }
    }
}
