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
/// Linux mapping (<see cref="ForUnixIdentity"/>): user <c>S-1-22-1-&lt;uid&gt;</c>; one group
/// <c>S-1-22-2-&lt;gid&gt;</c> per gid, in the order given; then Everyone (<c>S-1-1-0</c>) and Authenticated Users
/// (<c>S-1-5-11</c>), which every Windows logon token carries; and for uid 0 additionally LocalSystem
/// (<c>S-1-5-18</c>) and BUILTIN\Administrators (<c>S-1-5-32-544</c>), so Windows SDs that grant <c>SY</c> or
/// <c>BA</c> match root. The <c>S-1-22</c> authority is Samba's "Unix User"/"Unix Group" convention.
/// </para>
/// <para>
/// Text form (<see cref="Parse"/>, <see cref="ToString"/>): comma-separated SIDs, user first, then groups; restricted
/// SIDs, if any, follow a <c>|</c>: <c>S-1-5-21-1-2-3-1001,S-1-5-32-545|S-1-5-12</c>. Nothing is added implicitly:
/// a parsed token contains exactly the SIDs written.
/// </para>
/// </remarks>
public sealed class FwpToken : IEquatable<FwpToken>
{
    private readonly ReadOnlyCollection<Sid> _groups;
    private readonly ReadOnlyCollection<Sid> _restrictedSids;
    private readonly HashSet<Sid> _groupSet;
    private readonly HashSet<Sid> _members;
    private readonly HashSet<Sid> _restricted;
    private readonly int _hashCode;

    /// <summary>Creates a token.</summary>
    /// <param name="user">The user SID.</param>
    /// <param name="groups">The group SIDs, including capability SIDs.</param>
    /// <param name="restrictedSids">Restricted SIDs; a non-empty list makes access need a second, restricted check.</param>
    /// <exception cref="ArgumentNullException"><paramref name="user"/> or <paramref name="groups"/> is null.</exception>
    /// <exception cref="ArgumentException">A list contains null.</exception>
    public FwpToken(Sid user, IEnumerable<Sid> groups, IEnumerable<Sid>? restrictedSids = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(groups);
        User = user;
        _groups = Distinct(groups, nameof(groups), out _groupSet);
        _restrictedSids = Distinct(restrictedSids ?? [], nameof(restrictedSids), out _restricted);
        _members = new HashSet<Sid>(_groupSet) { user };

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

        return new FwpToken(identities[0], identities.Skip(1), restricted);
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

        return builder.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(FwpToken? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (_hashCode == other._hashCode
                && User.Equals(other.User)
                && _groupSet.SetEquals(other._groupSet)
                && _restricted.SetEquals(other._restricted)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as FwpToken);

    /// <inheritdoc/>
    public override int GetHashCode() => _hashCode;

    internal bool ContainsForPass(Sid sid, bool restricted) => restricted ? _restricted.Contains(sid) : _members.Contains(sid);

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
