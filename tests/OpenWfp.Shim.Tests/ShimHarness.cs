using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;
using OpenWfp.Wire;

namespace OpenWfp.Shim.Tests;

/// <summary>An engine, a shim over it with this host's networks, and a trace of the last packet.</summary>
internal sealed class ShimHarness
{
    public static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public ShimHarness(ShimOptions? options = null, bool recordValues = true)
    {
        Shim = new PacketShim(Engine, options ?? new ShimOptions { LocalNetworks = LocalNetworks.Parse(["10.0.0.0/24", "fd00::/64"]) });
        Trace = new ShimTrace(recordValues);
    }

    public FilterEngine Engine { get; } = new();

    public PacketShim Shim { get; }

    public ShimTrace Trace { get; }

    public long Now { get; set; } = 1_000_000_000;

    public ShimVerdict Send(byte[] frame, LinkType link = LinkType.Ethernet)
    {
        Now += 1_000_000;
        return Shim.Process(frame, link, Now, 0, Trace);
    }

    /// <summary>The layers the last packet met, by short name.</summary>
    public string[] Layers() => Trace.Steps.ToArray().Select(s => LayerCatalog.ById(s.LayerId)!.ShortName).ToArray();

    /// <summary>The value of a field at the step for <paramref name="layer"/> in the last packet's trace.</summary>
    public FwpValue Value(string layer, string field)
    {
        var info = LayerCatalog.Layer(layer);
        foreach (var step in Trace.Steps)
        {
            if (step.LayerId == info.LayerId)
            {
                return Trace.ValuesOf(step)[info.Field(field).Index];
            }
        }

        throw new InvalidOperationException($"the last packet did not meet {layer}; it met {string.Join(", ", Layers())}");
    }

    public ShimStep Step(string layer)
    {
        var id = LayerCatalog.Layer(layer).LayerId;
        foreach (var step in Trace.Steps)
        {
            if (step.LayerId == id)
            {
                return step;
            }
        }

        throw new InvalidOperationException($"the last packet did not meet {layer}; it met {string.Join(", ", Layers())}");
    }
}
