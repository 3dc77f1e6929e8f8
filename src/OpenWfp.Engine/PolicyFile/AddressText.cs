using System.Globalization;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// Small IPv4/IPv6/MAC text parsers. The engine may not use System.Net.IPAddress (BannedSymbols), and these are
/// strict on purpose: a policy typo must be an error, not a surprising address.
/// </summary>
internal static class AddressText
{
    public static bool TryParseIPv4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var parts = 0;
        while (true)
        {
            var dot = text.IndexOf('.');
            var part = dot < 0 ? text : text[..dot];
            if (part.Length is 0 or > 3 || !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet) || octet > 255)
            {
                return false;
            }

            address = (address << 8) | octet;
            parts++;
            if (dot < 0)
            {
                return parts == 4;
            }

            if (parts == 4)
            {
                return false;
            }

            text = text[(dot + 1)..];
        }
    }

    public static bool TryParseIPv6(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = 0;
        if (text.Length < 2)
        {
            return false;
        }

        Span<ushort> words = stackalloc ushort[8];
        var head = new List<ushort>(8);
        var tail = new List<ushort>(8);
        var gap = text.IndexOf("::", StringComparison.Ordinal);
        if (gap >= 0 && text[(gap + 2)..].IndexOf("::", StringComparison.Ordinal) >= 0)
        {
            return false;
        }

        if (gap >= 0)
        {
            if (!TryParseWords(text[..gap], head, allowV4Tail: false) || !TryParseWords(text[(gap + 2)..], tail, allowV4Tail: true))
            {
                return false;
            }

            if (head.Count + tail.Count > 7)
            {
                return false;
            }
        }
        else
        {
            if (!TryParseWords(text, head, allowV4Tail: true) || head.Count != 8)
            {
                return false;
            }
        }

        for (var i = 0; i < head.Count; i++)
        {
            words[i] = head[i];
        }

        for (var i = 0; i < tail.Count; i++)
        {
            words[8 - tail.Count + i] = tail[i];
        }

        foreach (var w in words)
        {
            address = (address << 16) | w;
        }

        return true;
    }

    public static bool TryParseMac(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = new byte[6];
        if (text.Length != 17)
        {
            return false;
        }

        var sep = text[2];
        if (sep is not (':' or '-'))
        {
            return false;
        }

        for (var i = 0; i < 6; i++)
        {
            if (i < 5 && text[(i * 3) + 2] != sep)
            {
                return false;
            }

            if (!byte.TryParse(text.Slice(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseWords(ReadOnlySpan<char> text, List<ushort> words, bool allowV4Tail)
    {
        if (text.Length == 0)
        {
            return true;
        }

        while (true)
        {
            var colon = text.IndexOf(':');
            var part = colon < 0 ? text : text[..colon];
            if (colon < 0 && allowV4Tail && part.Contains('.'))
            {
                if (!TryParseIPv4(part, out var v4))
                {
                    return false;
                }

                words.Add((ushort)(v4 >> 16));
                words.Add((ushort)v4);
                return true;
            }

            if (part.Length is 0 or > 4 || !ushort.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var w))
            {
                return false;
            }

            words.Add(w);
            if (colon < 0)
            {
                return true;
            }

            text = text[(colon + 1)..];
        }
    }
}
