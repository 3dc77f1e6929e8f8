using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenWfp.Cli.Input;
using OpenWfp.Engine;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.PolicyFile.Netsh;

namespace OpenWfp.Cli.Commands;

/// <summary>The behaviour of <c>wfp import</c>: a netsh dump in, counts and skipped items out, optionally native JSON.</summary>
internal sealed class ImportCommand(CliConsole console)
{
    public int Run(ImportArguments args)
    {
        var text = InputResolver.ReadPolicyText(args.File);
        if (!InputResolver.IsXml(text))
        {
            throw new CliUserException($"{args.File}: not a netsh XML dump (expected <wfpdiag> or <wfpstate>); native JSON policies need no import");
        }

        var document = NetshImporter.Read(text, args.File);
        var result = NetshImporter.Import(document, out var engine);
        if (args.Out is not null)
        {
            WritePolicy(engine, args.Out, args.File);
        }

        if (args.Json)
        {
            console.Out.WriteLine(Json(document, result, args.Out));
        }
        else
        {
            WriteText(document, result, args.Out);
        }

        return 0;
    }

    // The native format has no filter ids or effective weights: the effective weight becomes an explicit
    // FWP_UINT64 weight, so the order of filters is kept; ids are assigned afresh when the file is loaded.
    private static void WritePolicy(FilterEngine engine, string path, string source)
    {
        var document = PolicyDocument.FromSnapshot(engine.Current, path, $"imported from netsh XML {Path.GetFileName(source)}");
        try
        {
            File.WriteAllText(path, PolicyJsonWriter.Write(document));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"{path}: cannot write: {ex.Message}");
        }
    }

    private void WriteText(NetshDocument document, NetshImportResult result, string? outPath)
    {
        var o = console.Out;
        o.WriteLine($"{document.Source}: {(document.Kind == NetshDumpKind.State ? "netsh wfp show state" : "netsh wfp show filters")} dump");
        o.WriteLine($"  providers  {result.Providers}");
        o.WriteLine($"  sublayers  {result.Sublayers}");
        o.WriteLine($"  callouts   {result.Callouts}");
        o.WriteLine($"  filters    {result.Filters}");
        o.WriteLine($"  provider contexts  {result.ProviderContexts}");
        if (result.BuiltinObjects > 0)
        {
            o.WriteLine($"  built-in providers, sublayers and callouts with state from the dump: {result.BuiltinObjects}");
        }

        if (result.BuiltinSublayerWeights > 0)
        {
            o.WriteLine($"  built-in sublayer weights taken from the dump: {result.BuiltinSublayerWeights}");
        }

        if (result.State.Count > 0)
        {
            o.WriteLine("  run-time state read, not imported: " + string.Join(", ", result.State.Select(s => $"{s.Key} {s.Value}")));
        }

        if (result.Skipped.Count == 0)
        {
            o.WriteLine("skipped: none");
        }
        else
        {
            o.WriteLine($"skipped {result.Skipped.Count} item(s):");
            foreach (var item in result.Skipped)
            {
                o.WriteLine("  " + item);
            }
        }

        foreach (var note in result.Notes)
        {
            o.WriteLine("note: " + note);
        }

        if (outPath is not null)
        {
            o.WriteLine($"wrote {outPath} (native JSON; filter ids are not kept, effective weights are kept as weights)");
        }
    }

    private static string Json(NetshDocument document, NetshImportResult result, string? outPath)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("source", document.Source);
            w.WriteString("kind", document.Kind == NetshDumpKind.State ? "state" : "filters");
            w.WriteNumber("providers", result.Providers);
            w.WriteNumber("sublayers", result.Sublayers);
            w.WriteNumber("callouts", result.Callouts);
            w.WriteNumber("providerContexts", result.ProviderContexts);
            w.WriteNumber("filters", result.Filters);
            w.WriteNumber("builtinObjects", result.BuiltinObjects);
            w.WriteNumber("builtinSublayerWeights", result.BuiltinSublayerWeights);
            w.WriteStartObject("state");
            foreach (var (section, items) in result.State)
            {
                w.WriteNumber(section, items);
            }

            w.WriteEndObject();
            w.WriteStartArray("skipped");
            foreach (var item in result.Skipped)
            {
                w.WriteStartObject();
                w.WriteString("path", item.Path);
                w.WriteString("name", item.Name);
                w.WriteString("reason", item.Reason);
                w.WriteString("error", item.Error);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("notes");
            foreach (var note in result.Notes)
            {
                w.WriteStringValue(note);
            }

            w.WriteEndArray();
            w.WriteString("out", outPath);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
