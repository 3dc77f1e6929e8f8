using System.Collections.ObjectModel;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>
/// An immutable security descriptor: the value of an <c>FWP_SECURITY_DESCRIPTOR_TYPE</c> condition such as
/// ALE_USER_ID (docs/ARBITRATION.md, Matching conditions), written and read as SDDL.
/// </summary>
/// <remarks>
/// <para>
/// Only the owner, group and DACL are modelled. The filter engine evaluates no SACL (BFE applies DACL checks only; https://learn.microsoft.com/en-us/windows/win32/fwp/access-control), so an <c>S:</c>
/// component is checked for well-formed, balanced ACE syntax and then discarded; <see cref="ToSddl"/> never emits one.
/// </para>
/// <para>
/// DACL states: no <c>D:</c> component, or <c>D:NO_ACCESS_CONTROL</c>, is a NULL DACL
/// (<see cref="HasDacl"/> false) and grants every access, as on Windows; <c>D:</c> with no ACEs is an empty DACL
/// and grants nothing (beyond the owner's implicit rights, below).
/// </para>
/// <para>
/// <see cref="AccessCheck(FwpToken, uint)"/> follows the Windows DACL walk:
/// </para>
/// <list type="number">
/// <item>Generic bits in the desired mask and in every ACE mask are mapped with the WFP generic mapping
/// (<see cref="AccessMasks.MapGeneric"/>: FWPM_GENERIC_READ/WRITE/EXECUTE/ALL from fwpmu.h). A desired mask that is
/// 0 after mapping is denied, as SeAccessCheck does.</item>
/// <item>If the token contains the owner SID and the DACL has no effective ACE for OWNER RIGHTS (<c>S-1-3-4</c>),
/// READ_CONTROL and WRITE_DAC are granted before the walk (the owner's implicit rights). An OWNER RIGHTS ACE
/// applies to the token iff the token contains the owner SID.</item>
/// <item>ACEs are visited in order; inherit-only (<c>IO</c>) ACEs are skipped, other ACE flags are ignored. An ACE
/// applies when its SID is the token's user or one of its groups. An applicable deny ACE whose mask intersects the
/// not-yet-granted desired bits denies; an applicable allow ACE grants its bits. Access is granted as soon as
/// every desired bit is granted, and denied if the DACL ends first. Hence deny-then-allow denies, and
/// allow-then-deny of the same bits grants.</item>
/// <item>If the token has restricted SIDs, the same walk runs a second time with the restricted SIDs in place of
/// user and groups, and access is granted only if both walks grant it.</item>
/// <item>If the token is an app-container (lowbox) token (<see cref="FwpToken.IsAppContainer"/>), the walk runs
/// once more over its package SID, its capability SIDs and ALL APPLICATION PACKAGES, and access needs that walk to
/// grant as well, as Windows does for AppContainer processes
/// (https://learn.microsoft.com/en-us/windows/win32/secauthz/implementing-an-appcontainer). This is why
/// <c>O:LSD:(A;;CC;;;S-1-15-3-1)(A;;CC;;;WD)</c> does not match an app that lacks the internetClient capability
/// although Everyone is in its token: Windows reports such connections blocked by the "InternetClient Default
/// Rule" (docs/IDENTITY.md, App-container tokens).</item>
/// <item>Callback ACEs (<c>XA</c>, <c>XD</c>, <c>ZA</c>) apply only if, besides the SID, their condition holds
/// (<see cref="ConditionalExpression.Evaluate"/>): an allow callback ACE applies only when the condition is TRUE, a
/// deny callback ACE when it is TRUE or UNKNOWN, as MS-DTYP 2.5.3.1.1 specifies.</item>
/// <item>Object ACEs (<c>OA</c>, <c>OD</c>, <c>ZA</c>) without an object type GUID behave as plain ACEs. One
/// with an object type GUID applies only when the check names that object type
/// (<see cref="AccessCheck(FwpToken, uint, Guid)"/>); the plain <see cref="AccessCheck(FwpToken, uint)"/> names
/// none, so it skips them. This is the single-level case of the object-type-list check of MS-DTYP 2.5.3.2; WFP
/// itself never passes an object type list.</item>
/// </list>
/// <para>
/// <see cref="AccessCheck(FwpToken, uint)"/> does not allocate: masks and skip decisions are precomputed when the descriptor is
/// built, and the walk is a plain loop over an array.
/// </para>
/// </remarks>
public sealed class SecurityDescriptor : IEquatable<SecurityDescriptor>
{
    /// <summary>
    /// FWP_ACTRL_MATCH_FILTER (fwptypes.h): the right a filter condition's descriptor must grant for the condition to
    /// match. It is the SDDL <c>CC</c> bit, hence Windows Firewall's <c>(A;;CC;;;&lt;SID&gt;)</c> ACEs.
    /// </summary>
    public const uint MatchFilterRight = 0x1;

    private const SecurityDescriptorControl KnownControl =
        SecurityDescriptorControl.DaclProtected | SecurityDescriptorControl.DaclAutoInherited | SecurityDescriptorControl.DaclAutoInheritRequired;

    private static readonly ReadOnlyCollection<Ace> NoAces = new([]);

    private readonly ReadOnlyCollection<Ace> _dacl;
    private readonly CheckEntry[] _checkEntries;
    private readonly bool _ownerHasImplicitRights;
    private readonly int _hashCode;

    /// <summary>Creates a security descriptor.</summary>
    /// <param name="owner">The owner SID, or null.</param>
    /// <param name="group">The primary group SID, or null.</param>
    /// <param name="dacl">The DACL in evaluation order, or null for a NULL DACL (grants everything).</param>
    /// <param name="control">DACL control bits (inheritance only; they do not affect the access check).</param>
    /// <exception cref="ArgumentException"><paramref name="dacl"/> contains null, or <paramref name="control"/> has unknown bits.</exception>
    public SecurityDescriptor(Sid? owner, Sid? group, IEnumerable<Ace>? dacl, SecurityDescriptorControl control = SecurityDescriptorControl.None)
        : this(owner, group, dacl, control, validate: true)
    {
    }

    internal SecurityDescriptor(Sid? owner, Sid? group, IEnumerable<Ace>? dacl, SecurityDescriptorControl control, bool validate)
    {
        if (validate && (control & ~KnownControl) != 0)
        {
            throw new ArgumentException($"Unknown control bits 0x{(ushort)(control & ~KnownControl):x4}.", nameof(control));
        }

        Owner = owner;
        Group = group;
        Control = control;
        HasDacl = dacl is not null;

        var aces = dacl is null ? [] : dacl.ToArray();
        foreach (var ace in aces)
        {
            if (ace is null)
            {
                throw new ArgumentException("The DACL contains a null ACE.", nameof(dacl));
            }
        }

        _dacl = aces.Length == 0 ? NoAces : new ReadOnlyCollection<Ace>(aces);

        var entries = new List<CheckEntry>(aces.Length);
        var hasOwnerRightsAce = false;
        foreach (var ace in aces)
        {
            if ((ace.Flags & AceFlags.InheritOnly) != 0)
            {
                continue;
            }

            var isOwnerRights = ace.Sid.Equals(Sid.OwnerRights);
            hasOwnerRightsAce |= isOwnerRights;
            entries.Add(new CheckEntry(
                ace.Sid,
                AccessMasks.MapGeneric(ace.AccessMask),
                ace.IsDeny,
                isOwnerRights,
                ace.ObjectType is not null,
                ace.ObjectType ?? Guid.Empty,
                ace.Condition));
        }

        _checkEntries = [.. entries];
        _ownerHasImplicitRights = owner is not null && !hasOwnerRightsAce;

        var hash = new HashCode();
        hash.Add(owner);
        hash.Add(group);
        hash.Add(HasDacl);
        hash.Add(control);
        foreach (var ace in aces)
        {
            hash.Add(ace);
        }

        _hashCode = hash.ToHashCode();
    }

    /// <summary>The owner SID (<c>O:</c>), or null.</summary>
    public Sid? Owner { get; }

    /// <summary>The primary group SID (<c>G:</c>), or null.</summary>
    public Sid? Group { get; }

    /// <summary>Whether a DACL is present. False means a NULL DACL, which grants every access.</summary>
    public bool HasDacl { get; }

    /// <summary>The DACL in evaluation order; empty both for a NULL DACL and for an empty one (see <see cref="HasDacl"/>).</summary>
    public IReadOnlyList<Ace> Dacl => _dacl;

    /// <summary>The DACL control bits written after <c>D:</c> (<c>P</c>, <c>AI</c>, <c>AR</c>).</summary>
    public SecurityDescriptorControl Control { get; }

    /// <summary>Parses SDDL.</summary>
    /// <param name="sddl">
    /// Components <c>O:</c>, <c>G:</c>, <c>D:</c> and <c>S:</c> in any order, each at most once, with white space allowed
    /// between components and ACEs. <c>D:</c> takes optional flags (<c>P</c>, <c>AI</c>, <c>AR</c>,
    /// <c>NO_ACCESS_CONTROL</c>) and then ACEs <c>(type;flags;rights;;;sid)</c> with type <c>A</c> or <c>D</c>;
    /// flags from <c>OI CI NP IO ID CR SA FA</c>; rights as two-letter codes (<c>CC DC LC SW RP WP DT LO CR SD RC WD WO
    /// GA GR GW GX FA FR FW FX KA KR KW KX</c>), <c>0x</c> hex or decimal; SIDs as strings or aliases (see
    /// <see cref="Sid"/>). Keywords are case-sensitive, as on Windows. Object ACEs (<c>OA</c>/<c>OD</c>), conditional
    /// ACEs (<c>XA</c>/<c>XD</c>/<c>ZA</c>) and SACL-only types in a DACL are rejected; <c>S:</c> is syntax-checked and
    /// ignored.
    /// </param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sddl"/> is null.</exception>
    /// <exception cref="FormatException">The text is not valid; the message gives the character position and the offending token.</exception>
    public static SecurityDescriptor ParseSddl(string sddl)
    {
        ArgumentNullException.ThrowIfNull(sddl);
        if (!SddlParser.TryParse(sddl, out var descriptor, out var error))
        {
            throw new FormatException(error);
        }

        return descriptor!;
    }

    /// <summary>Parses SDDL without throwing; see <see cref="ParseSddl"/> for the grammar.</summary>
    /// <param name="sddl">The text; null gives false.</param>
    /// <param name="sd">The descriptor when the result is true; otherwise null.</param>
    /// <param name="error">Why parsing failed (with the character position), or null on success.</param>
    /// <returns>Whether <paramref name="sddl"/> was valid.</returns>
    public static bool TryParseSddl(string? sddl, out SecurityDescriptor? sd, out string? error)
    {
        if (sddl is null)
        {
            sd = null;
            error = "The SDDL string is null.";
            return false;
        }

        return SddlParser.TryParse(sddl, out sd, out error);
    }

    /// <summary>
    /// The canonical SDDL: <c>O:</c>, <c>G:</c>, then <c>D:</c> with flags in the order P, AR, AI; SIDs with an SDDL
    /// alias print as the alias; rights print as one exact composite code, else as single-bit codes, else as
    /// <c>0x</c> hex. A NULL DACL prints as <c>D:NO_ACCESS_CONTROL</c>. <see cref="ParseSddl"/> of the result
    /// equals this descriptor.
    /// </summary>
    /// <returns>The SDDL text.</returns>
    public string ToSddl()
    {
        var builder = new StringBuilder(64);
        if (Owner is not null)
        {
            builder.Append("O:").Append(SddlSidAliases.TryGetAlias(Owner) ?? Owner.ToString());
        }

        if (Group is not null)
        {
            builder.Append("G:").Append(SddlSidAliases.TryGetAlias(Group) ?? Group.ToString());
        }

        builder.Append("D:");
        if ((Control & SecurityDescriptorControl.DaclProtected) != 0)
        {
            builder.Append('P');
        }

        if ((Control & SecurityDescriptorControl.DaclAutoInheritRequired) != 0)
        {
            builder.Append("AR");
        }

        if ((Control & SecurityDescriptorControl.DaclAutoInherited) != 0)
        {
            builder.Append("AI");
        }

        if (!HasDacl)
        {
            builder.Append("NO_ACCESS_CONTROL");
        }

        foreach (var ace in _dacl)
        {
            ace.AppendSddl(builder);
        }

        return builder.ToString();
    }

    /// <summary>Same as <see cref="ToSddl"/>.</summary>
    /// <returns>The SDDL text.</returns>
    public override string ToString() => ToSddl();

    /// <summary>Whether the DACL grants <paramref name="token"/> every bit of <paramref name="desiredAccess"/>; the algorithm is in the type remarks. Does not allocate.</summary>
    /// <param name="token">The caller's token.</param>
    /// <param name="desiredAccess">The rights wanted, e.g. <see cref="MatchFilterRight"/>; generic bits are mapped first.</param>
    /// <returns>True if access is granted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is null.</exception>
    public bool AccessCheck(FwpToken token, uint desiredAccess) => AccessCheckCore(token, desiredAccess, hasObjectType: false, Guid.Empty);

    /// <summary>
    /// Like <see cref="AccessCheck(FwpToken, uint)"/> for an object of type <paramref name="objectType"/>: object ACEs
    /// whose object type GUID equals it apply as well. Does not allocate.
    /// </summary>
    /// <param name="token">The caller's token.</param>
    /// <param name="desiredAccess">The rights wanted; generic bits are mapped first.</param>
    /// <param name="objectType">The object type the check is for.</param>
    /// <returns>True if access is granted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is null.</exception>
    public bool AccessCheck(FwpToken token, uint desiredAccess, Guid objectType) => AccessCheckCore(token, desiredAccess, hasObjectType: true, objectType);

    private bool AccessCheckCore(FwpToken token, uint desiredAccess, bool hasObjectType, Guid objectType)
    {
        ArgumentNullException.ThrowIfNull(token);
        var desired = AccessMasks.MapGeneric(desiredAccess);
        if (desired == 0)
        {
            return false;
        }

        if (!HasDacl)
        {
            return true;
        }

        if (!Walk(token, desired, AccessPass.Normal, hasObjectType, objectType))
        {
            return false;
        }

        if (token.IsRestricted && !Walk(token, desired, AccessPass.Restricted, hasObjectType, objectType))
        {
            return false;
        }

        return !token.IsAppContainer || Walk(token, desired, AccessPass.AppContainer, hasObjectType, objectType);
    }

    /// <inheritdoc/>
    public bool Equals(SecurityDescriptor? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (_hashCode != other._hashCode
            || HasDacl != other.HasDacl
            || Control != other.Control
            || Owner != other.Owner
            || Group != other.Group
            || _dacl.Count != other._dacl.Count)
        {
            return false;
        }

        for (var i = 0; i < _dacl.Count; i++)
        {
            if (!_dacl[i].Equals(other._dacl[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SecurityDescriptor);

    /// <inheritdoc/>
    public override int GetHashCode() => _hashCode;

    private bool Walk(FwpToken token, uint desired, AccessPass pass, bool hasObjectType, Guid objectType)
    {
        var ownerPresent = Owner is not null && token.ContainsForPass(Owner, pass);
        var remaining = desired;
        if (ownerPresent && _ownerHasImplicitRights)
        {
            remaining &= ~(AccessMasks.ReadControl | AccessMasks.WriteDac);
            if (remaining == 0)
            {
                return true;
            }
        }

        var entries = _checkEntries;
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var entry = ref entries[i];
            if (entry.HasObjectType && (!hasObjectType || entry.ObjectType != objectType))
            {
                continue;
            }

            var applies = entry.IsOwnerRights ? ownerPresent : token.ContainsForPass(entry.Sid, pass);
            if (!applies)
            {
                continue;
            }

            if (entry.Condition is { } condition)
            {
                var result = condition.Evaluate(token);
                if (result == ConditionResult.False || (result == ConditionResult.Unknown && !entry.Deny))
                {
                    continue;
                }
            }

            if (entry.Deny)
            {
                if ((entry.Mask & remaining) != 0)
                {
                    return false;
                }
            }
            else
            {
                remaining &= ~entry.Mask;
                if (remaining == 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private readonly record struct CheckEntry(Sid Sid, uint Mask, bool Deny, bool IsOwnerRights, bool HasObjectType, Guid ObjectType, ConditionalExpression? Condition);
}

/// <summary>Which SIDs of a token a DACL walk matches ACEs against.</summary>
internal enum AccessPass
{
    /// <summary>The user and the groups.</summary>
    Normal,

    /// <summary>The restricted SIDs.</summary>
    Restricted,

    /// <summary>The package SID, the capabilities and ALL APPLICATION PACKAGES of an app-container token.</summary>
    AppContainer,
}
