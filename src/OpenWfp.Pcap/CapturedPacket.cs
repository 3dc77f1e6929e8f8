namespace OpenWfp.Pcap;

/// <summary>One packet read from, or to be written to, a capture file.</summary>
/// <remarks>
/// When produced by <see cref="CaptureReader.TryReadNext"/>, <see cref="Data"/> points into the reader's reusable buffer
/// and is valid only until the next call to <see cref="CaptureReader.TryReadNext"/> or <see cref="CaptureReader.Dispose"/>;
/// copy it to keep it.
/// </remarks>
public readonly struct CapturedPacket
{
    /// <summary>Creates a packet.</summary>
    /// <param name="frameNumber">1-based position in the file (0 for packets not read from a file).</param>
    /// <param name="timestampUnixNanoseconds">Capture time in nanoseconds since 1970-01-01T00:00:00Z.</param>
    /// <param name="originalLength">Length of the packet on the wire, at least <c>data.Length</c> normally.</param>
    /// <param name="linkType">LINKTYPE_* value of the data (see <see cref="LinkTypes"/>).</param>
    /// <param name="interfaceIndex">pcapng interface id within the section; 0 for classic pcap.</param>
    /// <param name="data">The captured bytes.</param>
    public CapturedPacket(long frameNumber, long timestampUnixNanoseconds, int originalLength, uint linkType, int interfaceIndex, ReadOnlyMemory<byte> data)
    {
        FrameNumber = frameNumber;
        TimestampUnixNanoseconds = timestampUnixNanoseconds;
        OriginalLength = originalLength;
        LinkType = linkType;
        InterfaceIndex = interfaceIndex;
        Data = data;
    }

    /// <summary>1-based position of the packet in the file, counted across pcapng sections.</summary>
    public long FrameNumber { get; }

    /// <summary>Capture time in nanoseconds since the Unix epoch (UTC), already scaled by the interface's resolution and offset.</summary>
    /// <remarks>Nanoseconds rather than <see cref="DateTime"/> ticks so that nanosecond files round-trip exactly.</remarks>
    public long TimestampUnixNanoseconds { get; }

    /// <summary>Capture time as a UTC <see cref="DateTime"/> (100 ns precision).</summary>
    public DateTime Timestamp => DateTime.UnixEpoch.AddTicks(TimestampUnixNanoseconds / 100);

    /// <summary>Number of bytes captured, the length of <see cref="Data"/>.</summary>
    public int CapturedLength => Data.Length;

    /// <summary>Length of the packet on the wire; larger than <see cref="CapturedLength"/> when the capture was cut at the snap length.</summary>
    public int OriginalLength { get; }

    /// <summary>LINKTYPE_* value describing the first header in <see cref="Data"/>.</summary>
    public uint LinkType { get; }

    /// <summary>Interface id within the current pcapng section; 0 for classic pcap.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The captured bytes; see the type remarks for how long they stay valid.</summary>
    public ReadOnlyMemory<byte> Data { get; }
}
