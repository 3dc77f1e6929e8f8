using OpenWfp.Dataplane.Rules;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>Finding the iptables tools, and the one-line messages for failures iptables 1.8.9 really prints.</summary>
public sealed class ToolsAndErrorsTests : IDisposable
{
    private static readonly string[] NftNames = ["iptables-nft-restore", "ip6tables-nft-restore", "iptables-nft", "ip6tables-nft"];
    private static readonly string[] PlainNames = ["iptables-restore", "ip6tables-restore", "iptables", "ip6tables"];
    private readonly string _directory = Directory.CreateTempSubdirectory("owfp-rules-tools-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NothingOnThePathGivesOneLineWithTheFix()
    {
        var message = RulesManager.MissingTools(_directory, _ => throw new InvalidOperationException("nothing to probe"));
        Assert.NotNull(message);
        Assert.DoesNotContain('\n', message);
        foreach (var name in NftNames)
        {
            Assert.Contains(name, message, StringComparison.Ordinal);
        }

        Assert.Contains("apt-get install iptables", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFourNftToolsAreEnough()
    {
        Touch(NftNames);
        Assert.Null(RulesManager.MissingTools("/nonexistent:" + _directory, _ => throw new InvalidOperationException("nft names need no probe")));
        var tools = IptablesTools.Resolve(_directory, _ => null, out _);
        Assert.Equal(Path.Combine(_directory, "ip6tables-nft-restore"), tools!.Restore(6));
        Assert.Equal(Path.Combine(_directory, "iptables-nft"), tools.Command(4));
    }

    [Fact]
    public void OneMissingToolIsNamed()
    {
        Touch(NftNames[..3]);
        var message = RulesManager.MissingTools(_directory, _ => null);
        Assert.StartsWith("ip6tables-nft not found", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainToolsAreTakenOnlyWhenTheyUseNfTables()
    {
        Touch(PlainNames);
        var probed = new List<string>();
        Assert.Null(RulesManager.MissingTools(_directory, path =>
        {
            probed.Add(Path.GetFileName(path));
            return Path.GetFileName(path).StartsWith("ip6", StringComparison.Ordinal) ? "ip6tables v1.8.9 (nf_tables)" : "iptables v1.8.9 (nf_tables)";
        }));
        Assert.Equal(PlainNames, probed);
        Assert.Equal(Path.Combine(_directory, "iptables-restore"), IptablesTools.Resolve(_directory, _ => "(nf_tables)", out _)!.Restore(4));

        var message = RulesManager.MissingTools(_directory, _ => "iptables v1.8.9 (legacy)\n");
        Assert.NotNull(message);
        Assert.DoesNotContain('\n', message);
        Assert.Contains("iptables-restore (iptables v1.8.9 (legacy))", message, StringComparison.Ordinal);
        Assert.Contains("not the nf_tables backend", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThisMachineAnswersEitherNullOrOneLine()
    {
        var message = RulesManager.MissingTools();
        if (NftNames.All(n => File.Exists(Path.Combine("/usr/sbin", n))))
        {
            Assert.Null(message);
        }
        else if (message is not null)
        {
            Assert.DoesNotContain('\n', message);
        }
    }

    [Fact]
    public void ManagerWithoutToolsThrowsTheMissingToolsLine()
    {
        var manager = new RulesManager("OPENWFP", () => IptablesTools.Resolve(_directory, _ => null, out var problem) ?? throw new RulesException(problem!));
        var error = Assert.Throws<RulesException>(() => manager.HasRules());
        Assert.Contains("apt-get install iptables", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoNfqueueTargetIsTranslatedAndQuotesTheLine()
    {
        const string Input = "*mangle\n:OPENWFP-OUT - [0:0]\n-A OPENWFP-OUT -j NFQUEUE --queue-num 0\nCOMMIT\n";
        var stderr = "iptables-nft-restore v1.8.9 (nf_tables): Couldn't load target `NFQUEUE':No such file or directory\n\nError occurred at line: 3\nTry `iptables-nft-restore -h' or 'iptables-nft-restore --help' for more information.\n";
        var error = RulesErrors.Failure("/usr/sbin/iptables-nft-restore", ["--noflush"], new ToolResult(2, "", stderr), Input);
        Assert.StartsWith("the kernel has no NFQUEUE target (CONFIG_NETFILTER_XT_TARGET_NFQUEUE): load xt_NFQUEUE (iptables-nft-restore --noflush, exit 2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("[line 3: -A OPENWFP-OUT -j NFQUEUE --queue-num 0]", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("Try `", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
        Assert.Equal(stderr, error.StandardError);
    }

    [Theory]
    [InlineData("iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n")]
    [InlineData("iptables-nft-restore v1.8.9 (nf_tables): Could not fetch rule set generation id: Operation not permitted\n")]
    public void NotRootIsTranslated(string stderr)
    {
        var error = RulesErrors.Failure("/usr/sbin/iptables-nft", ["-t", "mangle", "-S"], new ToolResult(4, "", stderr), null);
        Assert.StartsWith("changing netfilter rules needs root (CAP_NET_ADMIN) (iptables-nft -t mangle -S, exit 4: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFailureKeepsTheToolsWords()
    {
        var stderr = "iptables-nft-restore v1.8.9 (nf_tables): Chain 'NFQUEUEX' does not exist\nError occurred at line: 2\nTry `iptables-nft-restore -h' or 'iptables-nft-restore --help' for more information.\n";
        var error = RulesErrors.Failure("/usr/sbin/iptables-nft-restore", ["--noflush"], new ToolResult(2, "", stderr), "*mangle\n-A X -j NFQUEUEX\nCOMMIT\n");
        Assert.Equal(
            "iptables-nft-restore --noflush failed (exit 2): iptables-nft-restore v1.8.9 (nf_tables): Chain 'NFQUEUEX' does not exist | Error occurred at line: 2 [line 2: -A X -j NFQUEUEX]",
            error.Message);
    }

    private void Touch(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(_directory, name), "");
        }
    }
}
