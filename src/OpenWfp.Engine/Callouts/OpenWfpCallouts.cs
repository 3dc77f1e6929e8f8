using OpenWfp.Engine.Catalog;

namespace OpenWfp.Engine.Callouts;

/// <summary>One callout OpenWfp ships (docs/CALLOUTS.md, Built-in callouts).</summary>
/// <param name="Name">The name filters give in <c>--action callout:NAME</c>.</param>
/// <param name="Key">Its fixed key.</param>
/// <param name="LayerIds">The layers whose filters may use it.</param>
/// <param name="Description">One line for <c>wfp show callouts</c>.</param>
public sealed record OpenWfpCallout(string Name, Guid Key, IReadOnlyList<ushort> LayerIds, string Description);

/// <summary>
/// The callouts OpenWfp ships. Every engine holds their management objects (FWPM_CALLOUT, built in, configured by a
/// provider context the filter references: FWPM_CALLOUT_FLAG_USES_PROVIDER_CONTEXT); a host that wants them to act
/// registers their implementations. Unregistered, their filters act as WFP's unregistered callouts do. Being usable at
/// two layers each (V4 and V6), their objects name no applicable layer; the implementation refuses other layers when
/// a filter is added (FWP_E_CALLOUT_NOTIFICATION_FAILED).
/// </summary>
public static class OpenWfpCallouts
{
    /// <summary>openwfp.http-request at STREAM_V4/V6: blocks HTTP/1.x requests by method, host and path prefix.</summary>
    public static readonly OpenWfpCallout HttpRequest = new(
        "openwfp.http-request",
        new Guid("5f0c1a3e-7b0e-4c55-9a41-0e1b6c2d7a01"),
        [LayerIds.StreamV4, LayerIds.StreamV6],
        "Blocks HTTP/1.x requests (method, host, path prefix) at the stream layer; the context lists the rules");

    /// <summary>openwfp.dns at DATAGRAM_DATA_V4/V6 (and ALE_AUTH_CONNECT_V4/V6 for names learned from answers).</summary>
    public static readonly OpenWfpCallout Dns = new(
        "openwfp.dns",
        new Guid("5f0c1a3e-7b0e-4c55-9a41-0e1b6c2d7a02"),
        [LayerIds.DatagramDataV4, LayerIds.DatagramDataV6, LayerIds.AleAuthConnectV4, LayerIds.AleAuthConnectV6],
        "Answers DNS queries for blocked names with NXDOMAIN at the datagram layer; at ALE_AUTH_CONNECT blocks connections to addresses DNS gave for those names");

    /// <summary>All of them.</summary>
    public static IReadOnlyList<OpenWfpCallout> All { get; } = [HttpRequest, Dns];

    /// <summary>The built-in callout with this key, or null.</summary>
    public static OpenWfpCallout? Find(Guid key)
    {
        foreach (var c in All)
        {
            if (c.Key == key)
            {
                return c;
            }
        }

        return null;
    }

    /// <summary>The built-in callout with this name or key, or null.</summary>
    public static OpenWfpCallout? Find(string nameOrKey)
    {
        foreach (var c in All)
        {
            if (string.Equals(c.Name, nameOrKey, StringComparison.OrdinalIgnoreCase) || (Guid.TryParse(nameOrKey, out var k) && k == c.Key))
            {
                return c;
            }
        }

        return null;
    }
}
