using System.Text.Json;

namespace OpenWfp.Cli.Input;

/// <summary>The built-in sample: samples/sample-policy.json and the scenarios of samples/sample-inputs.json, embedded in the assembly.</summary>
internal static class SampleScenarios
{
    public const string PolicyResource = "sample-policy.json";
    public const string InputsResource = "sample-inputs.json";

    public static string ReadResource(string name)
    {
        using var stream = OpenResource(name);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Opens a bundled sample file (samples/NAME, embedded in the wfp assembly).</summary>
    public static Stream OpenResource(string name)
    {
        var assembly = typeof(SampleScenarios).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + name, StringComparison.Ordinal));
        return assembly.GetManifestResourceStream(resource)!;
    }

    public static IReadOnlyList<ClassifyRequest> Load()
    {
        using var inputs = JsonDocument.Parse(ReadResource(InputsResource), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = inputs.RootElement;
        var policyName = root.GetProperty("policy").GetString()!;
        var engine = InputResolver.LoadPolicyText(ReadResource(policyName), policyName);
        var layer = InputResolver.ResolveLayer(root.GetProperty("layer").GetString()!);
        var list = new List<ClassifyRequest>();
        foreach (var scenario in root.GetProperty("scenarios").EnumerateArray())
        {
            var assignments = scenario.GetProperty("values").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!));
            var (values, given) = InputResolver.ResolveValues(layer, assignments);
            list.Add(new ClassifyRequest(policyName, engine, layer, values, given, scenario.GetProperty("name").GetString()));
        }

        return list;
    }
}
