using System.Globalization;
using System.Text;

namespace OpenWfp.Engine.Values;

/// <summary>Text forms of values for people (explain output, errors). Not used on the classify path.</summary>
public static class FwpValueFormatter
{
    /// <summary>Formats a value by its type alone (numbers in decimal, blobs in hex, application ids as text).</summary>
    public static string Format(FwpValue value) => value.Type switch
    {
        FwpDataType.Empty => "(empty)",
        FwpDataType.UInt8 or FwpDataType.UInt16 or FwpDataType.UInt32 or FwpDataType.UInt64 =>
            value.RawUInt64.ToString(CultureInfo.InvariantCulture),
        FwpDataType.Int8 or FwpDataType.Int16 or FwpDataType.Int32 or FwpDataType.Int64 =>
            value.AsInt64.ToString(CultureInfo.InvariantCulture),
        FwpDataType.Float or FwpDataType.Double => value.AsDouble.ToString("R", CultureInfo.InvariantCulture),
        FwpDataType.ByteArray16 => FormatIPv6(value.RawUInt128),
        FwpDataType.ByteArray6 => FormatMac(value.RawUInt64),
        FwpDataType.ByteBlob => FormatBlob(value.Blob),
        FwpDataType.UnicodeString => value.String ?? "",
        _ => value.Reference?.ToString() ?? value.Type.ToString(),
    };

    /// <summary>Formats a value the way a field shows it: IPv4 address fields dotted, others as <see cref="Format(FwpValue)"/>.</summary>
    public static string Format(FwpValue value, bool isAddressField) =>
        isAddressField && value.Type == FwpDataType.UInt32 ? FormatIPv4((uint)value.RawUInt64) : Format(value);

    /// <summary>Dotted IPv4 text of an address in host order.</summary>
    public static string FormatIPv4(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    /// <summary>IPv6 text (RFC 5952 compressed) of a big-endian 128-bit number.</summary>
    public static string FormatIPv6(UInt128 address)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = (ushort)(address >> (112 - (16 * i)));
        }

        // Longest run of two or more zero words is written as "::".
        int bestStart = -1, bestLen = 0;
        for (var i = 0; i < 8;)
        {
            if (words[i] != 0)
            {
                i++;
                continue;
            }

            var j = i;
            while (j < 8 && words[j] == 0)
            {
                j++;
            }

            if (j - i > bestLen && j - i >= 2)
            {
                bestStart = i;
                bestLen = j - i;
            }

            i = j;
        }

        var sb = new StringBuilder(40);
        for (var i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                sb.Append("::");
                i += bestLen - 1;
                continue;
            }

            if (sb.Length > 0 && sb[^1] != ':')
            {
                sb.Append(':');
            }

            sb.Append(words[i].ToString("x", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>MAC text aa-bb-cc-dd-ee-ff of a 48-bit big-endian number.</summary>
    public static string FormatMac(ulong mac)
    {
        Span<char> chars = stackalloc char[17];
        for (var i = 0; i < 6; i++)
        {
            var b = (byte)(mac >> (40 - (8 * i)));
            chars[i * 3] = HexDigit(b >> 4);
            chars[(i * 3) + 1] = HexDigit(b & 0xf);
            if (i < 5)
            {
                chars[(i * 3) + 2] = '-';
            }
        }

        return new string(chars);
    }

    /// <summary>
    /// A blob as text: an application id (UTF-16LE with a terminating NUL, as FwpmGetAppIdFromFileName0 makes it)
    /// is shown as its path; anything else in hex.
    /// </summary>
    public static string FormatBlob(ReadOnlySpan<byte> blob)
    {
        if (AppId.TryDecode(blob, out var text))
        {
            return text;
        }

        return "0x" + Convert.ToHexStringLower(blob);
    }

    private static char HexDigit(int v) => (char)(v < 10 ? '0' + v : 'a' + v - 10);
}
