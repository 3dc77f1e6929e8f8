using System.CommandLine;
using System.Globalization;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Output;
using OpenWfp.Client;

namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp delete provider|sublayer|callout|provider-context KEY|NAME</c>.</summary>
/// <param name="Kind">provider, sublayer, callout or provider-context.</param>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="Object">The key, name (or, for callouts and provider contexts, id) as typed.</param>
/// <param name="Json">--json.</param>
internal sealed record DeleteObjectArguments(string Kind, string? Socket, string Object, bool Json);

/// <summary>
/// The syntax and behaviour of <c>wfp delete provider|sublayer|callout|provider-context</c> (FwpmProviderDeleteByKey0,
/// FwpmSubLayerDeleteByKey0, FwpmCalloutDeleteByKey0/ById0, FwpmProviderContextDeleteByKey0/ById0).
/// </summary>
internal sealed class DeleteObjectCommand(CliConsole console)
{
    /// <summary>Adds the subcommands to <c>wfp delete</c>.</summary>
    public static void Register(Command delete, Func<DeleteObjectArguments, int> action)
    {
        delete.Description = "Delete an object from the running wfpd: a filter, provider, sublayer, callout or provider context.";
        delete.Subcommands.Add(Create("provider", "KEY|NAME", "Delete a provider, by key or name. Fails with FWP_E_IN_USE while a sublayer, callout, provider context or filter names it.", action));
        delete.Subcommands.Add(Create("sublayer", "KEY|NAME", "Delete a sublayer, by key or name. Fails with FWP_E_IN_USE while a filter is in it.", action));
        delete.Subcommands.Add(Create("callout", "ID|KEY|NAME", "Delete a callout, by callout id, key or name. Fails with FWP_E_IN_USE while a filter's action uses it.", action));
        delete.Subcommands.Add(Create("provider-context", "ID|KEY|NAME", "Delete a provider context, by id, key or name. Fails with FWP_E_IN_USE while a filter references it.", action));
    }

    private static Command Create(string kind, string argumentName, string description, Func<DeleteObjectArguments, int> action)
    {
        var socket = SocketOption.Create();
        var target = new Argument<string>(argumentName) { Description = $"The {kind.Replace('-', ' ')} to delete, as 'wfp show {kind}s' lists it." };
        var json = new Option<bool>("--json") { Description = "Print what was deleted as one JSON document." };
        var command = new Command(
            kind,
            description + (kind != "provider" ? "" : " A persistent object is removed from the store too.") + "\n\n" +
            "Examples:\n" +
            $"  wfp delete {kind} \"Contoso {(kind == "provider" ? "VPN" : "rules")}\"\n" +
            $"  wfp delete {kind} 0fa1e7e0-5a3d-4c1e-9d2b-000000000005");
        command.Arguments.Add(target);
        command.Options.Add(socket);
        command.Options.Add(SocketOption.CreateWait());
        command.Options.Add(json);
        command.SetAction(p => action(new DeleteObjectArguments(kind, SocketOption.Read(p, socket), p.GetValue(target)!, p.GetValue(json))));
        return command;
    }

    public int Run(DeleteObjectArguments args)
    {
        var text = args.Object.Trim();
        if (text.Length == 0)
        {
            throw new CliUserException($"delete {args.Kind}: name the object by key or name");
        }

        var what = $"delete {args.Kind} {text}";
        var hasId = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && args.Kind is "callout" or "provider-context";
        return DaemonSession.Run(args.Socket, console.DaemonWait, what, async (client, socket) =>
        {
            (Guid Key, ulong Id, string Name) target;
            switch (args.Kind)
            {
                case "provider":
                    target = await Find(client, text, async () => (await client.EnumProvidersAsync().ConfigureAwait(false)).Select(p => (p.Key, 0UL, p.DisplayData.Name))).ConfigureAwait(false);
                    await client.DeleteProviderAsync(target.Key).ConfigureAwait(false);
                    break;
                case "sublayer":
                    target = await Find(client, text, async () => (await client.EnumSublayersAsync().ConfigureAwait(false)).Select(s => (s.Key, 0UL, s.DisplayData.Name))).ConfigureAwait(false);
                    await client.DeleteSublayerAsync(target.Key).ConfigureAwait(false);
                    break;
                case "callout":
                    target = hasId
                        ? Of(await client.GetCalloutAsync(checked((uint)id)).ConfigureAwait(false))
                        : await Find(client, text, async () => (await client.EnumCalloutsAsync().ConfigureAwait(false)).Select(c => (c.Key, (ulong)c.CalloutId, c.DisplayData.Name))).ConfigureAwait(false);
                    await client.DeleteCalloutAsync(target.Key).ConfigureAwait(false);
                    break;
                default:
                    target = hasId
                        ? Of(await client.GetProviderContextAsync(id).ConfigureAwait(false))
                        : await Find(client, text, async () => (await client.EnumProviderContextsAsync().ConfigureAwait(false)).Select(c => (c.Key, c.ProviderContextId, c.DisplayData.Name))).ConfigureAwait(false);
                    await client.DeleteProviderContextAsync(target.Key).ConfigureAwait(false);
                    break;
            }

            if (args.Json)
            {
                console.Out.WriteLine(JsonReport.Build(w =>
                {
                    DaemonJson.Head(w, socket);
                    w.WriteString("deleted", args.Kind);
                    w.WriteString("key", target.Key.ToString());
                    if (target.Id != 0)
                    {
                        w.WriteNumber("id", target.Id);
                    }

                    w.WriteString("name", target.Name);
                    w.WriteEndObject();
                }));
            }
            else
            {
                var idText = target.Id == 0 ? "" : target.Id.ToString(CultureInfo.InvariantCulture) + " ";
                console.Out.WriteLine($"deleted {args.Kind.Replace('-', ' ')} {idText}\"{target.Name}\" {PolicyText.Braced(target.Key)}");
            }

            return 0;
        });

        // A key is used as is (a missing object fails with the daemon's *_NOT_FOUND); a name must match one object.
        async Task<(Guid, ulong, string)> Find(BfeClient client, string value, Func<Task<IEnumerable<(Guid Key, ulong Id, string Name)>>> list)
        {
            var all = (await list().ConfigureAwait(false)).ToList();
            if (Guid.TryParse(value, out var key))
            {
                return all.FirstOrDefault(o => o.Key == key) is { Key: var k } found && k != Guid.Empty ? found : (key, 0, "");
            }

            var byName = ObjectNames.ByName($"delete {args.Kind} {value}", args.Kind, value, all.Select(o => (o.Key, o.Name)));
            return all.First(o => o.Key == byName);
        }
    }

    private static (Guid, ulong, string) Of(Engine.Model.CalloutSpec c) => (c.Key, c.CalloutId, c.DisplayData.Name);

    private static (Guid, ulong, string) Of(Engine.Model.ProviderContextSpec c) => (c.Key, c.ProviderContextId, c.DisplayData.Name);
}
