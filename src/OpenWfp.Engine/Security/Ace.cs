using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>
/// An access-control entry of a DACL: allow or deny <see cref="AccessMask"/> to <see cref="Sid"/>, optionally
/// limited to an object type (object ACEs) and to a condition (callback ACEs).
/// </summary>
/// <remarks>
/// <see cref="AccessMask"/> is kept as written (generic bits included) so SDDL round-trips; the access check maps
/// generic bits through <see cref="AccessMasks.MapGeneric"/>. How object types and conditions change the access check
/// is described on <see cref="SecurityDescriptor"/>.
/// </remarks>
public sealed class Ace : IEquatable<Ace>
{
    /// <summary>Creates a plain allow or deny ACE.</summary>
    /// <param name="type">Allow or deny.</param>
    /// <param name="accessMask">The rights, possibly including generic bits.</param>
    /// <param name="sid">The trustee.</param>
    /// <param name="flags">The ACE header flags.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sid"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not <see cref="AceType.AccessAllowed"/> or <see cref="AceType.AccessDenied"/>.</exception>
    public Ace(AceType type, uint accessMask, Sid sid, AceFlags flags = AceFlags.None)
        : this(type, accessMask, sid, flags, null, null, null)
    {
        if (type is not (AceType.AccessAllowed or AceType.AccessDenied))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "This constructor makes plain A/D ACEs; use the full constructor for object and callback ACEs.");
        }
    }

    /// <summary>Creates an ACE of any supported type.</summary>
    /// <param name="type">The ACE type.</param>
    /// <param name="accessMask">The rights, possibly including generic bits.</param>
    /// <param name="sid">The trustee.</param>
    /// <param name="flags">The ACE header flags.</param>
    /// <param name="objectType">The object type GUID (object ACEs only), or null.</param>
    /// <param name="inheritedObjectType">The inherited object type GUID (object ACEs only), or null.</param>
    /// <param name="condition">The conditional expression (callback ACEs only; required for them).</param>
    /// <exception cref="ArgumentNullException"><paramref name="sid"/> is null.</exception>
    /// <exception cref="ArgumentException">The GUIDs or the condition do not fit <paramref name="type"/>.</exception>
    public Ace(AceType type, uint accessMask, Sid sid, AceFlags flags, Guid? objectType, Guid? inheritedObjectType, ConditionalExpression? condition)
    {
        ArgumentNullException.ThrowIfNull(sid);
        if (!Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Unsupported ACE type.");
        }

        if (!IsObjectType(type) && (objectType is not null || inheritedObjectType is not null))
        {
            throw new ArgumentException($"Only object ACEs (OA, OD, ZA) carry object type GUIDs, not {type}.", nameof(objectType));
        }

        if (IsCallbackType(type) != (condition is not null))
        {
            throw new ArgumentException(condition is null ? $"A {type} ACE needs a condition." : $"A {type} ACE cannot have a condition.", nameof(condition));
        }

        Type = type;
        AccessMask = accessMask;
        Sid = sid;
        Flags = flags;
        ObjectType = objectType;
        InheritedObjectType = inheritedObjectType;
        Condition = condition;
    }

    /// <summary>The ACE type.</summary>
    public AceType Type { get; }

    /// <summary>The rights as written, generic bits included.</summary>
    public uint AccessMask { get; }

    /// <summary>The trustee.</summary>
    public Sid Sid { get; }

    /// <summary>The ACE header flags; only <see cref="AceFlags.InheritOnly"/> affects an access check.</summary>
    public AceFlags Flags { get; }

    /// <summary>The object type GUID of an object ACE (ACE_OBJECT_TYPE_PRESENT), or null.</summary>
    public Guid? ObjectType { get; }

    /// <summary>The inherited object type GUID of an object ACE (ACE_INHERITED_OBJECT_TYPE_PRESENT), or null; inheritance only.</summary>
    public Guid? InheritedObjectType { get; }

    /// <summary>The conditional expression of a callback ACE, or null.</summary>
    public ConditionalExpression? Condition { get; }

    /// <summary>Whether the ACE denies (D, OD, XD).</summary>
    public bool IsDeny => Type is AceType.AccessDenied or AceType.AccessDeniedObject or AceType.AccessDeniedCallback;

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
        && ObjectType == other.ObjectType
        && InheritedObjectType == other.InheritedObjectType
        && Sid.Equals(other.Sid)
        && Equals(Condition, other.Condition);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Ace);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, AccessMask, Flags, Sid, ObjectType, InheritedObjectType, Condition);

    internal static bool IsObjectType(AceType type) =>
        type is AceType.AccessAllowedObject or AceType.AccessDeniedObject or AceType.AccessAllowedCallbackObject;

    internal static bool IsCallbackType(AceType type) =>
        type is AceType.AccessAllowedCallback or AceType.AccessDeniedCallback or AceType.AccessAllowedCallbackObject;

    internal static string Code(AceType type) => type switch
    {
        AceType.AccessAllowed => "A",
        AceType.AccessDenied => "D",
        AceType.AccessAllowedObject => "OA",
        AceType.AccessDeniedObject => "OD",
        AceType.AccessAllowedCallback => "XA",
        AceType.AccessDeniedCallback => "XD",
        _ => "ZA",
    };

    internal void AppendSddl(StringBuilder builder)
    {
        builder.Append('(').Append(Code(Type)).Append(';');
        SddlCodes.AppendFlags(builder, Flags);
        builder.Append(';');
        SddlCodes.AppendRights(builder, AccessMask);
        builder.Append(';');
        if (ObjectType is { } o)
        {
            builder.Append(o.ToString("D"));
        }

        builder.Append(';');
        if (InheritedObjectType is { } i)
        {
            builder.Append(i.ToString("D"));
        }

        builder.Append(';');
        builder.Append(SddlSidAliases.TryGetAlias(Sid) ?? Sid.ToString());
        if (Condition is not null)
        {
            builder.Append(';');
            Condition.AppendSddl(builder);
        }

        builder.Append(')');
    }
}
