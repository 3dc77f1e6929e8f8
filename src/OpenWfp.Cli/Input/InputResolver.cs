using OpenWfp.Cli.Commands;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.PolicyFile.Netsh;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Input;

/// <summary>Turns the command line's policy, layer and values into a <see cref="ClassifyRequest"/>; every mistake is a one-line user error.</summary>
internal static class InputResolver
{
    public static ClassifyRequest Resolve(ClassifyArguments args, TextWriter? warnings = null)
    {
        if (args.Policy is null)
        {
            throw new CliUserException("--policy FILE is required (or run 'wfp explain' with no options for the built-in sample)");
        }

        if (args.Layer is null)
        {
            throw new CliUserException($"{args.Policy}: --layer LAYER is required, e.g. --layer ALE_AUTH_CONNECT_V4");
        }

        var engine = LoadPolicy(args.Policy, warnings);
        return Resolve(args, engine, args.Policy);
    }

    /// <summary>The layer and values of the command line, against a policy already loaded (e.g. the daemon's).</summary>
    public static ClassifyRequest Resolve(ClassifyArguments args, FilterEngine engine, string policyName)
    {
        var layer = ResolveLayer(args.Layer ?? throw new CliUserException($"{policyName}: --layer LAYER is required, e.g. --layer ALE_AUTH_CONNECT_V4"));
        var (values, given) = ResolveValues(layer, args.Values.Select(SplitAssignment));
        return new ClassifyRequest(policyName, engine, layer, values, given);
    }

    /// <summary>Loads a policy file, native JSON or netsh XML (told apart by content); netsh items that could not be imported are listed on <paramref name="warnings"/>.</summary>
    public static FilterEngine LoadPolicy(string path, TextWriter? warnings = null)
    {
        var text = ReadPolicyText(path);
        return LoadPolicyText(text, path, warnings);
    }

    /// <summary>The text of a policy file, gunzipped when it is gzip (netsh dumps run to megabytes and are often kept compressed); a missing or unreadable file is a user error.</summary>
    public static string ReadPolicyText(string path)
    {
        string text;
        try
        {
            text = ReadMaybeGzip(path);
        }
        catch (InvalidDataException ex)
        {
            throw new CliUserException($"{path}: not a readable gzip file: {ex.Message}");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliUserException($"{path}: no such file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"{path}: cannot read: {ex.Message}");
        }

        return text;
    }

    // gzip's magic (RFC 1952, section 2.3.1): ID1 = 0x1f, ID2 = 0x8b.
    private static string ReadMaybeGzip(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        using var plain = new StreamReader(file, detectEncodingFromByteOrderMarks: true);
        return plain.ReadToEnd();
    }

    /// <summary>Whether a policy file's text is XML (a netsh dump, or XML that is not one) rather than native JSON.</summary>
    public static bool IsXml(string text) =>
        NetshImporter.LooksLikeNetsh(text) || text.AsSpan().TrimStart('\uFEFF').TrimStart().StartsWith("<");

    /// <summary>Loads policy text, native JSON or netsh XML.</summary>
    public static FilterEngine LoadPolicyText(string text, string source, TextWriter? warnings = null)
    {
        if (IsXml(text))
        {
            var result = NetshImporter.Import(NetshImporter.Read(text, source), out var imported);
            if (warnings is not null && result.Skipped.Count > 0)
            {
                warnings.WriteLine($"wfp: {source}: {result.Skipped.Count} item(s) not imported:");
                foreach (var item in result.Skipped)
                {
                    warnings.WriteLine("  " + item);
                }
            }

            return imported;
        }

        var document = PolicyJsonReader.Read(text, source);
        var engine = new FilterEngine();
        document.ApplyTo(engine);
        return engine;
    }

    public static LayerInfo ResolveLayer(string text) =>
        LayerCatalog.TryFindLayer(text, out var layer)
            ? layer
            : throw new CliUserException($"--layer {text}: unknown layer (use a name such as ALE_AUTH_CONNECT_V4, with or without FWPM_LAYER_, or a layer GUID)");

    public static (FwpValue[] Values, List<GivenValue> Given) ResolveValues(LayerInfo layer, IEnumerable<(string Field, string Text)> assignments)
    {
        var values = new FwpValue[layer.Fields.Count];
        var given = new List<GivenValue>();
        foreach (var (name, text) in assignments)
        {
            var field = layer.FindField(name) ?? throw new CliUserException($"--value {name}={text}: layer {layer.ShortName} has no field {name}");
            FwpValue value;
            try
            {
                value = FieldValueParser.ParseIncoming(field, text);
            }
            catch (FormatException ex)
            {
                throw new CliUserException($"--value {name}={text}: {ex.Message}");
            }

            values[field.Index] = value;
            given.RemoveAll(g => g.Field == field);
            given.Add(new GivenValue(field, text, value));
        }

        return (values, given);
    }

    public static (string Field, string Text) SplitAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new CliUserException($"--value {assignment}: expected FIELD=VALUE, e.g. IP_REMOTE_PORT=443");
        }

        return (assignment[..eq].Trim(), assignment[(eq + 1)..]);
    }
}
