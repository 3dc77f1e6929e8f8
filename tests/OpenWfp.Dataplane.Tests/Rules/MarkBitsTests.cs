using OpenWfp.Dataplane.Rules;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>The mark layout and the constants taken from headers and RFCs.</summary>
public sealed class MarkBitsTests
{
    [Fact]
    public void DefaultIsTheDocumentedLayout()
    {
        var marks = MarkBits.Default;
        Assert.Equal(0x00100000u, marks.Permit);
        Assert.Equal(0x00200000u, marks.Established);
        Assert.Equal(0x00400000u, marks.Block);
        Assert.Equal(0x00F00000u, marks.Mask);
        Assert.Equal(0x00300000u, marks.Decided);
        Assert.Equal(0x00700000u, marks.Verdicts);
        Assert.Equal(0x00800000u, marks.Kernel);
        Assert.Null(marks.Problem());
    }

    [Fact]
    public void KernelIsTheLowestReservedBitOrNone()
    {
        Assert.Equal(0x8u, new MarkBits(0x1, 0x2, 0x4, 0x3F).Kernel);
        Assert.Equal(0u, new MarkBits(0x1, 0x2, 0x4, 0x7).Kernel);
    }

    [Theory]
    [InlineData(0, 0x1u, 0xFu)]
    [InlineData(8, 0x100u, 0xF00u)]
    [InlineData(28, 0x10000000u, 0xF0000000u)]
    public void FromBaseTakesFourConsecutiveBits(int shift, uint permit, uint mask)
    {
        var marks = MarkBits.FromBase(shift);
        Assert.Equal(permit, marks.Permit);
        Assert.Equal(permit << 1, marks.Established);
        Assert.Equal(permit << 2, marks.Block);
        Assert.Equal(mask, marks.Mask);
        Assert.Equal(permit << 3, marks.Kernel);
        Assert.Null(marks.Problem());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(29)]
    [InlineData(32)]
    public void FromBaseRefusesShiftsOutside0To28(int shift) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MarkBits.FromBase(shift));

    [Fact]
    public void Icmpv6TypesMatchTheirHeaders()
    {
        // The RFC numbers (RFC 4861 §4, RFC 2710 §3, RFC 3810 §5), and the headers' when they are installed.
        int[] expected = [133, 134, 135, 136, 137, 130, 131, 132, 143];
        Assert.Equal(expected, RulesManager.NeverQueuedIcmpv6Types);
        var glibc = Defines("/usr/include/netinet/icmp6.h");
        if (glibc.Count > 0)
        {
            string[] names = ["ND_ROUTER_SOLICIT", "ND_ROUTER_ADVERT", "ND_NEIGHBOR_SOLICIT", "ND_NEIGHBOR_ADVERT", "ND_REDIRECT",
                "MLD_LISTENER_QUERY", "MLD_LISTENER_REPORT", "MLD_LISTENER_REDUCTION"];
            Assert.Equal(expected[..8], names.Select(n => glibc[n]));
        }

        var uapi = Defines("/usr/include/linux/icmpv6.h");
        if (uapi.Count > 0)
        {
            Assert.Equal(130, uapi["ICMPV6_MGM_QUERY"]);
            Assert.Equal(143, uapi["ICMPV6_MLD2_REPORT"]);
        }
    }

    [Fact]
    public void ChainNameLimitIsXtExtensionMaxNameLenLessTheNul()
    {
        // XT_EXTENSION_MAXNAMELEN is 29 in linux/netfilter/x_tables.h.
        var header = Defines("/usr/include/linux/netfilter/x_tables.h");
        var maxNameLen = header.Count > 0 ? header["XT_EXTENSION_MAXNAMELEN"] : 29;
        Assert.Equal(RulesManager.MaxChainNameLength, maxNameLen - 1);
    }

    // "#define NAME 123" lines of a C header; empty when the header is not installed.
    private static Dictionary<string, int> Defines(string path)
    {
        var defines = new Dictionary<string, int>();
        if (!File.Exists(path))
        {
            return defines;
        }

        foreach (var line in File.ReadLines(path))
        {
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 3 && words[0] == "#define" && int.TryParse(words[2], out var value))
            {
                defines[words[1]] = value;
            }
        }

        return defines;
    }
}
