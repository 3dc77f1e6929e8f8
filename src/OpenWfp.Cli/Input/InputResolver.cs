using OpenWfp.Cli.Commands;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Input;

/// <summary>Turns the command line's policy, layer and values into a <see cref="ClassifyRequest"/>; every mistake is a one-line user error.</summary>
internal static class InputResolver
{
    public static ClassifyRequest Resolve(ClassifyArguments args)
    {
        if (args.Policy is null)
        {
            throw new CliUserException("--policy FILE is required (or run 'wfp explain' with no options for the built-in sample)");
        }

        if (args.Layer is null)
        {
            throw new CliUserException($"{args.Policy}: --layer LAYER is required, e.g. --layer ALE_AUTH_CONNECT_V4");
        }

        var engine = LoadPolicy(args.Policy);
        var layer = ResolveLayer(args.Layer);
        var (values, given) = ResolveValues(layer, args.Values.Select(SplitAssignment));
        return new ClassifyRequest(args.Policy, engine, layer, values, given);
    }

    public static FilterEngine LoadPolicy(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliUserException($"{path}: no such file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"{path}: cannot read: {ex.Message}");
        }

        return LoadPolicyText(text, path);
    }

    public static FilterEngine LoadPolicyText(string text, string source)
    {
        if (text.AsSpan().TrimStart().StartsWith("<"))
        {
            throw new CliUserException($"{source}: this looks like a netsh XML dump; netsh XML import is not supported yet (use the native JSON format, docs/POLICY.md)");
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

    private static (string Field, string Text) SplitAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new CliUserException($"--value {assignment}: expected FIELD=VALUE, e.g. IP_REMOTE_PORT=443");
        }

        return (assignment[..eq].Trim(), assignment[(eq + 1)..]);
    }
}
