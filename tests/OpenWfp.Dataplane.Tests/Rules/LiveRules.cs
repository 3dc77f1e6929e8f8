using OpenWfp.Dataplane.Rules;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>What the live rule tests share: the skip reason and iptables reads inside a namespace.</summary>
internal static class LiveRules
{
    /// <summary>Why live rule tests cannot run here (not root, no iproute2, no iptables-nft), or null.</summary>
    public static string? UnavailableReason => NetworkNamespace.UnavailableReason ?? RulesManager.MissingTools();

    /// <summary>Skips the test when <see cref="UnavailableReason"/> is set.</summary>
    public static void SkipUnlessAvailable() => Assert.SkipWhen(UnavailableReason is not null, UnavailableReason ?? "");

    /// <summary>Runs <paramref name="action"/> on a thread inside the namespace (tools it starts run there too).</summary>
    public static void Run(NetworkNamespace ns, Action action) => ns.Run(() =>
    {
        action();
        return 0;
    });

    /// <summary><c>iptables-nft -t mangle -S [chain]</c> (or ip6tables-nft) inside the namespace, one rule a line.</summary>
    public static string[] List(NetworkNamespace ns, int ipVersion, string? chain = null)
    {
        string[] arguments = chain is null ? ["-t", "mangle", "-S"] : ["-t", "mangle", "-S", chain];
        var output = ns.Exec(Tool(ipVersion), arguments).EnsureSuccess($"{Tool(ipVersion)} -S").StandardOutput;
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Every line of the mangle listing except the built-in chains' policies.</summary>
    public static string[] NonPolicy(NetworkNamespace ns, int ipVersion) =>
        [.. List(ns, ipVersion).Where(l => !l.StartsWith("-P ", StringComparison.Ordinal))];

    /// <summary>The packet counter of the rule of <paramref name="chain"/> whose text contains <paramref name="part"/>.</summary>
    public static long Packets(NetworkNamespace ns, int ipVersion, string chain, string part)
    {
        var output = ns.Exec(Tool(ipVersion), "-t", "mangle", "-L", chain, "-v", "-x", "-n").EnsureSuccess("-L -v").StandardOutput;
        var lines = output.Split('\n').Skip(2).Where(l => l.Contains(part, StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"one rule of {chain} should contain '{part}':\n{output}");
        return long.Parse(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs an iptables command in the namespace (test scaffolding such as a temporary CONNMARK rule).</summary>
    public static void Iptables(NetworkNamespace ns, int ipVersion, params string[] arguments) =>
        ns.Exec(Tool(ipVersion), arguments).EnsureSuccess($"{Tool(ipVersion)} {string.Join(' ', arguments)}");

    /// <summary>The rules Render puts in <paramref name="chain"/>, as <c>-S</c> prints them.</summary>
    public static string[] RenderedChain(string rendered, string chain) =>
        [.. rendered.Split('\n').Where(l => l.StartsWith($"-A {chain} ", StringComparison.Ordinal))];

    private static string Tool(int ipVersion) => ipVersion == 4 ? "iptables-nft" : "ip6tables-nft";
}
