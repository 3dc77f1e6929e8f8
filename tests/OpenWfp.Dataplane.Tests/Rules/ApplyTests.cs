using OpenWfp.Dataplane.Rules;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>Apply, Remove, HasRules and Describe against the real iptables-nft, inside throw-away namespaces.</summary>
public sealed class ApplyTests
{
    private static readonly FamilyPlan OutFirst = new(HookMode.FirstPacket, HookMode.None, HookMode.None);

    private static RulePlan Plan(FamilyPlan v4, FamilyPlan v6, bool failOpen = false) => new(v4, v6, 5, 1, failOpen, MarkBits.Default);

    [Fact]
    public void ToolsStartedInsideRunBelongToTheNamespace()
    {
        // The whole test approach: a process started from a thread that setns()'d inherits that network namespace.
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        ns.Exec("ip", "link", "add", "owfprulesdummy", "type", "veth", "peer", "name", "owfprulespeer").EnsureSuccess("ip link add veth");
        var inside = ns.Run(() => NetworkNamespace.RunTool("ip", ["-o", "link"])).StandardOutput;
        var outside = NetworkNamespace.RunTool("ip", ["-o", "link"]).StandardOutput;
        Assert.Contains("owfprulesdummy", inside, StringComparison.Ordinal);
        Assert.DoesNotContain("owfprulesdummy", outside, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyShowsExactlyTheRenderedRulesAndTheJumps()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        var manager = new RulesManager();
        var plan = Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.EveryPacket, HookMode.None), new FamilyPlan(HookMode.FirstPacket, HookMode.None, HookMode.EveryPacket));
        LiveRules.Run(ns, () => manager.Apply(plan));

        AssertMatches(ns, manager, plan, 4);
        AssertMatches(ns, manager, plan, 6);
        Assert.Equal(["-P OUTPUT ACCEPT", "-A OUTPUT -j OPENWFP-OUT"], LiveRules.List(ns, 4, "OUTPUT"));
        Assert.Equal(["-P FORWARD ACCEPT"], LiveRules.List(ns, 4, "FORWARD"));
        Assert.Equal(["-P FORWARD ACCEPT", "-A FORWARD -j OPENWFP-FWD"], LiveRules.List(ns, 6, "FORWARD"));
        Assert.Equal(["-P INPUT ACCEPT"], LiveRules.List(ns, 6, "INPUT"));

        // Applying again changes nothing: no duplicate jumps, no duplicate rules.
        var before4 = LiveRules.NonPolicy(ns, 4);
        var before6 = LiveRules.NonPolicy(ns, 6);
        LiveRules.Run(ns, () => manager.Apply(plan));
        Assert.Equal(before4, LiveRules.NonPolicy(ns, 4));
        Assert.Equal(before6, LiveRules.NonPolicy(ns, 6));
    }

    [Fact]
    public void JumpIsInsertedAsRuleOneBeforeOtherRules()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        LiveRules.Iptables(ns, 4, "-t", "mangle", "-A", "OUTPUT", "-p", "udp", "-j", "ACCEPT");
        LiveRules.Run(ns, () => new RulesManager().Apply(Plan(OutFirst, FamilyPlan.Off)));
        Assert.Equal(["-P OUTPUT ACCEPT", "-A OUTPUT -j OPENWFP-OUT", "-A OUTPUT -p udp -j ACCEPT"], LiveRules.List(ns, 4, "OUTPUT"));
    }

    [Fact]
    public void ADifferentPlanReplacesContentsAndDropsJumpsOfNoneHooks()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        var manager = new RulesManager();
        var first = Plan(new FamilyPlan(HookMode.FirstPacket, HookMode.FirstPacket, HookMode.None), new FamilyPlan(HookMode.FirstPacket, HookMode.FirstPacket, HookMode.None));
        var second = new RulePlan(
            new FamilyPlan(HookMode.EveryPacket, HookMode.None, HookMode.FirstPacket), FamilyPlan.Off, 9, 2, true, MarkBits.FromBase(8));
        LiveRules.Run(ns, () => { manager.Apply(first); manager.Apply(second); });

        AssertMatches(ns, manager, second, 4);
        Assert.Equal(["-N OPENWFP-IN"], LiveRules.List(ns, 4, "OPENWFP-IN"));
        Assert.Equal(["-P INPUT ACCEPT"], LiveRules.List(ns, 4, "INPUT"));
        Assert.Equal(["-P FORWARD ACCEPT", "-A FORWARD -j OPENWFP-FWD"], LiveRules.List(ns, 4, "FORWARD"));
        Assert.Contains("-A OPENWFP-OUT -j NFQUEUE --queue-balance 9:10 --queue-bypass", LiveRules.List(ns, 4, "OPENWFP-OUT"));

        // A family whose hooks are all None keeps nothing: no chain, no jump.
        Assert.Empty(LiveRules.NonPolicy(ns, 6));
    }

    [Fact]
    public void RemoveLeavesNothingAndHasRulesFollows()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        var manager = new RulesManager();
        var everything = new FamilyPlan(HookMode.FirstPacket, HookMode.EveryPacket, HookMode.FirstPacket);
        Assert.False(ns.Run(manager.HasRules));
        LiveRules.Run(ns, manager.Remove);
        LiveRules.Run(ns, () => manager.Apply(Plan(everything, everything)));
        Assert.True(ns.Run(manager.HasRules));

        LiveRules.Run(ns, manager.Remove);
        AssertNothingLeft(ns, manager);
        LiveRules.Run(ns, manager.Remove);
    }

    [Fact]
    public void ANewManagerFindsAndCleansStaleRules()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        LiveRules.Run(ns, () => new RulesManager().Apply(Plan(OutFirst, OutFirst)));

        // What a restarted wfpd sees after a crash: a fresh instance, the old chains and jumps.
        var restarted = new RulesManager();
        Assert.True(ns.Run(restarted.HasRules));
        var described = ns.Run(restarted.Describe);
        Assert.Contains("ipv4: -N OPENWFP-OUT", described);
        Assert.Contains("ipv4: -A OUTPUT -j OPENWFP-OUT", described);
        Assert.Contains("ipv6: -A OPENWFP-OUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j RETURN", described);
        Assert.Equal(LiveRules.NonPolicy(ns, 4).Length + LiveRules.NonPolicy(ns, 6).Length, described.Count);

        LiveRules.Run(ns, restarted.Remove);
        AssertNothingLeft(ns, restarted);
    }

    [Fact]
    public void ManagersWithOtherPrefixesLeaveEachOtherAlone()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        var ours = new RulesManager();
        var other = new RulesManager("OPENWFPX");
        LiveRules.Run(ns, () => { ours.Apply(Plan(OutFirst, FamilyPlan.Off)); other.Apply(Plan(OutFirst, FamilyPlan.Off)); });
        Assert.Equal(["-P OUTPUT ACCEPT", "-A OUTPUT -j OPENWFPX-OUT", "-A OUTPUT -j OPENWFP-OUT"], LiveRules.List(ns, 4, "OUTPUT"));
        Assert.All(ns.Run(other.Describe), l => Assert.Contains("OPENWFPX-", l, StringComparison.Ordinal));

        LiveRules.Run(ns, other.Remove);
        Assert.True(ns.Run(ours.HasRules));
        Assert.False(ns.Run(other.HasRules));
        Assert.Equal(["-P OUTPUT ACCEPT", "-A OUTPUT -j OPENWFP-OUT"], LiveRules.List(ns, 4, "OUTPUT"));
    }

    [Fact]
    public void RemoveAlsoDeletesJumpsAddedByHandAndExtraChains()
    {
        LiveRules.SkipUnlessAvailable();
        using var ns = NetworkNamespace.Create("owfp-rules");
        LiveRules.Iptables(ns, 6, "-t", "mangle", "-N", "OPENWFP-EXTRA");
        LiveRules.Iptables(ns, 6, "-t", "mangle", "-A", "PREROUTING", "-p", "udp", "-j", "OPENWFP-EXTRA");
        LiveRules.Iptables(ns, 6, "-t", "mangle", "-A", "PREROUTING", "-p", "tcp", "-g", "OPENWFP-EXTRA");
        LiveRules.Iptables(ns, 6, "-t", "mangle", "-A", "OPENWFP-EXTRA", "-j", "ACCEPT");
        var manager = new RulesManager();
        LiveRules.Run(ns, manager.Remove);
        AssertNothingLeft(ns, manager);
    }

    private static void AssertNothingLeft(NetworkNamespace ns, RulesManager manager)
    {
        Assert.Empty(LiveRules.NonPolicy(ns, 4));
        Assert.Empty(LiveRules.NonPolicy(ns, 6));
        Assert.False(ns.Run(manager.HasRules));
        Assert.Empty(ns.Run(manager.Describe));
    }

    private static void AssertMatches(NetworkNamespace ns, RulesManager manager, RulePlan plan, int ipVersion)
    {
        var rendered = manager.Render(plan, ipVersion);
        foreach (var hook in (string[])["OUTPUT", "INPUT", "FORWARD"])
        {
            var chain = manager.ChainFor(hook);
            Assert.Equal([$"-N {chain}", .. LiveRules.RenderedChain(rendered, chain)], LiveRules.List(ns, ipVersion, chain));
        }

        var family = plan.ForFamily(ipVersion);
        var jumps = (new[] { ("OUTPUT", family.Output), ("INPUT", family.Input), ("FORWARD", family.Forward) })
            .Count(h => h.Item2 != HookMode.None);
        var ruleCount = rendered.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
        Assert.Equal(3 + jumps + ruleCount, LiveRules.NonPolicy(ns, ipVersion).Length);
    }
}
