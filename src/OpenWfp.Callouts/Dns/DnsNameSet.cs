namespace OpenWfp.Callouts.Dns;

/// <summary>
/// The compiled configuration of one openwfp.dns filter: names (<c>example.com</c>) and suffixes
/// (<c>*.example.com</c>: every name below it, not the name itself), case-insensitive, trailing dot ignored.
/// Matching a name allocates nothing.
/// </summary>
internal sealed class DnsNameSet
{
    private const int MaxLabelLength = 63;
    private const int MaxTextLength = 253;

    private readonly HashSet<string> _names;
    private readonly HashSet<string> _suffixes;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _suffixLookup;

    private DnsNameSet(HashSet<string> names, HashSet<string> suffixes)
    {
        _names = names;
        _suffixes = suffixes;
        _nameLookup = names.GetAlternateLookup<ReadOnlySpan<char>>();
        _suffixLookup = suffixes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many names and suffixes are listed (0: the filter only learns from answers).</summary>
    public int Count => _names.Count + _suffixes.Count;

    /// <summary>Parses the provider context text; a bad entry throws <see cref="FormatException"/> naming it.</summary>
    public static DnsNameSet Parse(string text)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var suffixes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.StartsWith('#'))
            {
                continue;
            }

            foreach (var raw in line.Split([',', ';', ' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                var entry = raw.ToLowerInvariant().TrimEnd('.');
                var suffix = entry.StartsWith("*.", StringComparison.Ordinal);
                var name = suffix ? entry[2..] : entry;
                if (!IsName(name))
                {
                    throw new FormatException($"openwfp.dns: \"{raw}\" is not a DNS name or *.suffix (letters, digits, '-', '_', labels of 1-63 characters)");
                }

                (suffix ? suffixes : names).Add(suffix ? "." + name : name);
            }
        }

        return new DnsNameSet(names, suffixes);
    }

    /// <summary>True when <paramref name="name"/> (lower-case, no trailing dot) is listed or is below a listed suffix.</summary>
    public bool Matches(ReadOnlySpan<char> name)
    {
        if (_names.Count > 0 && _nameLookup.Contains(name))
        {
            return true;
        }

        if (_suffixes.Count == 0)
        {
            return false;
        }

        for (var i = name.IndexOf('.'); i >= 0; i = NextDot(name, i))
        {
            if (_suffixLookup.Contains(name[i..]))
            {
                return true;
            }
        }

        return false;
    }

    private static int NextDot(ReadOnlySpan<char> name, int at)
    {
        var next = name[(at + 1)..].IndexOf('.');
        return next < 0 ? -1 : at + 1 + next;
    }

    private static bool IsName(string name)
    {
        if (name.Length == 0 || name.Length > MaxTextLength)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength)
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
