namespace OpenWfp.Dataplane.Rules;

/// <summary>Turns an iptables tool's failure into one line that says what is wrong and what to do.</summary>
internal static class RulesErrors
{
    // Matched in the tool's stderr (iptables 1.8.9 wording, seen on this project's machines); first match wins.
    private static readonly (string Needle, string Meaning)[] KnownErrors =
    [
        ("Permission denied", "changing netfilter rules needs root (CAP_NET_ADMIN)"),
        ("Operation not permitted", "changing netfilter rules needs root (CAP_NET_ADMIN)"),
        ("Couldn't load target `NFQUEUE'", "the kernel has no NFQUEUE target (CONFIG_NETFILTER_XT_TARGET_NFQUEUE): load xt_NFQUEUE"),
        ("Couldn't load target `CONNMARK'", "the kernel has no CONNMARK target (CONFIG_NETFILTER_XT_CONNMARK): load xt_connmark"),
        ("Couldn't load match `connmark'", "the kernel has no connmark match (CONFIG_NETFILTER_XT_CONNMARK): load xt_connmark"),
        ("Couldn't load match `mark'", "the kernel has no mark match (CONFIG_NETFILTER_XT_MARK): load xt_mark"),
        ("Couldn't load match `icmp6'", "the kernel has no ICMPv6 match (CONFIG_IP6_NF_IPTABLES): load ip6_tables"),
        ("Could not fetch rule set generation id", "the kernel has no nf_tables (CONFIG_NF_TABLES, CONFIG_NFT_COMPAT): load nf_tables and nft_compat"),
    ];

    /// <summary>The exception for a tool that exited with an error.</summary>
    /// <param name="tool">The tool's path.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="result">How it ended.</param>
    /// <param name="input">What it read on stdin (restore text), to quote the line it names; null for none.</param>
    /// <returns>The exception, its message on one line.</returns>
    public static RulesException Failure(string tool, IReadOnlyList<string> arguments, ToolResult result, string? input)
    {
        var command = $"{Path.GetFileName(tool)} {string.Join(' ', arguments)}".TrimEnd();
        var detail = OneLine(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput);
        var line = input is null ? null : FailedLine(result.StandardError, input);
        if (line is not null)
        {
            detail += $" [{line}]";
        }

        var meaning = Meaning(result.StandardError);
        var message = meaning is null
            ? $"{command} failed (exit {result.ExitCode}): {detail}"
            : $"{meaning} ({command}, exit {result.ExitCode}: {detail})";
        return new RulesException(message, result.ExitCode, result.StandardError);
    }

    /// <summary>The known cause behind an error output, or null.</summary>
    /// <param name="standardError">The tool's stderr.</param>
    /// <returns>One line naming the cause and the fix, or null.</returns>
    public static string? Meaning(string standardError)
    {
        foreach (var (needle, meaning) in KnownErrors)
        {
            if (standardError.Contains(needle, StringComparison.Ordinal))
            {
                return meaning;
            }
        }

        return null;
    }

    /// <summary>Joins the non-empty lines of a tool's output with " | ", dropping iptables' usage hint.</summary>
    /// <param name="text">The output.</param>
    /// <returns>One line.</returns>
    public static string OneLine(string text) => string.Join(
        " | ",
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Try `", StringComparison.Ordinal)));

    // iptables-restore names the failing line ("Error occurred at line: 4" or "line 4 failed"); quoting it saves the
    // reader from rebuilding the transaction text.
    private static string? FailedLine(string standardError, string input)
    {
        var number = NumberAfter(standardError, "Error occurred at line: ") ?? NumberAfter(standardError, ": line ");
        if (number is not { } n)
        {
            return null;
        }

        var lines = input.Split('\n');
        return n >= 1 && n <= lines.Length ? $"line {n}: {lines[n - 1]}" : null;
    }

    private static int? NumberAfter(string text, string marker)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + marker.Length;
        var end = start;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return end > start ? int.Parse(text.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
