using System.Collections.ObjectModel;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>
/// The identity a security-descriptor condition is checked against: the run-time value of ALE_USER_ID and similar
/// fields (FWP_TOKEN_INFORMATION / TOKEN_ACCESS_INFORMATION), reduced to the SIDs an access check needs.
/// </summary>
/// <remarks>
/// <para>
/// A token is a user SID, a list of group SIDs (on Windows this includes capability SIDs such as <c>S-1-15-3-1</c>)
/// and an optional list of restricted SIDs. Duplicate SIDs within a list are dropped, keeping the first occurrence;
/// equality compares the user and both lists as sets.
/// </para>
/// <para>
/// App-container (lowbox) tokens: a token whose groups contain a package SID (<c>S-1-15-2-…</c> with more than two
/// sub-authorities; ALL APPLICATION PACKAGES <c>S-1-15-2-1</c> and ALL RESTRICTED APPLICATION PACKAGES
/// <c>S-1-15-2-2</c> are not package SIDs) is an app-container token, as a Windows token whose TokenIsAppContainer is
/// set. Its package SID becomes <see cref="AppContainerSid"/> and its <c>S-1-15-3-…</c> SIDs become
/// <see cref="Capabilities"/>: both leave the ordinary membership, because Windows keeps them outside
/// TOKEN_GROUPS and checks them in a second DACL walk over the package SID, the capabilities and ALL APPLICATION
/// PACKAGES (https://learn.microsoft.com/en-us/windows/win32/secauthz/implementing-an-appcontainer). Without a
/// package SID, capability SIDs stay ordinary groups, which is what a hand-written token has always meant here.
/// <see cref="Groups"/> keeps every SID given, so the token round-trips through its text and wire forms.
/// </para>
/// <para>
/// Claims (<see cref="Claims"/>) feed conditional ACEs: user, device and local attributes. Linux has no source for
/// any of them, so a token built from a Linux identity has none and every attribute reference evaluates as absent
/// (docs/IDENTITY.md, Claims).
/// </para>
/// <para>
/// Linux mapping (<see cref="ForUnixIdentity"/>): user <c>S-1-22-1-&lt;uid&gt;</c>; one group
/// <c>S-1-22-2-&lt;gid&gt;</c> per gid, in the order given; then Everyone (<c>S-1-1-0</c>) and Authenticated Users
/// (<c>S-1-5-11</c>), which every Windows logon token carries; and for uid 0 additionally LocalSystem
/// (<c>S-1-5-18</c>) and BUILTIN\Administrators (<c>S-1-5-32-544</c>), so Windows SDs that grant <c>SY</c> or
/// <c>BA</c> match root. The <c>S-1-22</c> authority is Samba's "Unix User"/"Unix Group" convention.
/// </para>
/// <para>
/// Text form (<see cref="Parse"/>, <see cref="ToString"/>): comma-separated SIDs, user first, then groups; restricted
/// SIDs, if any, follow a <c>|</c>: <c>S-1-5-21-1-2-3-1001,S-1-5-32-545|S-1-5-12</c>. Claims, if any, follow a
/// <c>;</c> as <c>name=value</c> pairs separated by <c>;</c>, with names and values written as in a conditional ACE
/// (<see cref="ClaimSet.Parse"/>): <c>…,S-1-15-3-1;WIN://SYSAPPID="Contoso.App_8wekyb3d8bbwe"</c>. Nothing is added
/// implicitly: a parsed token contains exactly the SIDs written.
/// </para>
/// </remarks>
public sealed class FwpToken : IEquatable<FwpToken>
{
    private readonly ReadOnlyCollection<Sid> _groups;
    private readonly ReadOnlyCollection<Sid> _restrictedSids;
    private readonly HashSet<Sid> _groupSet;
    private readonly HashSet<Sid> _members;
    private readonly HashSet<Sid> _restricted;
    private readonly HashSet<Sid> _lowbox;
    private readonly ReadOnlyCollection<Sid> _capabilities;
    private readonly int _hashCode;

    /// <summary>Creates a token.</summary>
    /// <param name="user">The user SID.</param>
    /// <param name="groups">The group SIDs, including capability SIDs.</param>
    /// <param name="restrictedSids">Restricted SIDs; a non-empty list makes access need a second, restricted check.</param>
    /// <exception cref="ArgumentNullException"><paramref name="user"/> or <paramref name="groups"/> is null.</exception>
    /// <param name="claims">User, device and local claims for conditional ACEs; null for none.</param>
    /// <exception cref="ArgumentException">A list contains null.</exception>
    public FwpToken(Sid user, IEnumerable<Sid> groups, IEnumerable<Sid>? restrictedSids = null, ClaimSet? claims = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(groups);
        User = user;
        Claims = claims ?? ClaimSet.Empty;
        _groups = Distinct(groups, nameof(groups), out _groupSet);
        _restrictedSids = Distinct(restrictedSids ?? [], nameof(restrictedSids), out _restricted);
        _members = new HashSet<Sid>(_groupSet) { user };
        _lowbox = [];
        var capabilities = new List<Sid>();
        foreach (var sid in _groups)
        {
            if (AppContainerSid is null && IsPackageSid(sid))
            {
                AppContainerSid = sid;
            }
            else if (IsCapabilitySid(sid))
            {
                capabilities.Add(sid);
            }
        }

        _capabilities = capabilities.AsReadOnly();
        if (AppContainerSid is not null)
        {
            // The package SID and the capabilities are not groups of a lowbox token: they only count in the
            // app-container pass, which also always sees ALL APPLICATION PACKAGES.
            _members.Remove(AppContainerSid);
            foreach (var capability in capabilities)
            {
                _members.Remove(capability);
            }

            _lowbox.Add(AppContainerSid);
            _lowbox.Add(Sid.AllAppPackages);
            _lowbox.UnionWith(capabilities);
        }

        var hash = user.GetHashCode();
        var groupHash = 0;
        foreach (var sid in _groups)
        {
            groupHash += sid.GetHashCode();
        }

        var restrictedHash = 0;
        foreach (var sid in _restrictedSids)
        {
            restrictedHash += sid.GetHashCode();
        }

        _hashCode = HashCode.Combine(hash, groupHash, restrictedHash);
    }

    /// <summary>The user SID.</summary>
    public Sid User { get; }

    /// <summary>The group SIDs without duplicates, in the order given.</summary>
    public IReadOnlyList<Sid> Groups => _groups;

    /// <summary>The restricted SIDs without duplicates, in the order given; empty for an unrestricted token.</summary>
    public IReadOnlyList<Sid> RestrictedSids => _restrictedSids;

    /// <summary>Whether the token has restricted SIDs.</summary>
    public bool IsRestricted => _restrictedSids.Count != 0;

    /// <summary>The package SID of an app-container (lowbox) token, or null; see the type remarks.</summary>
    public Sid? AppContainerSid { get; }

    /// <summary>Whether this is an app-container token (it has a package SID).</summary>
    public bool IsAppContainer => AppContainerSid is not null;

    /// <summary>The capability SIDs (<c>S-1-15-3-…</c>) among the groups, in order; they are ordinary groups unless <see cref="IsAppContainer"/>.</summary>
    public IReadOnlyList<Sid> Capabilities => _capabilities;

    /// <summary>User, device and local claims that conditional ACEs read; empty unless given.</summary>
    public ClaimSet Claims { get; }

    /// <summary>Creates the token of a Linux identity; the mapping is in the type remarks.</summary>
    /// <param name="uid">The user id.</param>
    /// <param name="gids">The primary and supplementary group ids.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="gids"/> is null.</exception>
    public static FwpToken ForUnixIdentity(uint uid, IEnumerable<uint> gids)
    {
        ArgumentNullException.ThrowIfNull(gids);
        var groups = new List<Sid>();
        foreach (var gid in gids)
        {
            groups.Add(Sid.ForUnixGroup(gid));
        }

        groups.Add(Sid.Everyone);
        groups.Add(Sid.AuthenticatedUsers);
        if (uid == 0)
        {
            groups.Add(Sid.LocalSystem);
            groups.Add(Sid.Administrators);
        }

        return new FwpToken(Sid.ForUnixUser(uid), groups);
    }

    /// <summary>Parses the text form described in the type remarks.</summary>
    /// <param name="text">E.g. <c>S-1-5-21-1-2-3-1001,S-1-5-32-545,S-1-15-3-1</c>; SDDL aliases are accepted.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is malformed; the message names the offending entry.</exception>
    public static FwpToken Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var whole = text;
        ClaimSet? claims = null;
        var semicolon = text.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0)
        {
            if (!ClaimSet.TryParse(text.AsSpan(semicolon + 1), out claims, out var claimError))
            {
                throw new FormatException($"Token text \"{whole}\": {claimError}");
            }

            text = text[..semicolon];
        }

        var bar = text.IndexOf('|', StringComparison.Ordinal);
        var identityPart = bar < 0 ? text : text[..bar];
        var identities = ParseList(text, identityPart, "token");
        List<Sid>? restricted = null;
        if (bar >= 0)
        {
            var restrictedPart = text[(bar + 1)..];
            if (restrictedPart.Contains('|', StringComparison.Ordinal))
            {
                throw new FormatException($"Token text \"{text}\" has more than one '|'; only one separates the restricted SIDs.");
            }

            restricted = ParseList(text, restrictedPart, "restricted SID list");
        }

        return new FwpToken(identities[0], identities.Skip(1), restricted, claims);
    }

    /// <summary>Whether <paramref name="sid"/> is the user or one of the groups (restricted SIDs do not count). Does not allocate.</summary>
    /// <param name="sid">The SID to look for.</param>
    /// <returns>True if the token contains it.</returns>
    public bool Contains(Sid sid) => sid is not null && _members.Contains(sid);

    /// <summary>Whether <paramref name="sid"/> is one of the restricted SIDs. Does not allocate.</summary>
    /// <param name="sid">The SID to look for.</param>
    /// <returns>True if it is a restricted SID of this token.</returns>
    public bool ContainsRestricted(Sid sid) => sid is not null && _restricted.Contains(sid);

    /// <summary>The text form: user, groups, and <c>|</c> restricted SIDs if any, as canonical SID strings.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(User);
        foreach (var group in _groups)
        {
            builder.Append(',').Append(group);
        }

        for (var i = 0; i < _restrictedSids.Count; i++)
        {
            builder.Append(i == 0 ? '|' : ',').Append(_restrictedSids[i]);
        }

        Claims.AppendText(builder);

        return builder.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(FwpToken? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (_hashCode == other._hashCode
                && User.Equals(other.User)
                && _groupSet.SetEquals(other._groupSet)
                && _restricted.SetEquals(other._restricted)
                && Claims.Equals(other.Claims)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as FwpToken);

    /// <inheritdoc/>
    public override int GetHashCode() => _hashCode;

    internal bool ContainsForPass(Sid sid, AccessPass pass) => pass switch
    {
        AccessPass.Normal => _members.Contains(sid),
        AccessPass.Restricted => _restricted.Contains(sid),
        _ => _lowbox.Contains(sid),
    };

    // Package SIDs are S-1-15-2 followed by the package's hash (seven sub-authorities; child packages have more);
    // S-1-15-2-1 and S-1-15-2-2 are the two "all packages" groups (winnt.h SECURITY_APP_PACKAGE_AUTHORITY).
    private static bool IsPackageSid(Sid sid) =>
        sid.IdentifierAuthority == 15 && sid.SubAuthorities.Count > 2 && sid.SubAuthorities[0] == 2;

    // Capability SIDs are S-1-15-3-… (winnt.h SECURITY_CAPABILITY_BASE_RID).
    private static bool IsCapabilitySid(Sid sid) =>
        sid.IdentifierAuthority == 15 && sid.SubAuthorities.Count > 1 && sid.SubAuthorities[0] == 3;

    private static ReadOnlyCollection<Sid> Distinct(IEnumerable<Sid> sids, string paramName, out HashSet<Sid> set)
    {
        set = [];
        var list = new List<Sid>();
        foreach (var sid in sids)
        {
            if (sid is null)
            {
                throw new ArgumentException("The list contains a null SID.", paramName);
            }

            if (set.Add(sid))
            {
                list.Add(sid);
            }
        }

        return list.AsReadOnly();
    }

    private static List<Sid> ParseList(string whole, string part, string what)
    {
        var result = new List<Sid>();
        var entries = part.Split(',');
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i].Trim();
            if (entry.Length == 0)
            {
                throw new FormatException($"Token text \"{whole}\": entry {i + 1} of the {what} is empty.");
            }

            if (!Sid.TryParseCore(entry, out var sid, out var error))
            {
                throw new FormatException($"Token text \"{whole}\": entry {i + 1} of the {what} ('{entry}') is not a SID: {error}");
            }

            result.Add(sid!);
        }

        return result;
    }
}
