namespace OpenWfp.Callouts;

/// <summary>What a built-in callout reports.</summary>
public enum CalloutEventKind : byte
{
    /// <summary>openwfp.http-request matched a request and reset the connection; the text is the request.</summary>
    HttpRequestBlocked = 1,

    /// <summary>openwfp.dns dropped a query for a listed name and answered NXDOMAIN; the text is the name.</summary>
    DnsNameBlocked = 2,

    /// <summary>openwfp.dns blocked a connection to an address DNS gave for a listed name; the text is the name.</summary>
    DnsAddressBlocked = 3,
}

/// <summary>
/// The connection a callout event is about, from the layer's incoming values. Addresses follow the net event
/// encoding: IPv4 in the low 32 bits in host order, IPv6 as the big-endian number of its 16 bytes. Ports are host order.
/// </summary>
/// <param name="IpVersion">4 or 6.</param>
/// <param name="IpProtocol">IPPROTO_* (6 TCP, 17 UDP).</param>
/// <param name="LocalAddress">The local address.</param>
/// <param name="RemoteAddress">The remote address.</param>
/// <param name="LocalPort">The local port.</param>
/// <param name="RemotePort">The remote port.</param>
/// <param name="Direction">FWP_DIRECTION_OUTBOUND 0 or FWP_DIRECTION_INBOUND 1 (the layer's DIRECTION field; outbound at ALE_AUTH_CONNECT).</param>
public readonly record struct FlowTuple(byte IpVersion, byte IpProtocol, UInt128 LocalAddress, UInt128 RemoteAddress, ushort LocalPort, ushort RemotePort, uint Direction);

/// <summary>One event of a built-in callout: made only when it blocks something, never per packet.</summary>
/// <param name="CalloutId">The callout's run-time id.</param>
/// <param name="LayerId">The run-time layer id (FWPS_LAYER_*).</param>
/// <param name="FilterId">The filter whose callout acted.</param>
/// <param name="FlowHandle">The flow handle from the metadata, 0 when absent.</param>
/// <param name="Flow">The connection.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Text">The request (<c>METHOD host target</c>) or the DNS name.</param>
public sealed record CalloutEvent(uint CalloutId, ushort LayerId, ulong FilterId, ulong FlowHandle, FlowTuple Flow, CalloutEventKind Kind, string Text);

/// <summary>
/// Where the built-in callouts report what they block. The host provides it (wfpd turns events into net events
/// carrying the callout id; <c>wfp replay</c> prints them). Called on the classifying thread: return quickly and do
/// not throw (an exception is counted and the event dropped).
/// </summary>
public interface ICalloutEvents
{
    /// <summary>A callout blocked something.</summary>
    public void OnEvent(CalloutEvent calloutEvent);
}
