using System.Globalization;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// The flag words of a netsh dump: netsh prints each bit it has a name for by that name, in bit order, and the
/// remaining bits as one eight-digit hexadecimal word (<c>00000300</c>). Reading takes both back; writing gives the
/// same form, so that bits newer than this code survive a round trip.
/// </summary>
internal static class NetshFlags
{
    /// <summary>FWPM_PROVIDER_FLAG_* (fwpmtypes.h).</summary>
    public static readonly (string Name, uint Value)[] Provider =
    [
        ("FWPM_PROVIDER_FLAG_PERSISTENT", 0x1), ("FWPM_PROVIDER_FLAG_DISABLED", 0x10),
    ];

    /// <summary>FWPM_SUBLAYER_FLAG_* (fwpmtypes.h).</summary>
    public static readonly (string Name, uint Value)[] Sublayer = [("FWPM_SUBLAYER_FLAG_PERSISTENT", 0x1)];

    /// <summary>
    /// The callout bits netsh names: two FWP_CALLOUT_FLAG_* registration bits (fwptypes.h) and FWPM_CALLOUT_FLAG_*
    /// (fwpmtypes.h). Other registration bits (ALLOW_USO, ALLOW_URO, ...) netsh prints as a number.
    /// </summary>
    public static readonly (string Name, uint Value)[] Callout =
    [
        ("FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW", 0x1), ("FWP_CALLOUT_FLAG_ALLOW_OFFLOAD", 0x2),
        ("FWPM_CALLOUT_FLAG_PERSISTENT", 0x10000), ("FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT", 0x20000), ("FWPM_CALLOUT_FLAG_REGISTERED", 0x40000),
    ];

    /// <summary>FWPM_PROVIDER_CONTEXT_FLAG_* (fwpmtypes.h).</summary>
    public static readonly (string Name, uint Value)[] ProviderContext =
    [
        ("FWPM_PROVIDER_CONTEXT_FLAG_PERSISTENT", 0x1), ("FWPM_PROVIDER_CONTEXT_FLAG_DOWNLEVEL", 0x2),
    ];

    /// <summary>FWPM_FILTER_FLAG_* (fwpmtypes.h), plus HAS_FILTER_ORIGIN that netsh names.</summary>
    public static readonly (string Name, uint Value)[] Filter =
        [.. PolicyNames.FilterFlagNames.Select(n => ("FWPM_FILTER_FLAG_" + n, Bit(n)))];

    private static uint Bit(string name) => PolicyNames.TryParseFilterFlag(name, out var f) ? (uint)f : 0;

    /// <summary>Reads one flag word: a name from <paramref name="known"/> or eight hexadecimal digits.</summary>
    /// <param name="text">The word.</param>
    /// <param name="known">The names of this object kind.</param>
    /// <param name="bits">The bits.</param>
    /// <returns>Whether the word was understood.</returns>
    public static bool TryRead(string text, (string Name, uint Value)[] known, out uint bits)
    {
        foreach (var (name, value) in known)
        {
            if (name == text)
            {
                bits = value;
                return true;
            }
        }

        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.AsSpan(2) : text.AsSpan();
        return uint.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bits) && hex.Length is > 0 and <= 8;
    }

    /// <summary>The words netsh prints for <paramref name="flags"/>: names in bit order, then the rest as one number.</summary>
    /// <param name="flags">The flags.</param>
    /// <param name="known">The names of this object kind.</param>
    /// <returns>The words.</returns>
    public static List<string> Words(uint flags, (string Name, uint Value)[] known)
    {
        var words = new List<string>();
        var rest = flags;
        foreach (var (name, value) in known.OrderBy(k => k.Value))
        {
            if ((flags & value) != 0)
            {
                words.Add(name);
                rest &= ~value;
            }
        }

        if (rest != 0)
        {
            words.Add(rest.ToString("X8", CultureInfo.InvariantCulture));
        }

        return words;
    }
}
