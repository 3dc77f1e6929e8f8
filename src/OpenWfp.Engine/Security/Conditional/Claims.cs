using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>Where a conditional ACE looks an attribute up (MS-DTYP 2.4.4.17.8, attribute tokens).</summary>
public enum ClaimScope : byte
{
    /// <summary>A local attribute such as <c>WIN://SYSAPPID</c> (binary token 0xF8), written without a prefix.</summary>
    Local,

    /// <summary>A user claim, <c>@User.</c> (0xF9).</summary>
    User,

    /// <summary>A resource attribute of the object, <c>@Resource.</c> (0xFA).</summary>
    Resource,

    /// <summary>A device claim, <c>@Device.</c> (0xFB).</summary>
    Device,
}

/// <summary>The value types of claims (CLAIM_SECURITY_ATTRIBUTE_TYPE_* in winnt.h).</summary>
public enum ClaimValueType : byte
{
    /// <summary>CLAIM_SECURITY_ATTRIBUTE_TYPE_INT64.</summary>
    Int64 = 1,

    /// <summary>CLAIM_SECURITY_ATTRIBUTE_TYPE_UINT64.</summary>
    UInt64 = 2,

    /// <summary>CLAIM_SECURITY_ATTRIBUTE_TYPE_STRING.</summary>
    String = 3,

    /// <summary>CLAIM_SECURITY_ATTRIBUTE_TYPE_SID.</summary>
    Sid = 5,

    /// <summary>CLAIM_SECURITY_ATTRIBUTE_TYPE_BOOLEAN.</summary>
    Boolean = 6,

    /// <summary>CLAIM_SECURITY_ATTRIBUTE_TYPE_OCTET_STRING.</summary>
    OctetString = 16,
}

/// <summary>One value of a claim or of a conditional-expression literal.</summary>
public readonly struct ClaimItem : IEquatable<ClaimItem>
{
    private readonly long _integer;
    private readonly object? _reference;

    private ClaimItem(ClaimValueType type, long integer, object? reference)
    {
        Type = type;
        _integer = integer;
        _reference = reference;
    }

    /// <summary>The value type.</summary>
    public ClaimValueType Type { get; }

    /// <summary>The integer of an Int64, UInt64 (as its bits) or Boolean (0 or 1) value.</summary>
    public long Integer => _integer;

    /// <summary>The text of a String value, else null.</summary>
    public string? String => _reference as string;

    /// <summary>The SID of a Sid value, else null.</summary>
    public Sid? Sid => _reference as Sid;

    /// <summary>The bytes of an OctetString value, else null.</summary>
    public byte[]? Octets => _reference as byte[];

    /// <summary>A signed integer.</summary>
    public static ClaimItem FromInt64(long value) => new(ClaimValueType.Int64, value, null);

    /// <summary>An unsigned integer.</summary>
    public static ClaimItem FromUInt64(ulong value) => new(ClaimValueType.UInt64, unchecked((long)value), null);

    /// <summary>A boolean.</summary>
    public static ClaimItem FromBoolean(bool value) => new(ClaimValueType.Boolean, value ? 1 : 0, null);

    /// <summary>A string.</summary>
    public static ClaimItem FromString(string value) => new(ClaimValueType.String, 0, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>A SID.</summary>
    public static ClaimItem FromSid(Sid value) => new(ClaimValueType.Sid, 0, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>An octet string.</summary>
    public static ClaimItem FromOctets(byte[] value) => new(ClaimValueType.OctetString, 0, value ?? throw new ArgumentNullException(nameof(value)));

    /// <inheritdoc/>
    public bool Equals(ClaimItem other) => Type == other.Type && Compare(this, other) == 0;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ClaimItem other && Equals(other);

    /// <summary>Value equality.</summary>
    public static bool operator ==(ClaimItem left, ClaimItem right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(ClaimItem left, ClaimItem right) => !left.Equals(right);

    /// <inheritdoc/>
    public override int GetHashCode() => Type switch
    {
        ClaimValueType.String => StringComparer.OrdinalIgnoreCase.GetHashCode(String!),
        ClaimValueType.Sid => Sid!.GetHashCode(),
        ClaimValueType.OctetString => Octets!.Length,
        _ => _integer.GetHashCode(),
    };

    /// <summary>The value as a conditional-expression literal (integers in decimal).</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Type switch
    {
        ClaimValueType.String => $"\"{String}\"",
        ClaimValueType.Sid => $"SID({SddlSidAliases.TryGetAlias(Sid!) ?? Sid!.ToString()})",
        ClaimValueType.OctetString => "#" + Convert.ToHexStringLower(Octets!),
        ClaimValueType.UInt64 => unchecked((ulong)_integer).ToString(CultureInfo.InvariantCulture),
        _ => _integer.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Orders two values the way MS-DTYP 2.4.4.17.6 compares operands: integers (signed, unsigned and boolean)
    /// numerically, strings case-insensitively, SIDs and octet strings by their bytes. Null when the types cannot be
    /// compared. Does not allocate.
    /// </summary>
    internal static int? Compare(in ClaimItem a, in ClaimItem b)
    {
        if (a.IsInteger && b.IsInteger)
        {
            var aNegative = a.Type != ClaimValueType.UInt64 && a._integer < 0;
            var bNegative = b.Type != ClaimValueType.UInt64 && b._integer < 0;
            if (aNegative != bNegative)
            {
                return aNegative ? -1 : 1;
            }

            return aNegative ? a._integer.CompareTo(b._integer) : unchecked((ulong)a._integer).CompareTo(unchecked((ulong)b._integer));
        }

        if (a.Type != b.Type)
        {
            return null;
        }

        return a.Type switch
        {
            ClaimValueType.String => string.Compare(a.String, b.String, StringComparison.OrdinalIgnoreCase),
            ClaimValueType.Sid => a.Sid!.CompareTo(b.Sid),
            _ => a.Octets.AsSpan().SequenceCompareTo(b.Octets),
        };
    }

    private bool IsInteger => Type is ClaimValueType.Int64 or ClaimValueType.UInt64 or ClaimValueType.Boolean;
}

/// <summary>
/// The claims of a token that conditional ACEs read: local attributes (e.g. <c>WIN://SYSAPPID</c>), user claims and
/// device claims, each a name (case-insensitive) with one or more values. Immutable.
/// </summary>
public sealed class ClaimSet : IEquatable<ClaimSet>
{
    private readonly Dictionary<string, ClaimItem[]> _local;
    private readonly Dictionary<string, ClaimItem[]> _user;
    private readonly Dictionary<string, ClaimItem[]> _device;
    private readonly ReadOnlyCollection<(ClaimScope Scope, string Name, IReadOnlyList<ClaimItem> Values)> _all;

    /// <summary>Creates a claim set.</summary>
    /// <param name="claims">Scope, name and values of each claim; <see cref="ClaimScope.Resource"/> belongs to objects, not tokens.</param>
    /// <exception cref="ArgumentException">A claim has no values, a resource scope, or its name appears twice in one scope.</exception>
    public ClaimSet(IEnumerable<(ClaimScope Scope, string Name, IReadOnlyList<ClaimItem> Values)> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        _local = new(StringComparer.OrdinalIgnoreCase);
        _user = new(StringComparer.OrdinalIgnoreCase);
        _device = new(StringComparer.OrdinalIgnoreCase);
        var all = new List<(ClaimScope, string, IReadOnlyList<ClaimItem>)>();
        foreach (var (scope, name, values) in claims)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            if (values is null || values.Count == 0)
            {
                throw new ArgumentException($"Claim '{name}' has no values.", nameof(claims));
            }

            var map = scope switch
            {
                ClaimScope.Local => _local,
                ClaimScope.User => _user,
                ClaimScope.Device => _device,
                _ => throw new ArgumentException($"Claim '{name}': resource attributes belong to the object, not the token.", nameof(claims)),
            };
            var copy = values.ToArray();
            if (!map.TryAdd(name, copy))
            {
                throw new ArgumentException($"Claim '{name}' appears twice.", nameof(claims));
            }

            all.Add((scope, name, Array.AsReadOnly(copy)));
        }

        _all = all.AsReadOnly();
    }

    /// <summary>No claims.</summary>
    public static ClaimSet Empty { get; } = new([]);

    /// <summary>Every claim, in the order given.</summary>
    public IReadOnlyList<(ClaimScope Scope, string Name, IReadOnlyList<ClaimItem> Values)> All => _all;

    /// <summary>Whether there are no claims.</summary>
    public bool IsEmpty => _all.Count == 0;

    /// <summary>
    /// Parses <c>name=value</c> pairs separated by <c>;</c>, names and values written as in a conditional ACE:
    /// <c>WIN://SYSAPPID="Contoso.App_8wekyb3d8bbwe";@User.clearance=3;@Device.groups={SID(BA), SID(BU)}</c>.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The claim set.</returns>
    /// <exception cref="FormatException">The text is malformed; the message says where.</exception>
    public static ClaimSet Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var set, out var error) ? set! : throw new FormatException(error);
    }

    /// <summary>Whether the scope holds a claim named <paramref name="name"/>; its values if so. Does not allocate.</summary>
    internal bool TryGet(ClaimScope scope, string name, out ClaimItem[] values)
    {
        var map = scope switch
        {
            ClaimScope.Local => _local,
            ClaimScope.User => _user,
            ClaimScope.Device => _device,
            _ => null,
        };
        if (map is not null && map.TryGetValue(name, out var found))
        {
            values = found;
            return true;
        }

        values = [];
        return false;
    }

    internal static bool TryParse(ReadOnlySpan<char> text, out ClaimSet? set, out string? error)
    {
        set = null;
        var claims = new List<(ClaimScope, string, IReadOnlyList<ClaimItem>)>();
        var parser = new ConditionalSddlParser(text.ToString());
        while (!parser.AtEnd)
        {
            if (!parser.TryParseClaim(out var scope, out var name, out var values, out error))
            {
                return false;
            }

            claims.Add((scope, name!, values!));
            if (!parser.TrySkipSeparator(';', out error))
            {
                return false;
            }
        }

        try
        {
            set = new ClaimSet(claims);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The text form <see cref="Parse"/> reads: <c>name=value</c> pairs separated by <c>;</c>; empty for no claims.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        AppendText(builder);
        return builder.Length == 0 ? "" : builder.ToString(1, builder.Length - 1);
    }

    internal void AppendText(StringBuilder builder)
    {
        foreach (var (scope, name, values) in _all)
        {
            builder.Append(';');
            ConditionalExpression.AppendAttribute(builder, scope, name);
            builder.Append('=');
            if (values.Count == 1)
            {
                builder.Append(values[0].ToString());
                continue;
            }

            builder.Append('{');
            for (var i = 0; i < values.Count; i++)
            {
                builder.Append(i == 0 ? "" : ", ").Append(values[i].ToString());
            }

            builder.Append('}');
        }
    }

    /// <inheritdoc/>
    public bool Equals(ClaimSet? other)
    {
        if (other is null || other._all.Count != _all.Count)
        {
            return false;
        }

        foreach (var (scope, name, values) in _all)
        {
            if (!other.TryGet(scope, name, out var theirs) || !values.SequenceEqual(theirs))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ClaimSet);

    /// <inheritdoc/>
    public override int GetHashCode() => _all.Count;
}
