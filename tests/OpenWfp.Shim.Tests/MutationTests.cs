using OpenWfp.Engine.Model;
using OpenWfp.Testing;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// A million randomly corrupted and truncated frames through parse, shim and classify: nothing escapes, every frame
/// gets a permit or a block.
/// </summary>
public sealed class MutationTests
{
    private const int Frames = 1_000_000;

    [Fact]
    public void MillionCorruptedFrames_EachGetADecision_NoExceptionEscapes()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("OPENWFP_SEED"), out var s) ? s : 20261126;
        var rng = new Random(seed);
        var engine = TrafficPolicy.Build(seed, filterCount: 1_000);
        var shim = new PacketShim(engine, new ShimOptions { LocalNetworks = LocalNetworks.Parse(TrafficGenerator.LocalNetworks), FlowCapacity = 4096 });
        var originals = TrafficGenerator.Generate(seed, conversations: 300);
        var links = new[] { LinkType.Ethernet, LinkType.Ethernet, LinkType.Ethernet, LinkType.Raw, LinkType.LinuxSll, LinkType.LinuxSll2, LinkType.Ipv4, LinkType.Ipv6 };
        var buffer = new byte[2048];
        var outcomes = new int[Enum.GetValues<ShimReason>().Length];
        long now = 0;
        for (var i = 0; i < Frames; i++)
        {
            var original = originals[rng.Next(originals.Count)];
            var length = Mutate(rng, original, buffer);
            var link = links[rng.Next(links.Length)];
            ShimVerdict verdict;
            try
            {
                verdict = shim.Process(buffer.AsSpan(0, length), link, now += rng.Next(0, 2_000_000_000));
            }
            catch (Exception e)
            {
                Assert.Fail($"frame {i} (seed {seed}, link {link}, {length} bytes: {Convert.ToHexString(buffer, 0, Math.Min(length, 96))}) threw {e}");
                throw;
            }

            Assert.True(verdict.Action is ActionType.Permit or ActionType.Block, $"frame {i} (seed {seed}) got {verdict.Action}");
            outcomes[(int)verdict.Reason]++;
        }

        Assert.Equal(Frames, shim.Counters.Packets);
        Assert.Equal(Frames, shim.Counters.Permitted + shim.Counters.Blocked);

        // The corpus exercised every path: unparsable frames, classified ones, and flow-table decisions.
        Assert.True(outcomes[(int)ShimReason.Unparsed] > 1000, $"unparsed {outcomes[(int)ShimReason.Unparsed]}");
        Assert.True(outcomes[(int)ShimReason.Classified] > 100_000, $"classified {outcomes[(int)ShimReason.Classified]}");
        Assert.True(shim.Counters.Blocked > 1000, $"blocked {shim.Counters.Blocked}");
        Assert.True(shim.Counters.Flows > 1000, $"flows {shim.Counters.Flows}");
    }

    /// <summary>Copies a frame and damages it: flipped bits, random bytes, a cut, or garbage appended.</summary>
    private static int Mutate(Random rng, byte[] original, byte[] buffer)
    {
        var length = Math.Min(original.Length, buffer.Length);
        original.AsSpan(0, length).CopyTo(buffer);
        var kind = rng.Next(8);
        if (kind == 0)
        {
            return length; // some frames stay intact, so flows form and later packets meet them
        }

        var edits = rng.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            // Bias edits toward the headers, where the parser's decisions are.
            var at = rng.Next(4) == 0 ? rng.Next(length) : rng.Next(Math.Min(length, 80));
            switch (rng.Next(3))
            {
                case 0: buffer[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: buffer[at] = (byte)rng.Next(256); break;
                default: buffer[at] = rng.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;
            }
        }

        if (kind >= 5)
        {
            length = rng.Next(0, length + 1);
        }
        else if (kind == 4 && length + 64 <= buffer.Length)
        {
            rng.NextBytes(buffer.AsSpan(length, 64));
            length += 64;
        }

        return length;
    }
}
