namespace OpenWfp.Pcap;

/// <summary>Timestamp resolution of a classic pcap file, chosen by its magic number.</summary>
public enum CaptureTimestampResolution
{
    /// <summary>Microseconds (magic 0xa1b2c3d4).</summary>
    Microseconds = 1,

    /// <summary>Nanoseconds (magic 0xa1b23c4d).</summary>
    Nanoseconds = 2,
}
