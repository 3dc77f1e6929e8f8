using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenWfp.Cli.Daemon;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Client;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.PolicyFile.Netsh;

namespace OpenWfp.Cli.Commands;

/// <summary>The parsed command line of <c>wfp apply FILE</c>.</summary>
/// <param name="Socket">--socket (null or "" for the environment or the default).</param>
/// <param name="File">The policy file.</param>
/// <param name="Persistent">--persistent: every object gets its PERSISTENT flag.</param>
/// <param name="Partial">--partial: apply a netsh dump even when some of its items cannot be represented.</param>
/// <param name="Json">--json.</param>
internal sealed record ApplyArguments(string? Socket, string File, bool Persistent, bool Partial, bool Json);

/// <summary>
/// The syntax and behaviour of <c>wfp apply FILE</c>: every object of a policy file (native JSON or netsh XML) added
/// to wfpd in one transaction. The first object the daemon refuses aborts it: nothing is applied.
/// </summary>
internal sealed partial class ApplyCommand(CliConsole console)
{
    public static Command Create(Func<ApplyArguments, int> action)
    {
        var socket = SocketOption.Create();
        var file = new Argument<string>("FILE") { Description = "A policy: native JSON (docs/POLICY.md) or a netsh wfp show filters / show state XML dump." };
        var persistent = new Option<bool>("--persistent") { Description = "Make every provider, sublayer, callout and filter persistent: stored, and back after wfpd restarts." };
        var partial = new Option<bool>("--partial") { Description = "For a netsh dump with items OpenWfp cannot represent (see 'wfp import FILE'): apply the rest instead of refusing." };
        var json = new Option<bool>("--json") { Description = "Print the counts and the new filter ids as one JSON document." };
        var command = new Command(
            "apply",
            "Add every object of a policy file to the running wfpd in one transaction: providers, sublayers, callouts, then " +
            "filters. If wfpd refuses one, the transaction is aborted, nothing is applied, and the object and the FWP_E_* " +
            "error are named. Without --persistent the objects last until they are deleted or wfpd stops. Filter ids the " +
            "file carries (an imported policy's) are kept; others are assigned by wfpd.\n\n" +
            "Examples:\n" +
            "  wfp apply samples/sample-policy.json\n" +
            "  wfp apply wfpstate.xml --socket /tmp/wfp/bfe.sock --persistent");
        command.Arguments.Add(file);
        command.Options.Add(socket);
        command.Options.Add(SocketOption.CreateWait());
        command.Options.Add(persistent);
        command.Options.Add(partial);
        command.Options.Add(json);
        command.SetAction(parseResult => action(new ApplyArguments(
            SocketOption.Read(parseResult, socket),
            parseResult.GetValue(file)!,
            parseResult.GetValue(persistent),
            parseResult.GetValue(partial),
            parseResult.GetValue(json))));
        return command;
    }

    public int Run(ApplyArguments args)
    {
        var document = Read(args.File, args.Partial);
        if (args.Persistent)
        {
            document = MakePersistent(document);
        }

        var what = "apply " + args.File;
        return DaemonSession.Run(args.Socket, console.DaemonWait, what, async (client, socket) =>
        {
            var stored = await ApplyAsync(client, document, what).ConfigureAwait(false);
            var ids = stored.Select(f => f.FilterId).ToList();
            if (args.Json)
            {
                console.Out.WriteLine(JsonReport.Build(w =>
                {
                    DaemonJson.Head(w, socket);
                    w.WriteString("file", args.File);
                    w.WriteNumber("providers", document.Providers.Count);
                    w.WriteNumber("sublayers", document.Sublayers.Count);
                    w.WriteNumber("callouts", document.Callouts.Count);
                    w.WriteNumber("filters", stored.Count);
                    w.WriteStartArray("filterIds");
                    foreach (var id in ids)
                    {
                        w.WriteNumberValue(id);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else
            {
                var o = console.Out;
                o.WriteLine($"applied {args.File} to wfpd at {socket} in one transaction{(args.Persistent ? " (persistent)" : "")}");
                o.WriteLine($"  providers  {document.Providers.Count.ToString(CultureInfo.InvariantCulture)}");
                o.WriteLine($"  sublayers  {document.Sublayers.Count.ToString(CultureInfo.InvariantCulture)}");
                o.WriteLine($"  callouts   {document.Callouts.Count.ToString(CultureInfo.InvariantCulture)}");
                o.WriteLine($"  filters    {stored.Count.ToString(CultureInfo.InvariantCulture)}{(ids.Count > 0 ? $"  (ids {IdRanges(ids)})" : "")}");
            }

            return 0;
        });
    }

    /// <summary>Reads a policy file into the objects to add: native JSON as written, a netsh dump as <c>wfp import</c> reads it.</summary>
    internal static PolicyDocument Read(string path, bool partial)
    {
        var text = InputResolver.ReadPolicyText(path);
        if (!InputResolver.IsXml(text))
        {
            return PolicyJsonReader.Read(text, path);
        }

        var result = NetshImporter.Import(NetshImporter.Read(text, path), out var engine);
        if (result.Skipped.Count > 0 && !partial)
        {
            throw new CliUserException($"{path}: {result.Skipped.Count.ToString(CultureInfo.InvariantCulture)} item(s) of the dump cannot be represented ('wfp import {path}' lists them); nothing applied (--partial applies the rest)");
        }

        // As 'wfp import --out' writes it, without the Windows machine's ids, which are the daemon's to assign.
        var document = PolicyDocument.FromSnapshot(engine.Current, path);
        return new PolicyDocument
        {
            Source = path,
            Providers = document.Providers,
            Sublayers = document.Sublayers,
            Callouts = [.. document.Callouts.Select(c => c with { CalloutId = 0 })],
            ProviderContexts = [.. document.ProviderContexts.Select(c => c with { ProviderContextId = 0 })],
            Filters = [.. document.Filters.Select(f => f with { EffectiveWeight = 0 })],
        };
    }

    /// <summary>Adds a document in one transaction; the first refusal aborts it and is reported with the object.</summary>
    internal static async Task<IReadOnlyList<FilterSpec>> ApplyAsync(BfeClient client, PolicyDocument document, string what)
    {
        await client.BeginTransactionAsync().ConfigureAwait(false);
        var stored = new List<FilterSpec>(document.Filters.Count);
        try
        {
            for (var i = 0; i < document.Providers.Count; i++)
            {
                var p = document.Providers[i];
                await Add("providers", i, "provider", p.DisplayData.Name, () => client.AddProviderAsync(p)).ConfigureAwait(false);
            }

            for (var i = 0; i < document.Sublayers.Count; i++)
            {
                var s = document.Sublayers[i];
                await Add("sublayers", i, "sublayer", s.DisplayData.Name, () => client.AddSublayerAsync(s)).ConfigureAwait(false);
            }

            for (var i = 0; i < document.Callouts.Count; i++)
            {
                var c = document.Callouts[i];
                await Add("callouts", i, "callout", c.DisplayData.Name, () => client.AddCalloutAsync(c)).ConfigureAwait(false);
            }

            for (var i = 0; i < document.ProviderContexts.Count; i++)
            {
                var c = document.ProviderContexts[i];
                await Add("providerContexts", i, "provider context", c.DisplayData.Name, () => client.AddProviderContextAsync(c)).ConfigureAwait(false);
            }

            for (var i = 0; i < document.Filters.Count; i++)
            {
                var f = document.Filters[i];
                stored.Add(await Add("filters", i, "filter", f.DisplayData.Name, () => client.AddFilterAsync(f)).ConfigureAwait(false));
            }

            await client.CommitTransactionAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WfpException or CliUserException)
        {
            try
            {
                await client.AbortTransactionAsync().ConfigureAwait(false);
            }
            catch (WfpException)
            {
                // Already aborted (a failed commit), or the connection is gone: either way nothing was applied.
            }

            if (ex is WfpException w)
            {
                // The commit failed (a store error, say): the daemon rolled it back.
                throw new CliUserException(DaemonSession.Failure($"{what}: commit", w).Message + "; nothing applied");
            }

            throw;
        }

        return stored;

        async Task<T> Add<T>(string collection, int index, string kind, string name, Func<Task<T>> add)
        {
            try
            {
                return await add().ConfigureAwait(false);
            }
            catch (WfpException ex)
            {
                throw new CliUserException(Refusal($"{what}: {PolicyDocument.Label(collection, index, name)}", kind, name, ex) + "; nothing applied");
            }
        }
    }

    /// <summary>
    /// The line for an object the daemon refused. Its message starts by naming the object (<c>filter "X" {key}: </c>),
    /// which the label already does: that part is dropped and the key kept.
    /// </summary>
    internal static string Refusal(string label, string kind, string name, WfpException ex)
    {
        var line = DaemonSession.Failure(label, ex).Message;
        var head = $"{label}: {kind} \"{name}\"";
        if (!line.StartsWith(head, StringComparison.Ordinal))
        {
            return line;
        }

        var rest = line[head.Length..];
        var key = ObjectKey().Match(rest);
        return key.Success ? $"{label} {key.Groups[1].Value}: {rest[key.Length..]}" : rest.StartsWith(": ", StringComparison.Ordinal) ? label + rest : line;
    }

    [GeneratedRegex(@"^ (\{[0-9a-fA-F-]{36}\}): ")]
    private static partial Regex ObjectKey();

    private static PolicyDocument MakePersistent(PolicyDocument d) => new()
    {
        Source = d.Source,
        Description = d.Description,
        Providers = [.. d.Providers.Select(p => p with { Flags = p.Flags | ProviderFlags.Persistent })],
        Sublayers = [.. d.Sublayers.Select(s => s with { Flags = s.Flags | SublayerFlags.Persistent })],
        Callouts = [.. d.Callouts.Select(c => c with { Flags = c.Flags | CalloutFlags.Persistent })],
        Filters = [.. d.Filters.Select(f => f with { Flags = f.Flags | FilterFlags.Persistent })],
    };

    /// <summary>Ids as ranges: <c>1-4, 7, 9-10</c>.</summary>
    internal static string IdRanges(IReadOnlyList<ulong> ids)
    {
        var sorted = ids.Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            parts.Add(j == i
                ? sorted[i].ToString(CultureInfo.InvariantCulture)
                : $"{sorted[i].ToString(CultureInfo.InvariantCulture)}-{sorted[j].ToString(CultureInfo.InvariantCulture)}");
            i = j + 1;
        }

        return string.Join(", ", parts);
    }
}
