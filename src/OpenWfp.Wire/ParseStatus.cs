namespace OpenWfp.Wire;

/// <summary>
/// The outcome of parsing a frame or header. Parsing never throws; a caller drops or default-verdicts anything not <see cref="Ok"/>.
/// </summary>
public enum ParseStatus : byte
{
    /// <summary>
    /// The link and network headers parsed. A transport header cut short by the capture is reported in
    /// <see cref="PacketFlags"/> (<see cref="PacketFlags.TransportTruncated"/>), not here.
    /// </summary>
    Ok = 0,

    /// <summary>The capture ends inside the link or network header chain.</summary>
    Truncated = 1,

    /// <summary>
    /// A header field contradicts the others (bad version, IHL below 5, a length that does not fit its container, too
    /// many headers) — including a transport header that is present but impossible (TCP data offset below 5, UDP length
    /// below 8, or a whole unfragmented datagram whose IP length leaves no room for its TCP or UDP header), which no
    /// stack would deliver to a layer.
    /// </summary>
    Malformed = 2,

    /// <summary>The link type is not one <see cref="PacketParser"/> understands.</summary>
    UnsupportedLinkType = 3,

    /// <summary>The link layer parsed but carries something other than IPv4/IPv6 (ARP, 802.3 length frames, …).</summary>
    NotIp = 4,
}
