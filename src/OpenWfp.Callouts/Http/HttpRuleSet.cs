using System.Text;

namespace OpenWfp.Callouts.Http;

/// <summary>How a rule's host part matches.</summary>
internal enum HostMatch : byte
{
    Any,
    Exact,
    Suffix,
}

/// <summary>One compiled rule: method (or any), host (or any, or <c>*.suffix</c>), path prefix (or any).</summary>
internal sealed class HttpRule
{
    public required string Text { get; init; }

    /// <summary>The method in upper case, null for <c>*</c>.</summary>
    public byte[]? Method { get; init; }

    public HostMatch HostMatch { get; init; }

    /// <summary>Lower-case host (Exact), or <c>.suffix</c> with its leading dot (Suffix).</summary>
    public byte[] Host { get; init; } = [];

    /// <summary>The percent-decoded path prefix, null for any path.</summary>
    public byte[]? PathPrefix { get; init; }
}

/// <summary>
/// The compiled configuration of one openwfp.http-request filter (docs/BUILTIN-CALLOUTS.md, openwfp.http-request):
/// parsed once when the filter is added, matched per request without allocating.
/// </summary>
internal sealed class HttpRuleSet
{
    private const int MaxMethodLength = 32;

    private HttpRuleSet(HttpRule[] rules) => Rules = rules;

    public HttpRule[] Rules { get; }

    /// <summary>Parses the provider context text; a bad rule throws <see cref="FormatException"/> naming it.</summary>
    public static HttpRuleSet Parse(string text)
    {
        var rules = new List<HttpRule>();
        var number = 0;
        foreach (var raw in text.Split(['\n', ';']))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            rules.Add(ParseRule(line, number));
        }

        if (rules.Count == 0)
        {
            throw new FormatException("openwfp.http-request: the provider context lists no rules (expected METHOD [host[/path-prefix]], one per line or separated by ';')");
        }

        return new HttpRuleSet([.. rules]);
    }

    private static HttpRule ParseRule(string line, int number)
    {
        var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 2)
        {
            throw Bad(number, line, "expected METHOD [host[/path-prefix]]");
        }

        byte[]? method = null;
        if (parts[0] != "*")
        {
            if (parts[0].Length > MaxMethodLength || !IsMethod(parts[0]))
            {
                throw Bad(number, line, $"\"{parts[0]}\" is not an HTTP method (letters, digits, '-', '_'; or * for any)");
            }

            method = Encoding.ASCII.GetBytes(parts[0].ToUpperInvariant());
        }

        if (parts.Length == 1)
        {
            return new HttpRule { Text = line, Method = method };
        }

        var where = parts[1];
        var slash = where.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? where : where[..slash];
        var path = slash < 0 ? null : where[slash..];
        var match = HostMatch.Any;
        byte[] hostBytes = [];
        if (host.Length > 0 && host != "*")
        {
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }
            else if (host.Count(c => c == ':') == 1)
            {
                throw Bad(number, line, $"host \"{host}\" must not carry a port (rules match the host without its port)");
            }

            if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                match = HostMatch.Suffix;
                host = host[1..];
            }
            else
            {
                match = HostMatch.Exact;
            }

            host = host.TrimEnd('.').ToLowerInvariant();
            if (host.Length == 0 || host == "." || !IsHost(host))
            {
                throw Bad(number, line, $"\"{where}\" has no valid host (letters, digits, '-', '_', '.', an IPv6 literal in [ ], or *.suffix)");
            }

            hostBytes = Encoding.ASCII.GetBytes(host);
        }

        byte[]? prefix = null;
        if (path is not null && path != "/")
        {
            prefix = PercentDecode(path) ?? throw Bad(number, line, $"path prefix \"{path}\" has a bad %-escape");
        }

        return new HttpRule { Text = line, Method = method, HostMatch = match, Host = hostBytes, PathPrefix = prefix };
    }

    /// <summary>The first rule the request matches, or null. <paramref name="host"/> is without port and trailing dot.</summary>
    public HttpRule? Match(ReadOnlySpan<byte> method, ReadOnlySpan<byte> host, ReadOnlySpan<byte> path)
    {
        foreach (var rule in Rules)
        {
            if (rule.Method is { } m && !Ascii.EqualsIgnoreCase(m, method))
            {
                continue;
            }

            if (rule.HostMatch == HostMatch.Exact && !Ascii.EqualsIgnoreCase(rule.Host, host))
            {
                continue;
            }

            if (rule.HostMatch == HostMatch.Suffix
                && !(host.Length > rule.Host.Length && Ascii.EqualsIgnoreCase(rule.Host, host[^rule.Host.Length..])))
            {
                continue;
            }

            if (rule.PathPrefix is { } prefix && !StartsWithDecoded(path, prefix))
            {
                continue;
            }

            return rule;
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="path"/>, with its %-escapes decoded (RFC 3986 §2.1), starts with <paramref name="prefix"/>:
    /// <c>/%75pload</c> reaches the same resource as <c>/upload</c>, so it must not slip past the rule.
    /// </summary>
    internal static bool StartsWithDecoded(ReadOnlySpan<byte> path, ReadOnlySpan<byte> prefix)
    {
        var i = 0;
        foreach (var want in prefix)
        {
            if (i >= path.Length)
            {
                return false;
            }

            var b = path[i];
            if (b == (byte)'%' && i + 2 < path.Length && IsHex(path[i + 1]) && IsHex(path[i + 2]))
            {
                b = (byte)((Hex(path[i + 1]) << 4) | Hex(path[i + 2]));
                i += 3;
            }
            else
            {
                i++;
            }

            if (b != want)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    internal static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>A method byte: upper-case letters first, then letters, digits, '-' and '_' (RFC 9110 §9.1 allows any token; real methods use these).</summary>
    internal static bool IsMethodByte(byte b, bool first) =>
        b is >= (byte)'A' and <= (byte)'Z' || (!first && (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_'));

    private static bool IsMethod(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = char.ToUpperInvariant(s[i]);
            if (c > 0x7F || !IsMethodByte((byte)c, i == 0))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHost(string s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static byte[]? PercentDecode(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        var output = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'%')
            {
                output.Add(bytes[i]);
                continue;
            }

            if (i + 2 >= bytes.Length || !IsHex(bytes[i + 1]) || !IsHex(bytes[i + 2]))
            {
                return null;
            }

            output.Add((byte)((Hex(bytes[i + 1]) << 4) | Hex(bytes[i + 2])));
            i += 2;
        }

        return [.. output];
    }

    private static FormatException Bad(int number, string line, string why) =>
        new($"openwfp.http-request rule {number} \"{line}\": {why}");
}
