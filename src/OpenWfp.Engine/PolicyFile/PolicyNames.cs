using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// The names the native policy format and the CLI use for match types, filter flags and data types, in both
/// directions. Lookups are case-insensitive and accept the SDK prefixes (<c>FWP_MATCH_</c>, <c>FWPM_FILTER_FLAG_</c>, <c>FWP_</c>).
/// </summary>
public static class PolicyNames
{
    private static readonly (string Name, FwpMatchType Match)[] MatchNames =
    [
        ("equal", FwpMatchType.Equal),
        ("not-equal", FwpMatchType.NotEqual),
        ("greater", FwpMatchType.Greater),
        ("less", FwpMatchType.Less),
        ("greater-or-equal", FwpMatchType.GreaterOrEqual),
        ("less-or-equal", FwpMatchType.LessOrEqual),
        ("range", FwpMatchType.Range),
        ("flags-all", FwpMatchType.FlagsAllSet),
        ("flags-any", FwpMatchType.FlagsAnySet),
        ("flags-none", FwpMatchType.FlagsNoneSet),
        ("equal-ci", FwpMatchType.EqualCaseInsensitive),
        ("ends-with", FwpMatchType.Prefix),
        ("not-ends-with", FwpMatchType.NotPrefix),
    ];

    // Aliases people reach for: the SDK names and the operators of `wfp add filter --condition`.
    private static readonly (string Name, FwpMatchType Match)[] MatchAliases =
    [
        ("==", FwpMatchType.Equal), ("!=", FwpMatchType.NotEqual), (">", FwpMatchType.Greater), ("<", FwpMatchType.Less),
        (">=", FwpMatchType.GreaterOrEqual), ("<=", FwpMatchType.LessOrEqual), ("in", FwpMatchType.Range),
        ("FWP_MATCH_EQUAL", FwpMatchType.Equal), ("FWP_MATCH_NOT_EQUAL", FwpMatchType.NotEqual),
        ("FWP_MATCH_GREATER", FwpMatchType.Greater), ("FWP_MATCH_LESS", FwpMatchType.Less),
        ("FWP_MATCH_GREATER_OR_EQUAL", FwpMatchType.GreaterOrEqual), ("FWP_MATCH_LESS_OR_EQUAL", FwpMatchType.LessOrEqual),
        ("FWP_MATCH_RANGE", FwpMatchType.Range), ("FWP_MATCH_FLAGS_ALL_SET", FwpMatchType.FlagsAllSet),
        ("FWP_MATCH_FLAGS_ANY_SET", FwpMatchType.FlagsAnySet), ("FWP_MATCH_FLAGS_NONE_SET", FwpMatchType.FlagsNoneSet),
        ("FWP_MATCH_EQUAL_CASE_INSENSITIVE", FwpMatchType.EqualCaseInsensitive), ("FWP_MATCH_PREFIX", FwpMatchType.Prefix),
        ("FWP_MATCH_NOT_PREFIX", FwpMatchType.NotPrefix),
    ];

    private static readonly (string Name, FilterFlags Flag)[] FlagNames =
    [
        ("PERSISTENT", FilterFlags.Persistent),
        ("BOOTTIME", FilterFlags.BootTime),
        ("HAS_PROVIDER_CONTEXT", FilterFlags.HasProviderContext),
        ("CLEAR_ACTION_RIGHT", FilterFlags.ClearActionRight),
        ("PERMIT_IF_CALLOUT_UNREGISTERED", FilterFlags.PermitIfCalloutUnregistered),
        ("DISABLED", FilterFlags.Disabled),
        ("INDEXED", FilterFlags.Indexed),
        ("HAS_SECURITY_REALM_PROVIDER_CONTEXT", FilterFlags.HasSecurityRealmProviderContext),
        ("SYSTEMOS_ONLY", FilterFlags.SystemOsOnly),
        ("GAMEOS_ONLY", FilterFlags.GameOsOnly),
        ("SILENT_MODE", FilterFlags.SilentMode),
        ("IPSEC_NO_ACQUIRE_INITIATE", FilterFlags.IpsecNoAcquireInitiate),
        ("RESERVED0", FilterFlags.Reserved0),
        ("RESERVED1", FilterFlags.Reserved1),
        ("RESERVED2", FilterFlags.Reserved2),
        ("HAS_FILTER_ORIGIN", FilterFlags.HasFilterOrigin),
    ];

    private static readonly (string Name, FwpDataType Type)[] TypeNames =
    [
        ("FWP_EMPTY", FwpDataType.Empty),
        ("FWP_UINT8", FwpDataType.UInt8),
        ("FWP_UINT16", FwpDataType.UInt16),
        ("FWP_UINT32", FwpDataType.UInt32),
        ("FWP_UINT64", FwpDataType.UInt64),
        ("FWP_INT8", FwpDataType.Int8),
        ("FWP_INT16", FwpDataType.Int16),
        ("FWP_INT32", FwpDataType.Int32),
        ("FWP_INT64", FwpDataType.Int64),
        ("FWP_FLOAT", FwpDataType.Float),
        ("FWP_DOUBLE", FwpDataType.Double),
        ("FWP_BYTE_ARRAY16_TYPE", FwpDataType.ByteArray16),
        ("FWP_BYTE_BLOB_TYPE", FwpDataType.ByteBlob),
        ("FWP_SID", FwpDataType.Sid),
        ("FWP_SECURITY_DESCRIPTOR_TYPE", FwpDataType.SecurityDescriptor),
        ("FWP_TOKEN_INFORMATION_TYPE", FwpDataType.TokenInformation),
        ("FWP_TOKEN_ACCESS_INFORMATION_TYPE", FwpDataType.TokenAccessInformation),
        ("FWP_UNICODE_STRING_TYPE", FwpDataType.UnicodeString),
        ("FWP_BYTE_ARRAY6_TYPE", FwpDataType.ByteArray6),
        ("FWP_V4_ADDR_MASK", FwpDataType.V4AddrMask),
        ("FWP_V6_ADDR_MASK", FwpDataType.V6AddrMask),
        ("FWP_RANGE_TYPE", FwpDataType.Range),
    ];

    /// <summary>The match-type names the policy format writes, in documentation order.</summary>
    public static IEnumerable<string> MatchTypeNames => MatchNames.Select(m => m.Name);

    /// <summary>The filter flag names (without the <c>FWPM_FILTER_FLAG_</c> prefix).</summary>
    public static IEnumerable<string> FilterFlagNames => FlagNames.Select(f => f.Name);

    /// <summary>Parses a match-type name (<c>equal</c>, <c>flags-any</c>, <c>FWP_MATCH_PREFIX</c>, <c>==</c>, …).</summary>
    public static bool TryParseMatchType(string text, out FwpMatchType match)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (name, m) in MatchNames.Concat(MatchAliases))
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                match = m;
                return true;
            }
        }

        match = default;
        return false;
    }

    /// <summary>The policy-format name of a match type (e.g. <c>ends-with</c> for FWP_MATCH_PREFIX).</summary>
    public static string MatchTypeName(FwpMatchType match)
    {
        foreach (var (name, m) in MatchNames)
        {
            if (m == match)
            {
                return name;
            }
        }

        return ((uint)match).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses one filter flag name, with or without the <c>FWPM_FILTER_FLAG_</c> prefix, or a hexadecimal word
    /// (<c>0x00010000</c>) for bits that have no name, so that flags newer than this code are kept.
    /// </summary>
    public static bool TryParseFilterFlag(string text, out FilterFlags flag)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(trimmed.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var bits))
        {
            flag = (FilterFlags)bits;
            return true;
        }

        var bare = StripPrefix(trimmed, "FWPM_FILTER_FLAG_");
        foreach (var (name, f) in FlagNames)
        {
            if (string.Equals(name, bare, StringComparison.OrdinalIgnoreCase))
            {
                flag = f;
                return true;
            }
        }

        flag = default;
        return false;
    }

    /// <summary>
    /// The names of the flags set in <paramref name="flags"/>, in bit order; bits without a name follow as one
    /// hexadecimal word (<c>0x00010000</c>) that <see cref="TryParseFilterFlag"/> reads back.
    /// </summary>
    public static IReadOnlyList<string> FilterFlagNamesOf(FilterFlags flags)
    {
        var names = new List<string>();
        var rest = (uint)flags;
        foreach (var (name, f) in FlagNames)
        {
            if ((flags & f) != 0)
            {
                names.Add(name);
                rest &= ~(uint)f;
            }
        }

        if (rest != 0)
        {
            names.Add("0x" + rest.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        }

        return names;
    }

    /// <summary>Parses a data type name: <c>FWP_UINT32</c>, <c>UINT32</c>, <c>FWP_BYTE_BLOB_TYPE</c>, <c>BYTE_BLOB</c>, …</summary>
    public static bool TryParseDataType(string text, out FwpDataType type)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bare = StripSuffix(StripPrefix(text.Trim(), "FWP_"), "_TYPE");
        foreach (var (name, t) in TypeNames)
        {
            if (string.Equals(StripSuffix(name[4..], "_TYPE"), bare, StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>The SDK name of a data type, e.g. <c>FWP_UINT32</c>.</summary>
    public static string DataTypeName(FwpDataType type)
    {
        foreach (var (name, t) in TypeNames)
        {
            if (t == type)
            {
                return name;
            }
        }

        return type.ToString();
    }

    private static string StripPrefix(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? text[prefix.Length..] : text;

    private static string StripSuffix(string text, string suffix) =>
        text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? text[..^suffix.Length] : text;
}
