using System.Globalization;
using System.Numerics;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// Turns the text people write (<c>--value IP_REMOTE_PORT=443</c>, a condition's <c>"value"</c>) into engine
/// values, choosing the data type from the field. Every failure is a <see cref="FormatException"/> whose message
/// names the field and says what was expected. <see cref="FormatValue"/> and <see cref="FormatCondition"/> write
/// text this class reads back to the same value.
/// </summary>
public static class FieldValueParser
{
    // The names people write for IP_PROTOCOL, with their numbers from IANA "Assigned Internet Protocol Numbers"
    // (netinet/in.h IPPROTO_*). The engine does not reference OpenWfp.Wire, whose IpProtocol holds the ones it parses.
    private static readonly (string Name, byte Number)[] Protocols =
    [
        ("icmp", 1), ("igmp", 2), ("tcp", 6), ("udp", 17), ("gre", 47), ("esp", 50), ("ah", 51), ("icmpv6", 58), ("sctp", 132),
    ];

    /// <summary>The word that stands for FWP_EMPTY.</summary>
    public const string EmptyWord = "empty";

    /// <summary>Parses an incoming (classify-time) value for <paramref name="field"/>, typed as the stack supplies it.</summary>
    /// <exception cref="FormatException">The text does not fit the field.</exception>
    public static FwpValue ParseIncoming(LayerFieldInfo field, string text)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(text);
        if (IsEmptyWord(text))
        {
            return FwpValue.Empty;
        }

        if (field.IncomingType == FwpDataType.Empty)
        {
            throw new FormatException($"{field.Name} is a reserved field and takes no value (only \"{EmptyWord}\")");
        }

        return ParseScalar(field, field.IncomingType, text);
    }

    /// <summary>
    /// Parses a condition value for <paramref name="field"/>. Without <paramref name="type"/> the type follows from
    /// the match type and the text: <c>range</c> takes <c>lo-hi</c>; <c>addr/len</c> or <c>addr/mask</c> gives an
    /// address mask where the field allows one; otherwise the field's scalar condition type.
    /// </summary>
    /// <exception cref="FormatException">The text does not fit the field.</exception>
    public static FwpConditionValue ParseCondition(LayerFieldInfo field, FwpMatchType match, string text, FwpDataType? type = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(text);
        var t = type ?? DefaultConditionType(field, match, text);
        switch (t)
        {
            case FwpDataType.Range:
                return ParseRange(field, ScalarConditionType(field), text);
            case FwpDataType.V4AddrMask:
                return ParseV4Mask(field, text);
            case FwpDataType.V6AddrMask:
                return ParseV6Mask(field, text);
            case FwpDataType.Empty:
                if (!IsEmptyWord(text))
                {
                    throw new FormatException($"{field.Name}: type FWP_EMPTY takes the value \"{EmptyWord}\", not \"{text}\"");
                }

                return FwpConditionValue.Of(FwpValue.Empty);
            default:
                return FwpConditionValue.Of(ParseScalar(field, t, text));
        }
    }

    /// <summary>Parses one value of a given single data type for <paramref name="field"/>.</summary>
    /// <exception cref="FormatException">The text is not a value of that type.</exception>
    public static FwpValue ParseScalar(LayerFieldInfo field, FwpDataType type, string text)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        try
        {
            return type switch
            {
                FwpDataType.Empty => IsEmptyWord(s) ? FwpValue.Empty : throw Expected(field, $"\"{EmptyWord}\"", text),
                FwpDataType.UInt8 => FwpValue.FromUInt8((byte)ParseUnsigned(field, s, byte.MaxValue, text)),
                FwpDataType.UInt16 => FwpValue.FromUInt16((ushort)ParseUnsigned(field, s, ushort.MaxValue, text)),
                FwpDataType.UInt32 => AddressText.TryParseIPv4(s, out var v4) ? FwpValue.FromUInt32(v4) : FwpValue.FromUInt32((uint)ParseUnsigned(field, s, uint.MaxValue, text)),
                FwpDataType.UInt64 => FwpValue.FromUInt64(ParseUnsigned(field, s, ulong.MaxValue, text)),
                FwpDataType.Int8 => FwpValue.FromInt8((sbyte)ParseSigned(field, s, sbyte.MinValue, sbyte.MaxValue, text)),
                FwpDataType.Int16 => FwpValue.FromInt16((short)ParseSigned(field, s, short.MinValue, short.MaxValue, text)),
                FwpDataType.Int32 => FwpValue.FromInt32((int)ParseSigned(field, s, int.MinValue, int.MaxValue, text)),
                FwpDataType.Int64 => FwpValue.FromInt64(ParseSigned(field, s, long.MinValue, long.MaxValue, text)),
                FwpDataType.Float => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? FwpValue.FromFloat(f) : throw Expected(field, "a floating-point number", text),
                FwpDataType.Double => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? FwpValue.FromDouble(d) : throw Expected(field, "a floating-point number", text),
                FwpDataType.ByteArray16 => AddressText.TryParseIPv6(s, out var v6) ? FwpValue.FromByteArray16(v6) : throw Expected(field, "an IPv6 address such as 2001:db8::1", text),
                FwpDataType.ByteArray6 => AddressText.TryParseMac(s, out var mac) ? FwpValue.FromByteArray6(mac) : throw Expected(field, "a MAC address such as aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff", text),
                FwpDataType.ByteBlob => ParseBlob(field, s, text),
                FwpDataType.UnicodeString => FwpValue.FromUnicodeString(text),
                FwpDataType.Sid => FwpValue.FromSid(Sid.TryParse(s, out var sid) && sid is not null ? sid : throw Expected(field, "a SID such as S-1-5-32-544 (or an SDDL alias such as BA)", text)),
                FwpDataType.SecurityDescriptor => FwpValue.FromSecurityDescriptor(SecurityDescriptor.TryParseSddl(s, out var sd, out var why) && sd is not null ? sd : throw Expected(field, $"an SDDL security descriptor such as O:SYD:(A;;CC;;;BA) ({why})", text)),
                FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation => FwpValue.FromToken(ParseToken(field, s, text), type),
                _ => throw new FormatException($"{field.Name}: values of type {PolicyNames.DataTypeName(type)} cannot be written as text"),
            };
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{field.Name}: \"{text}\" is not a valid {PolicyNames.DataTypeName(type)}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a value the way <see cref="ParseScalar"/> reads it for this field (dotted IPv4, protocol names, paths).</summary>
    public static string FormatValue(LayerFieldInfo field, FwpValue value)
    {
        ArgumentNullException.ThrowIfNull(field);
        switch (value.Type)
        {
            case FwpDataType.Empty:
                return EmptyWord;
            case FwpDataType.UInt32 when field.IsIPv4Address:
                return FwpValueFormatter.FormatIPv4((uint)value.RawUInt64);
            case FwpDataType.UInt8 when IsProtocolField(field):
                foreach (var (name, number) in Protocols)
                {
                    if (number == value.RawUInt64)
                    {
                        return name;
                    }
                }

                break;
            case FwpDataType.Float:
                return ((float)value.AsDouble).ToString("R", CultureInfo.InvariantCulture);
            case FwpDataType.ByteArray6:
                return FwpValueFormatter.FormatMac(value.RawUInt64).Replace('-', ':');
            case FwpDataType.SecurityDescriptor:
                return value.SecurityDescriptor!.ToSddl();
            default:
                break;
        }

        return FwpValueFormatter.Format(value);
    }

    /// <summary>Writes a condition value the way <see cref="ParseCondition"/> reads it back.</summary>
    public static string FormatCondition(LayerFieldInfo field, FwpConditionValue value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        return value.Type switch
        {
            FwpDataType.V4AddrMask => $"{FwpValueFormatter.FormatIPv4((uint)value.Value.RawUInt64)}/{(FwpConditionValue.IsContiguousMask(value.V4Mask) ? BitOperations.PopCount(value.V4Mask).ToString(CultureInfo.InvariantCulture) : FwpValueFormatter.FormatIPv4(value.V4Mask))}",
            FwpDataType.V6AddrMask => $"{FwpValueFormatter.FormatIPv6(value.Value.RawUInt128)}/{value.V6PrefixLength.ToString(CultureInfo.InvariantCulture)}",
            FwpDataType.Range => $"{FormatValue(field, value.RangeLow)}-{FormatValue(field, value.RangeHigh)}",
            _ => FormatValue(field, value.Value),
        };
    }

    /// <summary>The condition type <see cref="ParseCondition"/> picks when none is given.</summary>
    public static FwpDataType DefaultConditionType(LayerFieldInfo field, FwpMatchType match, string text)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(text);
        if (match == FwpMatchType.Range)
        {
            return FwpDataType.Range;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            if (field.ConditionTypes.Contains(FwpDataType.V4AddrMask))
            {
                return FwpDataType.V4AddrMask;
            }

            if (field.ConditionTypes.Contains(FwpDataType.V6AddrMask))
            {
                return FwpDataType.V6AddrMask;
            }
        }

        if (IsEmptyWord(text))
        {
            return FwpDataType.Empty;
        }

        return ScalarConditionType(field);
    }

    /// <summary>The single data type conditions on this field carry (the first scalar condition type, else the incoming type).</summary>
    public static FwpDataType ScalarConditionType(LayerFieldInfo field)
    {
        ArgumentNullException.ThrowIfNull(field);
        foreach (var t in field.ConditionTypes)
        {
            if (t is > FwpDataType.Empty and < FwpDataType.SingleDataTypeMax)
            {
                return t;
            }
        }

        return field.IncomingType;
    }

    private static bool IsEmptyWord(string text) => string.Equals(text.Trim(), EmptyWord, StringComparison.OrdinalIgnoreCase);


    private static bool IsProtocolField(LayerFieldInfo field) => field.Name.EndsWith("PROTOCOL", StringComparison.Ordinal);

    private static FormatException Expected(LayerFieldInfo field, string what, string text) =>
        new($"{field.Name} expects {what}, not \"{text}\"");

    private static ulong ParseUnsigned(LayerFieldInfo field, string s, ulong max, string text)
    {
        if (IsProtocolField(field))
        {
            foreach (var (name, number) in Protocols)
            {
                if (string.Equals(name, s, StringComparison.OrdinalIgnoreCase))
                {
                    return number;
                }
            }
        }

        var ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) && s.Length > 2
            : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || v > max)
        {
            var what = $"a number 0..{max.ToString(CultureInfo.InvariantCulture)} (decimal or 0x hex)";
            if (IsProtocolField(field))
            {
                what += " or a protocol name (tcp, udp, icmp, icmpv6, …)";
            }
            else if (max == uint.MaxValue)
            {
                what += " or a dotted IPv4 address";
            }

            throw Expected(field, what, text);
        }

        return v;
    }

    private static long ParseSigned(LayerFieldInfo field, string s, long min, long max, string text)
    {
        long v;
        bool ok;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ok = ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var u) && u <= (ulong)long.MaxValue;
            v = (long)u;
        }
        else
        {
            ok = long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);
        }

        if (!ok || v < min || v > max)
        {
            throw Expected(field, $"a number {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}", text);
        }

        return v;
    }

    private static FwpValue ParseBlob(LayerFieldInfo field, string s, string text)
    {
        if (s.Length == 0)
        {
            throw Expected(field, field.Name.Contains("APP_ID", StringComparison.Ordinal) ? "an application path such as /usr/bin/curl" : "a path, a name or 0x-prefixed hex bytes", text);
        }

        // Application ids and names are UTF-16 paths; 0x… is the escape hatch for opaque blobs.
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !field.Name.Contains("APP_ID", StringComparison.Ordinal))
        {
            try
            {
                return FwpValue.FromByteBlob(Convert.FromHexString(s.AsSpan(2)));
            }
            catch (FormatException)
            {
                throw Expected(field, "an even number of hex digits after 0x", text);
            }
        }

        return AppId.ValueFromPath(s);
    }

    private static FwpToken ParseToken(LayerFieldInfo field, string s, string text)
    {
        try
        {
            return FwpToken.Parse(s);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{field.Name} expects a token: a comma-separated list of SIDs, user first (e.g. S-1-5-21-1-2-3-1001,S-1-5-32-545), not \"{text}\": {ex.Message}", ex);
        }
    }

    private static FwpConditionValue ParseRange(LayerFieldInfo field, FwpDataType scalar, string text)
    {
        var s = text.Trim();
        var split = -1;
        if (scalar == FwpDataType.ByteArray6 && s.Length == 35)
        {
            split = 17;
        }
        else
        {
            // The separator is the first '-' that is neither a leading sign nor a sign after another '-'.
            for (var i = 1; i < s.Length; i++)
            {
                if (s[i] == '-' && s[i - 1] != '-')
                {
                    split = i;
                    break;
                }
            }
        }

        if (split < 0)
        {
            throw Expected(field, "a range written low-high, such as 1024-65535", text);
        }

        var low = ParseScalar(field, scalar, s[..split]);
        var high = ParseScalar(field, scalar, s[(split + 1)..]);
        return FwpConditionValue.Range(low, high);
    }

    private static FwpConditionValue ParseV4Mask(LayerFieldInfo field, string text)
    {
        var s = text.Trim();
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !AddressText.TryParseIPv4(s.AsSpan(0, slash), out var address))
        {
            throw Expected(field, "an IPv4 subnet such as 10.0.0.0/8 or 10.0.0.0/255.0.0.0", text);
        }

        var tail = s.AsSpan(slash + 1);
        uint mask;
        if (AddressText.TryParseIPv4(tail, out var dotted))
        {
            mask = dotted;
        }
        else if (int.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var len) && len <= 32)
        {
            mask = len == 0 ? 0 : uint.MaxValue << (32 - len);
        }
        else
        {
            throw Expected(field, "an IPv4 subnet whose prefix length is 0..32 or a dotted mask", text);
        }

        return FwpConditionValue.V4AddressMask(address, mask);
    }

    private static FwpConditionValue ParseV6Mask(LayerFieldInfo field, string text)
    {
        var s = text.Trim();
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !AddressText.TryParseIPv6(s.AsSpan(0, slash), out var address)
            || !byte.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var len)
            || len > 128)
        {
            throw Expected(field, "an IPv6 prefix such as 2001:db8::/32 (length 0..128)", text);
        }

        return FwpConditionValue.V6AddressMask(address, len);
    }
}
