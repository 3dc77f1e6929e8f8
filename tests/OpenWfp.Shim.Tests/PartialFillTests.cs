using OpenWfp.Engine.Catalog;
using OpenWfp.Testing;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>
/// The hot path fills only the fields classify reads (LayerProgram.FieldsRead); a trace fills every field. Both
/// must reach the same verdicts.
/// </summary>
public sealed class PartialFillTests
{
    [Fact]
    public void EveryLayer_FitsTheSixtyFourBitFieldMask()
    {
        Assert.All(LayerCatalog.Layers, l => Assert.True(l.Fields.Count <= 64, $"{l.ShortName} has {l.Fields.Count} fields"));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void PartialFill_AndFullFill_GiveTheSameVerdicts(int seed)
    {
        var frames = TrafficGenerator.Generate(seed, conversations: 300);
        var options = new ShimOptions { LocalNetworks = LocalNetworks.Parse(TrafficGenerator.LocalNetworks) };
        var engine = TrafficPolicy.Build(seed, filterCount: 400, everyFilterConditional: true);
        var fast = new PacketShim(engine, options);
        var full = new PacketShim(engine, options);
        var trace = new ShimTrace(recordValues: true);
        long now = 0;
        var blocked = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            now += 10_000;
            var a = fast.Process(frames[i], LinkType.Ethernet, now);
            var b = full.Process(frames[i], LinkType.Ethernet, now, 0, trace);
            Assert.True(a == b, $"seed {seed}, frame {i}: {a} vs {b}");
            blocked += a.IsPermitted ? 0 : 1;
        }

        Assert.InRange(blocked, 1, frames.Count - 1);
    }
}
