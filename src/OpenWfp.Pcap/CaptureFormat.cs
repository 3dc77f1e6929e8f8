namespace OpenWfp.Pcap;

/// <summary>The container format of a capture file.</summary>
public enum CaptureFormat
{
    /// <summary>Classic libpcap savefile (pcap-savefile(5)): one link type, microsecond or nanosecond timestamps.</summary>
    Pcap = 1,

    /// <summary>pcapng (IETF draft-ietf-opsawg-pcapng): sections, interfaces and typed blocks.</summary>
    PcapNg = 2,
}
