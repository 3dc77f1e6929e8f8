using OpenWfp.Testing.Daemon;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>wfpd's rules over its life: none left after a clean stop; after kill -9, fail-closed drops and fail-open passes; a restart cleans up.</summary>
public sealed class LiveLifecycleTests
{
    public static TheoryData<int> Families => [4, 6];

    [Fact]
    public async Task CleanStop_LeavesNoRuleBehind_InEitherFamily()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        Assert.Empty(lab.OurRules()); // an empty policy needs no queueing at all

        lab.Wfp("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-c", "IP_REMOTE_PORT == 1").EnsureSuccess("add v4");
        lab.Wfp("add", "filter", "-l", "INBOUND_TRANSPORT_V6", "-a", "block", "-c", "IP_LOCAL_PORT == 1").EnsureSuccess("add v6");
        var rules = lab.OurRules();
        Assert.Contains(rules, r => r.StartsWith("iptables-nft", StringComparison.Ordinal) && r.Contains("NFQUEUE", StringComparison.Ordinal));
        Assert.Contains(rules, r => r.StartsWith("ip6tables-nft", StringComparison.Ordinal) && r.Contains("NFQUEUE", StringComparison.Ordinal));

        Assert.Equal(0, await wfpd.StopAsync());
        Assert.Empty(lab.OurRules());
        Assert.Contains("rules removed", wfpd.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Killed_FailClosedDrops_ThenARestartCleansUp(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var remote = family == 4 ? LiveLab.V4(2) : LiveLab.V6(2);
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", $"ALE_AUTH_CONNECT_V{family}", "-a", "block", "-c", "IP_REMOTE_PORT == 1", "--persistent").EnsureSuccess("add");
        Assert.True(lab.Tcp(remote, 8080), "traffic should pass while wfpd runs\n" + wfpd.Output);

        await wfpd.KillAsync();
        Assert.NotEmpty(lab.OurRules());
        Assert.False(lab.Tcp(remote, 8080, timeoutSeconds: 1.5), "fail-closed: with wfpd gone, new connections must be dropped");
        Assert.False(lab.Udp(remote, 5353, timeoutSeconds: 1.5), "fail-closed: new UDP flows too");

        await using var restarted = await lab.StartWfpdAsync();
        Assert.True(await restarted.LoggedAsync("previous wfpd left behind"), restarted.Output);
        Assert.True(lab.Tcp(remote, 8080), "after the restart (persistent policy back) traffic passes again\n" + restarted.Output);
        Assert.Equal(0, await restarted.StopAsync());
        Assert.Empty(lab.OurRules());
    }

    [Fact]
    public async Task AfterACrash_OpenConnectionsAreAuthorizedAgain_UnderThePolicyThen()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var wfpd = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-c", "IP_REMOTE_PORT == 1", "--persistent").EnsureSuccess("add");
        var client = lab.Client.Start("python3", "-c", LivePolicyTests.KeepAliveClient, LiveLab.V4(2));
        Assert.Equal("connected", client.StandardOutput.ReadLine());
        Assert.Equal("ok", LivePolicyTests.Ask(client));

        // Down: the decided connection keeps flowing in the kernel (fail-closed only stops undecided traffic).
        await wfpd.KillAsync();
        Assert.Equal("ok", LivePolicyTests.Ask(client));

        // Back: its decision is cleared and made again (still permitted under the same policy).
        await using var restarted = await lab.StartWfpdAsync();
        Assert.True(await restarted.LoggedAsync("decided by an earlier run"), restarted.Output);
        Assert.Equal("ok", LivePolicyTests.Ask(client));
        Assert.Equal(0, await restarted.StopAsync());
    }

    [Fact]
    public async Task ASecondWfpd_OnTheSameQueue_FailsWithOneLine_AndLeavesTheFirstOneAlone()
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        await using var first = await lab.StartWfpdAsync();
        lab.Wfp("add", "filter", "-l", "ALE_AUTH_CONNECT_V4", "-a", "block", "-c", "IP_REMOTE_PORT == 8081").EnsureSuccess("add");
        var rules = lab.OurRules();

        await using var second = WfpdProcess.Launch(lab.Client, Path.Combine(lab.Directory, "state2"), Path.Combine(lab.Directory, "second.sock"));
        Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("NFQUEUE 7000 is already bound by another process", line, StringComparison.Ordinal);

        Assert.Equal(rules, lab.OurRules());
        Assert.True(lab.Tcp(LiveLab.V4(2), 8080), "the first wfpd still decides\n" + first.Output);
        Assert.False(lab.Tcp(LiveLab.V4(2), 8081), "and still blocks");
        Assert.Equal(0, await first.StopAsync());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Killed_FailOpenPasses(int family)
    {
        Assert.SkipWhen(LiveLab.UnavailableReason is not null, LiveLab.UnavailableReason ?? "");
        using var lab = LiveLab.Create();
        var remote = family == 4 ? LiveLab.V4(2) : LiveLab.V6(2);
        await using var wfpd = await lab.StartWfpdAsync("--fail-open");
        lab.Wfp("add", "filter", "-l", $"ALE_AUTH_CONNECT_V{family}", "-a", "block", "-c", "IP_REMOTE_PORT == 8081").EnsureSuccess("add");
        Assert.False(lab.Tcp(remote, 8081), "the filter works while wfpd runs\n" + wfpd.Output);

        await wfpd.KillAsync();
        Assert.Contains(lab.OurRules(), r => r.Contains("--queue-bypass", StringComparison.Ordinal));
        Assert.True(lab.Tcp(remote, 8080), "fail-open: with wfpd gone, connections pass");
        Assert.True(lab.Tcp(remote, 8081), "fail-open: even ones the policy would block");
    }
}
