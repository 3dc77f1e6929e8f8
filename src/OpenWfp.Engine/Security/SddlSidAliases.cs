namespace OpenWfp.Engine.Security;

/// <summary>
/// The SDDL two-letter SID aliases of sddl.h that name machine-independent well-known SIDs, in both directions.
/// </summary>
/// <remarks>
/// Aliases that Windows resolves against the machine or domain SID (<c>DA</c>, <c>DU</c>, <c>LA</c>, …) are known
/// here only so the error message can say why they cannot be used.
/// </remarks>
internal static class SddlSidAliases
{
    private static readonly Dictionary<string, Sid> ByAlias = BuildTable();
    private static readonly Dictionary<Sid, string> ByValue = Invert(ByAlias);
    private static readonly HashSet<string> DomainRelative = new(StringComparer.Ordinal)
    {
        "DA", "DG", "DU", "DD", "DC", "LA", "LG", "SA", "CA", "RS", "EA", "PA", "RO", "CN", "AP", "KA", "EK",
    };

    private static Dictionary<string, Sid> BuildTable()
    {
        var table = new Dictionary<string, Sid>(StringComparer.Ordinal);
        void Add(string alias, Sid sid) => table.Add(alias, sid);

        Add("WD", Sid.Everyone);
        Add("CO", Sid.CreatorOwner);
        Add("CG", Sid.Create(3, 1));
        Add("OW", Sid.OwnerRights);
        Add("NU", Sid.Create(5, 2));
        Add("IU", Sid.Create(5, 4));
        Add("SU", Sid.Create(5, 6));
        Add("AN", Sid.Create(5, 7));
        Add("ED", Sid.Create(5, 9));
        Add("PS", Sid.Create(5, 10));
        Add("AU", Sid.AuthenticatedUsers);
        Add("RC", Sid.Create(5, 12));
        Add("SY", Sid.LocalSystem);
        Add("LS", Sid.LocalService);
        Add("NS", Sid.NetworkService);
        Add("WR", Sid.Create(5, 33));
        Add("BA", Sid.Administrators);
        Add("BU", Sid.Users);
        Add("BG", Sid.Create(5, 32, 546));
        Add("PU", Sid.Create(5, 32, 547));
        Add("AO", Sid.Create(5, 32, 548));
        Add("SO", Sid.Create(5, 32, 549));
        Add("PO", Sid.Create(5, 32, 550));
        Add("BO", Sid.Create(5, 32, 551));
        Add("RE", Sid.Create(5, 32, 552));
        Add("RU", Sid.Create(5, 32, 554));
        Add("RD", Sid.Create(5, 32, 555));
        Add("NO", Sid.Create(5, 32, 556));
        Add("MU", Sid.Create(5, 32, 558));
        Add("LU", Sid.Create(5, 32, 559));
        Add("IS", Sid.Create(5, 32, 568));
        Add("CY", Sid.Create(5, 32, 569));
        Add("ER", Sid.Create(5, 32, 573));
        Add("CD", Sid.Create(5, 32, 574));
        Add("RA", Sid.Create(5, 32, 575));
        Add("ES", Sid.Create(5, 32, 576));
        Add("MS", Sid.Create(5, 32, 577));
        Add("HA", Sid.Create(5, 32, 578));
        Add("AA", Sid.Create(5, 32, 579));
        Add("RM", Sid.Create(5, 32, 580));
        Add("UD", Sid.Create(5, 84, 0, 0, 0, 0, 0));
        Add("AC", Sid.AllAppPackages);
        Add("AS", Sid.Create(18, 1));
        Add("SS", Sid.Create(18, 2));
        Add("LW", Sid.Create(16, 4096));
        Add("ME", Sid.Create(16, 8192));
        Add("MP", Sid.Create(16, 8448));
        Add("HI", Sid.Create(16, 12288));
        Add("SI", Sid.Create(16, 16384));
        return table;
    }

    private static Dictionary<Sid, string> Invert(Dictionary<string, Sid> table)
    {
        var inverse = new Dictionary<Sid, string>(table.Count);
        foreach (var (alias, sid) in table)
        {
            inverse.Add(sid, alias);
        }

        return inverse;
    }

    /// <summary>Resolves a two-letter alias, case-insensitively.</summary>
    public static bool TryResolve(ReadOnlySpan<char> alias, out Sid? sid, out string? error)
    {
        Span<char> upper = stackalloc char[2];
        alias.ToUpperInvariant(upper);
        var key = new string(upper);
        if (ByAlias.TryGetValue(key, out sid))
        {
            error = null;
            return true;
        }

        error = DomainRelative.Contains(key)
            ? $"SDDL alias '{key}' is domain- or machine-relative; give the full SID string instead."
            : $"'{alias}' is not a known SDDL SID alias.";
        return false;
    }

    /// <summary>The alias of <paramref name="sid"/>, or null when it has none.</summary>
    public static string? TryGetAlias(Sid sid) => ByValue.TryGetValue(sid, out var alias) ? alias : null;
}
