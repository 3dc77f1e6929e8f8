using System.Globalization;
using System.Text;

namespace OpenWfp.Dataplane.Rules;

/// <summary>
/// Owns wfpd's iptables-nft rules: the chains <c>PREFIX-OUT</c>, <c>PREFIX-IN</c> and <c>PREFIX-FWD</c> in the mangle
/// table of both families and the jumps to them from mangle OUTPUT, INPUT and FORWARD. They send undecided packets to
/// NFQUEUE and keep decisions on the connection with CONNMARK (docs/DATAPLANE.md, "Kernel rules").
/// </summary>
/// <remarks>
/// Every tool runs in the network namespace of the calling thread. Control path only: each call starts a few processes.
/// Not thread-safe; one caller (wfpd's start, reload and stop) at a time.
/// </remarks>
public sealed class RulesManager
{
    /// <summary>The mangle chains wfpd hooks, in the order their chains are declared.</summary>
    private static readonly (string Hook, string Suffix)[] HookChains = [("OUTPUT", "OUT"), ("INPUT", "IN"), ("FORWARD", "FWD")];

    /// <summary>
    /// ICMPv6 types that are never queued: neighbour discovery (RFC 4861: router solicitation 133, router advertisement
    /// 134, neighbour solicitation 135, neighbour advertisement 136, redirect 137; net/ndisc.h NDISC_*) and multicast
    /// listener discovery (RFC 2710/3810: query 130, report 131, done 132, v2 report 143; linux/icmpv6.h ICMPV6_MGM_*,
    /// ICMPV6_MLD2_REPORT). Queuing them would make the link itself depend on wfpd running.
    /// </summary>
    internal static readonly int[] NeverQueuedIcmpv6Types = [133, 134, 135, 136, 137, 130, 131, 132, 143];

    /// <summary>Longest chain name iptables accepts: XT_EXTENSION_MAXNAMELEN (linux/netfilter/x_tables.h) less the NUL.</summary>
    internal const int MaxChainNameLength = 28;

    private readonly string _prefix;
    private readonly Func<IptablesTools> _tools;
    private IptablesTools? _resolved;

    /// <summary>Creates a manager for the chains named <paramref name="chainPrefix"/>-OUT, -IN and -FWD.</summary>
    /// <param name="chainPrefix">The chain name prefix; letters, digits, '_' and '-', at most 24 characters.</param>
    /// <exception cref="ArgumentException">The prefix is empty, too long or has other characters.</exception>
    public RulesManager(string chainPrefix = "OPENWFP")
        : this(chainPrefix, DefaultTools)
    {
    }

    /// <summary>Creates a manager that finds its tools with <paramref name="tools"/> (tests).</summary>
    /// <param name="chainPrefix">The chain name prefix.</param>
    /// <param name="tools">Finds the tools on first use; throws <see cref="RulesException"/> when they are missing.</param>
    internal RulesManager(string chainPrefix, Func<IptablesTools> tools)
    {
        ArgumentException.ThrowIfNullOrEmpty(chainPrefix);
        if (chainPrefix.Length + 1 + "OUT".Length > MaxChainNameLength
            || !chainPrefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw new ArgumentException(
                $"chain prefix '{chainPrefix}' must be 1–{MaxChainNameLength - 4} letters, digits, '_' or '-'", nameof(chainPrefix));
        }

        _prefix = chainPrefix;
        _tools = tools;
    }

    /// <summary>The chain for one hook.</summary>
    /// <param name="hook">"OUTPUT", "INPUT" or "FORWARD".</param>
    /// <returns>The chain's name, e.g. OPENWFP-OUT.</returns>
    public string ChainFor(string hook) => hook switch
    {
        "OUTPUT" => _prefix + "-OUT",
        "INPUT" => _prefix + "-IN",
        "FORWARD" => _prefix + "-FWD",
        _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "the hook is OUTPUT, INPUT or FORWARD"),
    };

    /// <summary>
    /// Why the tools cannot be used, or null when iptables-nft-restore, ip6tables-nft-restore, iptables-nft and
    /// ip6tables-nft are on PATH (or in /usr/sbin, /sbin). Plain iptables-restore/iptables are accepted instead only
    /// when <c>-V</c> says they use nf_tables.
    /// </summary>
    /// <returns>One line naming what is missing and how to install it, or null.</returns>
    public static string? MissingTools() => MissingTools(IptablesTools.DefaultSearchPath(), IptablesTools.ProbeVersion);

    /// <summary><see cref="MissingTools()"/> over an explicit search path and version probe (tests).</summary>
    /// <param name="searchPath">Colon-separated directories.</param>
    /// <param name="versionOf">Returns a plain tool's <c>-V</c> output.</param>
    /// <returns>One line, or null.</returns>
    internal static string? MissingTools(string searchPath, Func<string, string?> versionOf)
    {
        IptablesTools.Resolve(searchPath, versionOf, out var problem);
        return problem;
    }

    /// <summary>
    /// The iptables-restore text for one family: <c>*mangle</c>, the three chain declarations (which empty the chains
    /// on restore), the rules of every hook whose mode is not None, <c>COMMIT</c>. <see cref="Apply"/> sends exactly
    /// this, with the jump changes added before <c>COMMIT</c>.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="ipVersion">4 or 6.</param>
    /// <returns>The text, lines ending in '\n'.</returns>
    /// <exception cref="ArgumentException">The plan is invalid (queue range, mark bits).</exception>
    public string Render(RulePlan plan, int ipVersion) => RenderBody(plan, ipVersion).Append("COMMIT\n").ToString();

    /// <summary>
    /// Makes the kernel match <paramref name="plan"/>, family by family, each in one iptables-nft-restore --noflush
    /// transaction: chain contents replaced, missing jumps inserted as rule 1 of their hook, jumps of hooks now None
    /// deleted (their chains stay, empty). A family whose hooks are all None loses its chains and jumps. Idempotent.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <exception cref="ArgumentException">The plan is invalid.</exception>
    /// <exception cref="RulesException">A tool is missing or failed (one line: cause and fix).</exception>
    public void Apply(RulePlan plan)
    {
        ThrowIfInvalid(plan);
        foreach (var version in (int[])[4, 6])
        {
            var family = plan.ForFamily(version);
            if (family.IsOff)
            {
                RemoveFamily(version);
                continue;
            }

            var text = RenderBody(plan, version);
            foreach (var (hook, _) in HookChains)
            {
                var on = ModeOf(family, hook) != HookMode.None;
                var present = HasJump(version, hook);
                if (on && !present)
                {
                    text.Append(CultureInfo.InvariantCulture, $"-I {hook} 1 -j {ChainFor(hook)}\n");
                }
                else if (!on && present)
                {
                    text.Append(CultureInfo.InvariantCulture, $"-D {hook} -j {ChainFor(hook)}\n");
                }
            }

            Restore(version, text.Append("COMMIT\n").ToString());
        }
    }

    /// <summary>
    /// Deletes every jump to a chain with this prefix and every such chain, in both families (one transaction each).
    /// Nothing to delete is not an error.
    /// </summary>
    /// <exception cref="RulesException">A tool is missing or failed.</exception>
    public void Remove()
    {
        RemoveFamily(4);
        RemoveFamily(6);
    }

    /// <summary>True when a chain with this prefix exists in either family (rules left by a wfpd that died).</summary>
    /// <returns>Whether any of our chains exists.</returns>
    /// <exception cref="RulesException">A tool is missing or failed.</exception>
    public bool HasRules() => OwnedChains(ListMangle(4)).Count > 0 || OwnedChains(ListMangle(6)).Count > 0;

    /// <summary>
    /// The current rules that involve this prefix, both families, as <c>iptables -S</c> prints them with "ipv4: " or
    /// "ipv6: " in front: chain declarations, chain contents and the jumps to them.
    /// </summary>
    /// <returns>The lines, IPv4 first.</returns>
    /// <exception cref="RulesException">A tool is missing or failed.</exception>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        foreach (var version in (int[])[4, 6])
        {
            foreach (var line in ListMangle(version))
            {
                if (IsOwnedChainDeclaration(line) || IsOwnedChainRule(line) || IsJumpToOwned(line))
                {
                    lines.Add($"ipv{version}: {line}");
                }
            }
        }

        return lines;
    }

    private static IptablesTools DefaultTools() =>
        IptablesTools.Resolve(IptablesTools.DefaultSearchPath(), IptablesTools.ProbeVersion, out var problem)
        ?? throw new RulesException(problem!);

    private static HookMode ModeOf(FamilyPlan family, string hook) => hook switch
    {
        "OUTPUT" => family.Output,
        "INPUT" => family.Input,
        _ => family.Forward,
    };

    private static void ThrowIfInvalid(RulePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(plan));
        }
    }

    private static string Hex(uint value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private StringBuilder RenderBody(RulePlan plan, int ipVersion)
    {
        ThrowIfInvalid(plan);
        var family = plan.ForFamily(ipVersion);
        var marks = plan.Marks;
        string mask = Hex(marks.Mask), verdicts = Hex(marks.Verdicts), block = Hex(marks.Block), decided = Hex(marks.Decided), kernel = Hex(marks.Kernel);
        var queue = plan.QueueCount == 1
            ? $"--queue-num {plan.QueueNumber}"
            : $"--queue-balance {plan.QueueNumber}:{plan.QueueNumber + plan.QueueCount - 1}";
        if (plan.FailOpen)
        {
            queue += " --queue-bypass";
        }

        var text = new StringBuilder("*mangle\n");
        foreach (var (hook, _) in HookChains)
        {
            text.Append(CultureInfo.InvariantCulture, $":{ChainFor(hook)} - [0:0]\n");
        }

        foreach (var (hook, _) in HookChains)
        {
            var mode = ModeOf(family, hook);
            if (mode == HookMode.None)
            {
                continue;
            }

            var chain = "-A " + ChainFor(hook);
            if (ipVersion == 6)
            {
                foreach (var type in NeverQueuedIcmpv6Types)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{chain} -p ipv6-icmp -m icmp6 --icmpv6-type {type} -j RETURN\n");
                }
            }

            // A packet that comes back marked is the second pass after an NF_REPEAT verdict: keep the decision on the
            // connection, drop it if it was a block, otherwise let the rest of the ruleset see it.
            // Only the verdict bits mean "second pass": the kernel bit rides on every packet of a socket the eBPF data
            // plane permitted.
            var marked = family.KernelConnect ? verdicts : mask;
            text.Append(CultureInfo.InvariantCulture, $"{chain} -m mark ! --mark 0x0/{marked} -j CONNMARK --save-mark --nfmask {mask} --ctmask {mask}\n");
            text.Append(CultureInfo.InvariantCulture, $"{chain} -m connmark --mark {block}/{block} -j DROP\n");
            text.Append(CultureInfo.InvariantCulture, $"{chain} -m mark ! --mark 0x0/{marked} -j RETURN\n");
            if (mode is HookMode.TcpPorts or HookMode.FirstPacketAndTcpPorts)
            {
                // Before the fast path: connections on these ports are inspected packet by packet even once decided.
                text.Append(CultureInfo.InvariantCulture, $"{chain} -p tcp -m multiport --ports {family.StreamPorts} -j NFQUEUE {queue}\n");
            }

            if (hook == "OUTPUT" && family.KernelConnect && marks.Kernel != 0 && mode is HookMode.FirstPacket or HookMode.FirstPacketAndTcpPorts)
            {
                // The kernel decided this new connection at connect()/sendmsg(). Only NEW: after a reauthorization
                // clears the connection marks, an open connection's next packet comes to wfpd, which reauthorizes it.
                text.Append(CultureInfo.InvariantCulture, $"{chain} -m mark --mark {kernel}/{kernel} -m conntrack --ctstate NEW -j CONNMARK --set-xmark {decided}/{decided}\n");
                text.Append(CultureInfo.InvariantCulture, $"{chain} -m mark --mark {kernel}/{kernel} -m conntrack --ctstate NEW -j RETURN\n");
            }

            if (mode is HookMode.FirstPacket or HookMode.FirstPacketAndTcpPorts)
            {
                text.Append(CultureInfo.InvariantCulture, $"{chain} -m connmark --mark {decided}/{decided} -j RETURN\n");
            }

            if (mode != HookMode.TcpPorts)
            {
                text.Append(CultureInfo.InvariantCulture, $"{chain} -j NFQUEUE {queue}\n");
            }
        }

        return text;
    }

    private void RemoveFamily(int ipVersion)
    {
        var listing = ListMangle(ipVersion);
        var chains = OwnedChains(listing);
        var text = new StringBuilder("*mangle\n");
        var changes = 0;
        foreach (var line in listing)
        {
            // A jump from a chain we do not own: "-A OUTPUT -j OPENWFP-OUT" becomes "-D OUTPUT -j OPENWFP-OUT".
            if (IsJumpToOwned(line))
            {
                text.Append("-D").Append(line.AsSpan(2)).Append('\n');
                changes++;
            }
        }

        foreach (var chain in chains)
        {
            text.Append(CultureInfo.InvariantCulture, $"-F {chain}\n");
        }

        // Chains may jump to each other, so every chain is emptied before any is deleted.
        foreach (var chain in chains)
        {
            text.Append(CultureInfo.InvariantCulture, $"-X {chain}\n");
            changes++;
        }

        if (changes > 0)
        {
            Restore(ipVersion, text.Append("COMMIT\n").ToString());
        }
    }

    private bool HasJump(int ipVersion, string hook)
    {
        var tool = Tools().Command(ipVersion);
        string[] arguments = ["-t", "mangle", "-C", hook, "-j", ChainFor(hook)];
        var result = ToolRunner.Run(tool, arguments);

        // Exit 1 is "no such rule"; "Chain … does not exist" (exit 2) means the target chain is missing, so no jump.
        return result.ExitCode switch
        {
            0 => true,
            1 => false,
            _ when result.StandardError.Contains("does not exist", StringComparison.Ordinal) => false,
            _ => throw RulesErrors.Failure(tool, arguments, result, null),
        };
    }

    private string[] ListMangle(int ipVersion)
    {
        var tool = Tools().Command(ipVersion);
        string[] arguments = ["-t", "mangle", "-S"];
        var result = ToolRunner.Run(tool, arguments);
        if (result.ExitCode != 0)
        {
            throw RulesErrors.Failure(tool, arguments, result, null);
        }

        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private void Restore(int ipVersion, string text)
    {
        var tool = Tools().Restore(ipVersion);
        string[] arguments = ["--noflush"];
        var result = ToolRunner.Run(tool, arguments, text);
        if (result.ExitCode != 0)
        {
            throw RulesErrors.Failure(tool, arguments, result, text);
        }
    }

    private IptablesTools Tools() => _resolved ??= _tools();

    private List<string> OwnedChains(string[] listing) =>
        [.. listing.Where(IsOwnedChainDeclaration).Select(l => l[3..])];

    private bool IsOwned(ReadOnlySpan<char> chain) =>
        chain.Length > _prefix.Length && chain.StartsWith(_prefix, StringComparison.Ordinal) && chain[_prefix.Length] == '-';

    private bool IsOwnedChainDeclaration(string line) => line.StartsWith("-N ", StringComparison.Ordinal) && IsOwned(line.AsSpan(3));

    private bool IsOwnedChainRule(string line) => line.StartsWith("-A ", StringComparison.Ordinal) && IsOwned(FirstWord(line.AsSpan(3)));

    private bool IsJumpToOwned(string line)
    {
        if (!line.StartsWith("-A ", StringComparison.Ordinal) || IsOwnedChainRule(line))
        {
            return false;
        }

        foreach (var verb in (string[])[" -j ", " -g "])
        {
            var at = line.IndexOf(verb, StringComparison.Ordinal);
            if (at >= 0 && IsOwned(FirstWord(line.AsSpan(at + verb.Length))))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<char> FirstWord(ReadOnlySpan<char> text)
    {
        var end = text.IndexOf(' ');
        return end < 0 ? text : text[..end];
    }
}
