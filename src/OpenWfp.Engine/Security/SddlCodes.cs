using System.Globalization;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>The SDDL two-letter codes for access rights and ACE flags (sddl.h), parsing and canonical printing.</summary>
internal static class SddlCodes
{
    // Printing order of single-bit rights: generic first, then the order Windows prints directory-service rights.
    private static readonly (string Code, uint Mask)[] SingleRights =
    [
        ("GA", AccessMasks.GenericAll),
        ("GR", AccessMasks.GenericRead),
        ("GW", AccessMasks.GenericWrite),
        ("GX", AccessMasks.GenericExecute),
        ("CC", 0x0000_0001),
        ("DC", 0x0000_0002),
        ("LC", 0x0000_0004),
        ("SW", 0x0000_0008),
        ("RP", 0x0000_0010),
        ("WP", 0x0000_0020),
        ("DT", 0x0000_0040),
        ("LO", 0x0000_0080),
        ("CR", 0x0000_0100),
        ("SD", AccessMasks.Delete),
        ("RC", AccessMasks.ReadControl),
        ("WD", AccessMasks.WriteDac),
        ("WO", AccessMasks.WriteOwner),
    ];

    // Composite rights print as themselves only on an exact match. KX equals KR in value; KR is printed.
    private static readonly (string Code, uint Mask)[] CompositeRights =
    [
        ("FA", 0x001F_01FF),
        ("FR", 0x0012_0089),
        ("FW", 0x0012_0116),
        ("FX", 0x0012_00A0),
        ("KA", 0x000F_003F),
        ("KR", 0x0002_0019),
        ("KW", 0x0002_0006),
        ("KX", 0x0002_0019),
    ];

    private static readonly (string Code, AceFlags Flag)[] Flags =
    [
        ("OI", AceFlags.ObjectInherit),
        ("CI", AceFlags.ContainerInherit),
        ("NP", AceFlags.NoPropagateInherit),
        ("IO", AceFlags.InheritOnly),
        ("ID", AceFlags.Inherited),
        ("CR", AceFlags.Critical),
        ("SA", AceFlags.SuccessfulAccess),
        ("FA", AceFlags.FailedAccess),
    ];

    /// <summary>Parses an ACE rights field: empty (0), <c>0x</c> hex, decimal, or concatenated two-letter codes.</summary>
    public static bool TryParseRights(ReadOnlySpan<char> text, out uint mask, out string? error)
    {
        mask = 0;
        error = null;
        if (text.IsEmpty)
        {
            return true;
        }

        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            if (text.Length - 2 <= 8 && uint.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out mask))
            {
                return true;
            }

            error = $"invalid hexadecimal access mask '{text}' (0x and 1-8 hex digits)";
            return false;
        }

        if (char.IsAsciiDigit(text[0]))
        {
            if (Sid.TryParseDecimal(text, uint.MaxValue, out var value))
            {
                mask = (uint)value;
                return true;
            }

            error = $"invalid decimal access mask '{text}' (0-{uint.MaxValue})";
            return false;
        }

        if (text.Length % 2 != 0)
        {
            error = $"access rights '{text}' are not a sequence of two-letter codes";
            return false;
        }

        for (var i = 0; i < text.Length; i += 2)
        {
            var code = text.Slice(i, 2);
            if (!TryLookupRight(code, out var bit))
            {
                error = code is "NW" or "NR" or "NX"
                    ? $"access right '{code}' is only valid in a mandatory-label ACE"
                    : $"unknown access right '{code}'";
                return false;
            }

            mask |= bit;
        }

        return true;
    }

    /// <summary>Parses an ACE flags field: concatenated two-letter codes.</summary>
    public static bool TryParseFlags(ReadOnlySpan<char> text, out AceFlags flags, out string? error)
    {
        flags = AceFlags.None;
        error = null;
        if (text.Length % 2 != 0)
        {
            error = $"ACE flags '{text}' are not a sequence of two-letter codes";
            return false;
        }

        for (var i = 0; i < text.Length; i += 2)
        {
            var code = text.Slice(i, 2);
            var found = false;
            foreach (var (c, flag) in Flags)
            {
                if (code.SequenceEqual(c))
                {
                    flags |= flag;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                error = $"unknown or unsupported ACE flag '{code}'";
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends the canonical rights text: an exact composite code, else single-bit codes, else <c>0x</c> hex.</summary>
    public static void AppendRights(StringBuilder builder, uint mask)
    {
        if (mask == 0)
        {
            builder.Append("0x0");
            return;
        }

        foreach (var (code, composite) in CompositeRights)
        {
            if (mask == composite)
            {
                builder.Append(code);
                return;
            }
        }

        uint covered = 0;
        foreach (var (_, bit) in SingleRights)
        {
            covered |= bit;
        }

        if ((mask & ~covered) != 0)
        {
            builder.Append("0x").Append(mask.ToString("x", CultureInfo.InvariantCulture));
            return;
        }

        foreach (var (code, bit) in SingleRights)
        {
            if ((mask & bit) != 0)
            {
                builder.Append(code);
            }
        }
    }

    /// <summary>Appends the ACE flag codes in canonical order.</summary>
    public static void AppendFlags(StringBuilder builder, AceFlags flags)
    {
        foreach (var (code, flag) in Flags)
        {
            if ((flags & flag) != 0)
            {
                builder.Append(code);
            }
        }
    }

    private static bool TryLookupRight(ReadOnlySpan<char> code, out uint mask)
    {
        foreach (var (c, bit) in SingleRights)
        {
            if (code.SequenceEqual(c))
            {
                mask = bit;
                return true;
            }
        }

        foreach (var (c, bits) in CompositeRights)
        {
            if (code.SequenceEqual(c))
            {
                mask = bits;
                return true;
            }
        }

        mask = 0;
        return false;
    }
}
