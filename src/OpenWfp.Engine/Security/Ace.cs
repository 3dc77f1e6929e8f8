using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>An access-control entry of a DACL: allow or deny <see cref="AccessMask"/> to <see cref="Sid"/>.</summary>
/// <remarks>
/// <see cref="AccessMask"/> is kept as written (generic bits included) so SDDL round-trips; the access check maps
/// generic bits through <see cref="AccessMasks.MapGeneric"/>.
/// </remarks>
public sealed class Ace : IEquatable<Ace>
{
    /// <summary>Creates an ACE.</summary>
    /// <param name="type">Allow or deny.</param>
    /// <param name="accessMask">The rights, possibly including generic bits.</param>
    /// <param name="sid">The trustee.</param>
    /// <param name="flags">The ACE header flags.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sid"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a defined value.</exception>
    public Ace(AceType type, uint accessMask, Sid sid, AceFlags flags = AceFlags.None)
    {
        ArgumentNullException.ThrowIfNull(sid);
        if (type is not (AceType.AccessAllowed or AceType.AccessDenied))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Only allow and deny ACEs are supported.");
        }

        Type = type;
        AccessMask = accessMask;
        Sid = sid;
        Flags = flags;
    }

    /// <summary>Allow or deny.</summary>
    public AceType Type { get; }

    /// <summary>The rights as written, generic bits included.</summary>
    public uint AccessMask { get; }

    /// <summary>The trustee.</summary>
    public Sid Sid { get; }

    /// <summary>The ACE header flags; only <see cref="AceFlags.InheritOnly"/> affects an access check.</summary>
    public AceFlags Flags { get; }

    /// <summary>The canonical SDDL ACE string, e.g. <c>(A;;CC;;;S-1-15-3-1)</c>.</summary>
    /// <returns>The ACE in SDDL.</returns>
    public string ToSddl()
    {
        var builder = new StringBuilder(48);
        AppendSddl(builder);
        return builder.ToString();
    }

    /// <summary>Same as <see cref="ToSddl"/>.</summary>
    /// <returns>The ACE in SDDL.</returns>
    public override string ToString() => ToSddl();

    /// <inheritdoc/>
    public bool Equals(Ace? other) =>
        other is not null
        && Type == other.Type
        && AccessMask == other.AccessMask
        && Flags == other.Flags
        && Sid.Equals(other.Sid);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Ace);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, AccessMask, Flags, Sid);

    internal void AppendSddl(StringBuilder builder)
    {
        builder.Append('(').Append(Type == AceType.AccessAllowed ? "A" : "D").Append(';');
        SddlCodes.AppendFlags(builder, Flags);
        builder.Append(';');
        SddlCodes.AppendRights(builder, AccessMask);
        builder.Append(";;;");
        builder.Append(SddlSidAliases.TryGetAlias(Sid) ?? Sid.ToString());
        builder.Append(')');
    }
}
