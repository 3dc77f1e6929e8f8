namespace OpenWfp.Dataplane.Rules;

/// <summary>The four iptables programs the rules need, found on disk.</summary>
/// <param name="Restore4">iptables-nft-restore (or an nf_tables iptables-restore).</param>
/// <param name="Restore6">ip6tables-nft-restore (or an nf_tables ip6tables-restore).</param>
/// <param name="Command4">iptables-nft (or an nf_tables iptables).</param>
/// <param name="Command6">ip6tables-nft (or an nf_tables ip6tables).</param>
internal sealed record IptablesTools(string Restore4, string Restore6, string Command4, string Command6)
{
    /// <summary>Where tools are looked for after PATH: Debian's iptables lives in /usr/sbin, which a user's PATH may lack.</summary>
    public const string SystemDirectories = "/usr/sbin:/sbin";

    private const string Fix = "install the nf_tables iptables tools (Debian: apt-get install iptables)";

    /// <summary>The restore tool of one family.</summary>
    /// <param name="ipVersion">4 or 6.</param>
    /// <returns>Its path.</returns>
    public string Restore(int ipVersion) => ipVersion == 4 ? Restore4 : Restore6;

    /// <summary>The command tool of one family.</summary>
    /// <param name="ipVersion">4 or 6.</param>
    /// <returns>Its path.</returns>
    public string Command(int ipVersion) => ipVersion == 4 ? Command4 : Command6;

    /// <summary>The search path used by default: PATH, then <see cref="SystemDirectories"/>.</summary>
    /// <returns>A colon-separated list of directories.</returns>
    public static string DefaultSearchPath() => (Environment.GetEnvironmentVariable("PATH") ?? "") + ":" + SystemDirectories;

    /// <summary>Asks a tool for its version (<c>TOOL -V</c>), which names the backend: "(nf_tables)" or "(legacy)".</summary>
    /// <param name="path">The tool.</param>
    /// <returns>What it printed, or null when it could not run.</returns>
    public static string? ProbeVersion(string path)
    {
        try
        {
            var result = ToolRunner.Run(path, ["-V"]);
            return result.StandardOutput + result.StandardError;
        }
        catch (RulesException)
        {
            return null;
        }
    }

    /// <summary>
    /// Finds the tools. The *-nft names come first. The plain names are taken only when they report the nf_tables
    /// backend: the NFQUEUE target reaches this kernel through nft_compat, and legacy x_tables rules would live in a
    /// second ruleset that iptables-nft never shows.
    /// </summary>
    /// <param name="searchPath">Colon-separated directories to look in.</param>
    /// <param name="versionOf">Returns a plain tool's <c>-V</c> output (or null when it cannot run).</param>
    /// <param name="problem">When null is returned: one line saying what is missing and how to fix it.</param>
    /// <returns>The tools, or null.</returns>
    public static IptablesTools? Resolve(string searchPath, Func<string, string?> versionOf, out string? problem)
    {
        var directories = searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries);
        var missing = new List<string>();
        var legacy = new List<string>();
        string? Pick(string nftName, string plainName)
        {
            var found = Find(directories, nftName);
            if (found is not null)
            {
                return found;
            }

            var plain = Find(directories, plainName);
            if (plain is not null)
            {
                var version = versionOf(plain);
                if (version is not null && version.Contains("nf_tables", StringComparison.Ordinal))
                {
                    return plain;
                }

                legacy.Add($"{plainName} ({(version ?? "no version").Trim()})");
            }

            missing.Add(nftName);
            return null;
        }

        var restore4 = Pick("iptables-nft-restore", "iptables-restore");
        var restore6 = Pick("ip6tables-nft-restore", "ip6tables-restore");
        var command4 = Pick("iptables-nft", "iptables");
        var command6 = Pick("ip6tables-nft", "ip6tables");
        if (restore4 is null || restore6 is null || command4 is null || command6 is null)
        {
            var found = legacy.Count == 0 ? "" : $"; found only {string.Join(", ", legacy)}, which is not the nf_tables backend NFQUEUE rules need";
            problem = $"{string.Join(", ", missing)} not found on PATH or in {SystemDirectories.Replace(':', ' ')}{found}: {Fix}";
            return null;
        }

        problem = null;
        return new IptablesTools(restore4, restore6, command4, command6);
    }

    private static string? Find(string[] directories, string name)
    {
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
