using System.Text;
using OpenWfp.Engine.Callouts;

namespace OpenWfp.Samples.Callouts;

/// <summary>
/// How the samples read their configuration: the UTF-8 text of the provider context their filter references
/// (<c>wfp add provider-context --data TEXT</c>, a FWPM_GENERAL_CONTEXT), parsed once per filter and kept in
/// <see cref="RuntimeFilter.CalloutContext"/> (docs/CALLOUTS.md, Configuration).
/// </summary>
internal static class SampleConfig
{
    /// <summary>The provider context's text, or empty when the filter has none.</summary>
    public static string Text(RuntimeFilter filter)
    {
        var data = filter.ProviderContext?.Data;
        return data is null ? "" : Encoding.UTF8.GetString(data).TrimEnd('\0').Trim();
    }

    /// <summary>
    /// The filter's parsed configuration: parsed on first use (a filter may predate the callout's registration, so
    /// notify alone cannot be relied on) and cached on the run-time filter, which lives as long as the policy does.
    /// </summary>
    public static T Of<T>(RuntimeFilter filter, Func<string, T> parse)
        where T : class
    {
        if (filter.CalloutContext is T parsed)
        {
            return parsed;
        }

        parsed = parse(Text(filter));
        filter.CalloutContext = parsed;
        return parsed;
    }

    /// <summary>"key=value" pairs separated by ';' or new lines; keys are case-insensitive.</summary>
    public static Dictionary<string, string> Pairs(string text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"'{part}' is not key=value");
            }

            pairs[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }

        return pairs;
    }
}
