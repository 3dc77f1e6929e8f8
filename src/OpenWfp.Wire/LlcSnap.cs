namespace OpenWfp.Wire;

/// <summary>
/// IEEE 802.2 LLC with a SNAP header, the framing RFC 1042 gives IP on IEEE 802 networks: an 802.3 frame (the
/// EtherType field is a length, below <see cref="EtherType.MinimumEtherType"/>) whose LLC header is DSAP 0xAA,
/// SSAP 0xAA, control 0x03 (UI), followed by an OUI of 00-00-00 and then an ordinary EtherType.
/// </summary>
public static class LlcSnap
{
    /// <summary>LLC (3) plus SNAP (5) bytes between the 802.3 length field and the IP header.</summary>
    public const int HeaderLength = 8;

    /// <summary>The SNAP SAP, as DSAP and SSAP (RFC 1042).</summary>
    public const byte SnapSap = 0xAA;

    /// <summary>LLC control field: unnumbered information (RFC 1042).</summary>
    public const byte UnnumberedInformation = 0x03;

    /// <summary>
    /// The EtherType carried by an LLC/SNAP header with the encapsulated-Ethernet OUI (00-00-00), or 0 when
    /// <paramref name="llc"/> is anything else (another SAP, another OUI, or too short).
    /// </summary>
    /// <param name="llc">The bytes after the 802.3 length field.</param>
    /// <returns>The EtherType, or 0.</returns>
    public static ushort EtherTypeOf(ReadOnlySpan<byte> llc)
    {
        if (llc.Length < HeaderLength
            || llc[0] != SnapSap || llc[1] != SnapSap || llc[2] != UnnumberedInformation
            || llc[3] != 0 || llc[4] != 0 || llc[5] != 0)
        {
            return 0;
        }

        return (ushort)((llc[6] << 8) | llc[7]);
    }
}
