using System.Text.RegularExpressions;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Input;

/// <summary>
/// Reads <c>--condition "FIELD OP VALUE"</c>. OP is <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>,
/// <c>&gt;=</c>, <c>in</c> (a range <c>a-b</c>, or an address/prefix), <c>flags-all</c>, <c>flags-any</c>,
/// <c>flags-none</c>, <c>ends-with</c>, <c>not-ends-with</c> (and the policy format's match names). VALUE is parsed by
/// the field's type as policy files are (<see cref="FieldValueParser"/>); it may be quoted.
/// </summary>
internal static partial class ConditionParser
{
    /// <summary>The operators the command line documents, in order.</summary>
    public static readonly IReadOnlyList<string> Operators = ["==", "!=", "<", "<=", ">", ">=", "in", "flags-all", "flags-any", "flags-none", "ends-with", "not-ends-with"];

    public static FilterCondition Parse(LayerInfo layer, string text)
    {
        var (fieldName, op, valueText) = Split(text);
        var field = layer.FindField(fieldName)
            ?? throw new CliUserException($"--condition \"{text}\": layer {layer.ShortName} has no field {fieldName}");
        if (field.ConditionKey is not { } key)
        {
            throw new CliUserException($"--condition \"{text}\": {field.Name} cannot be used in a condition (it has no FWPM_CONDITION_ GUID)");
        }

        if (!PolicyNames.TryParseMatchType(op, out var match))
        {
            throw new CliUserException($"--condition \"{text}\": unknown operator \"{op}\" (one of {string.Join(" ", Operators)})");
        }

        // "in" is a range, or, with an address/prefix, an address mask (which WFP matches with FWP_MATCH_EQUAL).
        if (match == FwpMatchType.Range && valueText.Contains('/', StringComparison.Ordinal))
        {
            match = FwpMatchType.Equal;
        }

        try
        {
            return new FilterCondition(key, match, FieldValueParser.ParseCondition(field, match, valueText));
        }
        catch (FormatException ex)
        {
            throw new CliUserException($"--condition \"{text}\": {ex.Message}");
        }
    }

    private static (string Field, string Op, string Value) Split(string text)
    {
        var m = SymbolicForm().Match(text);
        if (!m.Success)
        {
            m = WordForm().Match(text);
        }

        if (!m.Success)
        {
            throw new CliUserException($"--condition \"{text}\": expected FIELD OP VALUE, e.g. \"IP_REMOTE_PORT == 23\" or \"IP_REMOTE_ADDRESS in 10.0.0.0/8\"");
        }

        var value = m.Groups["value"].Value.Trim();
        if (value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')))
        {
            value = value[1..^1];
        }

        return (m.Groups["field"].Value, m.Groups["op"].Value, value);
    }

    [GeneratedRegex(@"^\s*(?<field>[^\s=!<>]+)\s*(?<op>==|!=|<=|>=|<|>)\s*(?<value>\S.*)$", RegexOptions.Singleline)]
    private static partial Regex SymbolicForm();

    [GeneratedRegex(@"^\s*(?<field>\S+)\s+(?<op>\S+)\s+(?<value>\S.*)$", RegexOptions.Singleline)]
    private static partial Regex WordForm();
}
