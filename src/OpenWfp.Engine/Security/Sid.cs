using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>
/// An immutable Windows security identifier (SID), the value of <c>FWP_SID</c> (fwptypes.h).
/// </summary>
/// <remarks>
/// <para>
/// Text form: <c>S-1-&lt;authority&gt;-&lt;sub1&gt;-…</c>. <see cref="Parse"/> accepts the prefix in either case
/// (<c>s-1-…</c>), an identifier authority in decimal (up to 2^48 − 1) or as <c>0x</c> followed by 1–12 hex digits,
/// and 0–15 decimal sub-authorities. It also accepts the SDDL two-letter aliases of machine-independent well-known
/// SIDs (<c>WD</c>, <c>SY</c>, <c>BA</c>, <c>AC</c>, …) case-insensitively; domain-relative aliases (<c>DA</c>,
/// <c>DU</c>, <c>LA</c>, …) need a domain SID this port does not have and are rejected with a message saying so.
/// </para>
/// <para>
/// Binary form (Windows <c>SID</c> structure): revision byte (always 1), sub-authority count byte, 6-byte big-endian
/// identifier authority, then each sub-authority as a little-endian <see cref="uint"/>.
/// </para>
/// <para>
/// Equality is by value. <see cref="CompareTo"/> orders by the binary form, byte by byte (a proper prefix sorts
/// first), so sortable WFP comparisons over SIDs are deterministic.
/// </para>
/// </remarks>
public sealed class Sid : IEquatable<Sid>, IComparable<Sid>
{
    /// <summary>The only SID revision Windows defines (SID_REVISION).</summary>
    public const byte Revision = 1;

    /// <summary>The largest number of sub-authorities a SID may carry (SID_MAX_SUB_AUTHORITIES).</summary>
    public const int MaxSubAuthorities = 15;

    /// <summary>The largest identifier authority: the field is six bytes wide.</summary>
    public const ulong MaxIdentifierAuthority = (1UL << 48) - 1;

    /// <summary>Samba's "Unix User" identifier authority (<c>S-1-22-1-uid</c>).</summary>
    public const ulong UnixAuthority = 22;

    private const int HeaderLength = 8;

    private readonly byte[] _binary;
    private readonly uint[] _subAuthorities;
    private readonly ReadOnlyCollection<uint> _subAuthoritiesView;
    private readonly int _hashCode;

    // Built on first ToString; a benign race at worst computes the same string twice.
    private string? _text;

    private Sid(ulong identifierAuthority, uint[] subAuthorities)
    {
        IdentifierAuthority = identifierAuthority;
        _subAuthorities = subAuthorities;
        _subAuthoritiesView = new ReadOnlyCollection<uint>(subAuthorities);
        _binary = new byte[HeaderLength + (4 * subAuthorities.Length)];
        _binary[0] = Revision;
        _binary[1] = (byte)subAuthorities.Length;
        for (var i = 0; i < 6; i++)
        {
            _binary[2 + i] = (byte)(identifierAuthority >> (8 * (5 - i)));
        }

        for (var i = 0; i < subAuthorities.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_binary.AsSpan(HeaderLength + (4 * i)), subAuthorities[i]);
        }

        var hash = new HashCode();
        hash.AddBytes(_binary);
        _hashCode = hash.ToHashCode();
    }

    /// <summary>NULL SID, <c>S-1-0-0</c> (Windows Firewall uses it for "not an app container").</summary>
    public static Sid Null { get; } = new(0, [0]);

    /// <summary>Everyone (World), <c>S-1-1-0</c>, SDDL <c>WD</c>.</summary>
    public static Sid Everyone { get; } = new(1, [0]);

    /// <summary>CREATOR OWNER, <c>S-1-3-0</c>, SDDL <c>CO</c>.</summary>
    public static Sid CreatorOwner { get; } = new(3, [0]);

    /// <summary>OWNER RIGHTS, <c>S-1-3-4</c>, SDDL <c>OW</c>; an ACE for it replaces the owner's implicit rights.</summary>
    public static Sid OwnerRights { get; } = new(3, [4]);

    /// <summary>Authenticated Users, <c>S-1-5-11</c>, SDDL <c>AU</c>.</summary>
    public static Sid AuthenticatedUsers { get; } = new(5, [11]);

    /// <summary>LocalSystem, <c>S-1-5-18</c>, SDDL <c>SY</c>.</summary>
    public static Sid LocalSystem { get; } = new(5, [18]);

    /// <summary>LocalService, <c>S-1-5-19</c>, SDDL <c>LS</c>.</summary>
    public static Sid LocalService { get; } = new(5, [19]);

    /// <summary>NetworkService, <c>S-1-5-20</c>, SDDL <c>NS</c>.</summary>
    public static Sid NetworkService { get; } = new(5, [20]);

    /// <summary>BUILTIN\Administrators, <c>S-1-5-32-544</c>, SDDL <c>BA</c>.</summary>
    public static Sid Administrators { get; } = new(5, [32, 544]);

    /// <summary>BUILTIN\Users, <c>S-1-5-32-545</c>, SDDL <c>BU</c>.</summary>
    public static Sid Users { get; } = new(5, [32, 545]);

    /// <summary>ALL APPLICATION PACKAGES, <c>S-1-15-2-1</c>, SDDL <c>AC</c>.</summary>
    public static Sid AllAppPackages { get; } = new(15, [2, 1]);

    /// <summary>The identifier authority (48 bits).</summary>
    public ulong IdentifierAuthority { get; }

    /// <summary>The sub-authorities (relative identifiers), 0 to 15 of them.</summary>
    public IReadOnlyList<uint> SubAuthorities => _subAuthoritiesView;

    /// <summary>Length in bytes of the binary form: 8 + 4 × sub-authority count.</summary>
    public int BinaryLength => _binary.Length;

    /// <summary>Creates a SID from its parts.</summary>
    /// <param name="identifierAuthority">The authority, at most <see cref="MaxIdentifierAuthority"/>.</param>
    /// <param name="subAuthorities">At most <see cref="MaxSubAuthorities"/> sub-authorities.</param>
    /// <exception cref="ArgumentOutOfRangeException">The authority or the sub-authority count is out of range.</exception>
    public static Sid Create(ulong identifierAuthority, params ReadOnlySpan<uint> subAuthorities)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(identifierAuthority, MaxIdentifierAuthority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(subAuthorities.Length, MaxSubAuthorities, nameof(subAuthorities));
        return new Sid(identifierAuthority, subAuthorities.ToArray());
    }

    /// <summary>The SID for a Linux user: <c>S-1-22-1-&lt;uid&gt;</c> (Samba's "Unix User" mapping).</summary>
    /// <param name="uid">The Linux user id.</param>
    /// <returns>The mapped SID.</returns>
    public static Sid ForUnixUser(uint uid) => new(UnixAuthority, [1, uid]);

    /// <summary>The SID for a Linux group: <c>S-1-22-2-&lt;gid&gt;</c> (Samba's "Unix Group" mapping).</summary>
    /// <param name="gid">The Linux group id.</param>
    /// <returns>The mapped SID.</returns>
    public static Sid ForUnixGroup(uint gid) => new(UnixAuthority, [2, gid]);

    /// <summary>Parses a SID string (<c>S-1-5-32-544</c>) or an SDDL alias (<c>BA</c>).</summary>
    /// <param name="text">The text to parse; see the type remarks for the accepted syntax.</param>
    /// <returns>The SID.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a valid SID string or known alias; the message says why.</exception>
    public static Sid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParseCore(text, out var sid, out var error))
        {
            throw new FormatException(error);
        }

        return sid!;
    }

    /// <summary>Parses a SID string or SDDL alias without throwing.</summary>
    /// <param name="text">The text to parse; null gives false.</param>
    /// <param name="sid">The SID when the result is true; otherwise null.</param>
    /// <returns>Whether <paramref name="text"/> was valid.</returns>
    public static bool TryParse(string? text, out Sid? sid)
    {
        if (text is null)
        {
            sid = null;
            return false;
        }

        return TryParseCore(text, out sid, out _);
    }

    /// <summary>Reads a SID from its exact Windows binary form.</summary>
    /// <param name="bytes">Exactly <c>8 + 4 × count</c> bytes.</param>
    /// <returns>The SID.</returns>
    /// <exception cref="FormatException">The bytes are not a valid binary SID; the message says why.</exception>
    public static Sid FromBinary(ReadOnlySpan<byte> bytes)
    {
        if (!TryFromBinaryCore(bytes, out var sid, out var error))
        {
            throw new FormatException(error);
        }

        return sid!;
    }

    /// <summary>Reads a SID from its exact Windows binary form without throwing.</summary>
    /// <param name="bytes">The bytes to read.</param>
    /// <param name="sid">The SID when the result is true; otherwise null.</param>
    /// <returns>Whether <paramref name="bytes"/> held exactly one valid SID.</returns>
    public static bool TryFromBinary(ReadOnlySpan<byte> bytes, out Sid? sid) => TryFromBinaryCore(bytes, out sid, out _);

    /// <summary>Returns a new array holding the binary form.</summary>
    /// <returns>The <see cref="BinaryLength"/> bytes of the binary SID.</returns>
    public byte[] ToBinary() => (byte[])_binary.Clone();

    /// <summary>Writes the binary form to the start of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="BinaryLength"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void WriteBinary(Span<byte> destination)
    {
        if (destination.Length < _binary.Length)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} bytes; the SID needs {_binary.Length}.", nameof(destination));
        }

        _binary.CopyTo(destination);
    }

    /// <summary>The canonical string form, e.g. <c>S-1-5-32-544</c>.</summary>
    /// <returns>The string; an authority of 2^32 or more is printed as <c>0x</c> and 12 lower-case hex digits, as Windows does.</returns>
    public override string ToString() => _text ??= Format();

    /// <inheritdoc/>
    public bool Equals(Sid? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hashCode == other._hashCode && _binary.AsSpan().SequenceEqual(other._binary)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Sid);

    /// <inheritdoc/>
    public override int GetHashCode() => _hashCode;

    /// <summary>Orders by the binary form, byte by byte; null sorts first.</summary>
    /// <param name="other">The SID to compare with.</param>
    /// <returns>Negative, zero or positive as this SID sorts before, with or after <paramref name="other"/>.</returns>
    public int CompareTo(Sid? other) => other is null ? 1 : _binary.AsSpan().SequenceCompareTo(other._binary);

    /// <summary>Value equality.</summary>
    /// <param name="left">A SID or null.</param>
    /// <param name="right">A SID or null.</param>
    /// <returns>Whether both are null or equal by value.</returns>
    public static bool operator ==(Sid? left, Sid? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    /// <param name="left">A SID or null.</param>
    /// <param name="right">A SID or null.</param>
    /// <returns>The negation of <c>==</c>.</returns>
    public static bool operator !=(Sid? left, Sid? right) => !(left == right);

    /// <summary>Binary-form ordering.</summary>
    /// <param name="left">A SID or null.</param>
    /// <param name="right">A SID or null.</param>
    /// <returns>Whether <paramref name="left"/> sorts before <paramref name="right"/>.</returns>
    public static bool operator <(Sid? left, Sid? right) => Compare(left, right) < 0;

    /// <summary>Binary-form ordering.</summary>
    /// <param name="left">A SID or null.</param>
    /// <param name="right">A SID or null.</param>
    /// <returns>Whether <paramref name="left"/> sorts after <paramref name="right"/>.</returns>
    public static bool operator >(Sid? left, Sid? right) => Compare(left, right) > 0;

    /// <summary>Binary-form ordering.</summary>
    /// <param name="left">A SID or null.</param>
    /// <param name="right">A SID or null.</param>
    /// <returns>Whether <paramref name="left"/> sorts before or equal to <paramref name="right"/>.</returns>
    public static bool operator <=(Sid? left, Sid? right) => Compare(left, right) <= 0;

    /// <summary>Binary-form ordering.</summary>
    /// <param name="left">A SID or null.</param>
    /// <param name="right">A SID or null.</param>
    /// <returns>Whether <paramref name="left"/> sorts after or equal to <paramref name="right"/>.</returns>
    public static bool operator >=(Sid? left, Sid? right) => Compare(left, right) >= 0;

    private static int Compare(Sid? left, Sid? right) => left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    internal static bool TryParseCore(ReadOnlySpan<char> text, out Sid? sid, out string? error)
    {
        sid = null;
        if (text.IsEmpty)
        {
            error = "A SID string is empty.";
            return false;
        }

        if (text.Length == 2 && text[1] != '-')
        {
            return SddlSidAliases.TryResolve(text, out sid, out error);
        }

        if (text.Length < 2 || (text[0] != 'S' && text[0] != 's') || text[1] != '-')
        {
            error = $"'{text}' is neither a SID string (S-1-…) nor a two-letter SDDL alias.";
            return false;
        }

        var rest = text[2..];
        var field = 0;
        ulong authority = 0;
        Span<uint> subs = stackalloc uint[MaxSubAuthorities];
        var subCount = 0;
        while (true)
        {
            var dash = rest.IndexOf('-');
            var part = dash < 0 ? rest : rest[..dash];
            if (part.IsEmpty)
            {
                error = $"SID '{text}' has an empty component (field {field + 1}).";
                return false;
            }

            if (field == 0)
            {
                if (part.Length != 1 || part[0] != '1')
                {
                    error = $"SID '{text}' has revision '{part}'; only revision 1 exists.";
                    return false;
                }
            }
            else if (field == 1)
            {
                if (!TryParseAuthority(part, out authority))
                {
                    error = $"SID '{text}' has an invalid identifier authority '{part}' (decimal up to {MaxIdentifierAuthority} or 0x and 1-12 hex digits).";
                    return false;
                }
            }
            else
            {
                if (subCount == MaxSubAuthorities)
                {
                    error = $"SID '{text}' has more than {MaxSubAuthorities} sub-authorities.";
                    return false;
                }

                if (!TryParseDecimal(part, uint.MaxValue, out var value))
                {
                    error = $"SID '{text}' has an invalid sub-authority '{part}' (decimal 0-{uint.MaxValue}).";
                    return false;
                }

                subs[subCount++] = (uint)value;
            }

            field++;
            if (dash < 0)
            {
                break;
            }

            rest = rest[(dash + 1)..];
        }

        if (field < 2)
        {
            error = $"SID '{text}' has no identifier authority.";
            return false;
        }

        sid = new Sid(authority, subs[..subCount].ToArray());
        error = null;
        return true;
    }

    private static bool TryParseAuthority(ReadOnlySpan<char> part, out ulong authority)
    {
        authority = 0;
        if (part.Length > 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X'))
        {
            var hex = part[2..];
            return hex.Length <= 12
                && ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out authority);
        }

        return TryParseDecimal(part, MaxIdentifierAuthority, out authority);
    }

    // Digits only: ulong.TryParse would also take signs and white space, which a SID string never has.
    internal static bool TryParseDecimal(ReadOnlySpan<char> digits, ulong max, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            var digit = (ulong)(c - '0');
            if (value > (max - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    private static bool TryFromBinaryCore(ReadOnlySpan<byte> bytes, out Sid? sid, out string? error)
    {
        sid = null;
        if (bytes.Length < HeaderLength)
        {
            error = $"A binary SID needs at least {HeaderLength} bytes; got {bytes.Length}.";
            return false;
        }

        if (bytes[0] != Revision)
        {
            error = $"Binary SID has revision {bytes[0]}; only revision 1 exists.";
            return false;
        }

        int count = bytes[1];
        if (count > MaxSubAuthorities)
        {
            error = $"Binary SID claims {count} sub-authorities; at most {MaxSubAuthorities} are allowed.";
            return false;
        }

        var expected = HeaderLength + (4 * count);
        if (bytes.Length != expected)
        {
            error = $"Binary SID with {count} sub-authorities is {expected} bytes long; got {bytes.Length} (truncated or trailing data).";
            return false;
        }

        ulong authority = 0;
        for (var i = 2; i < HeaderLength; i++)
        {
            authority = (authority << 8) | bytes[i];
        }

        var subs = new uint[count];
        for (var i = 0; i < count; i++)
        {
            subs[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(HeaderLength + (4 * i))..]);
        }

        sid = new Sid(authority, subs);
        error = null;
        return true;
    }

    private string Format()
    {
        var builder = new StringBuilder(16 + (11 * _subAuthorities.Length));
        builder.Append("S-1-");
        if (IdentifierAuthority > uint.MaxValue)
        {
            builder.Append("0x").Append(IdentifierAuthority.ToString("x12", CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append(IdentifierAuthority.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var sub in _subAuthorities)
        {
            builder.Append('-').Append(sub.ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
