namespace OpenWfp.Engine.Callouts;

/// <summary>What a callout's layerData holds.</summary>
public enum LayerDataKind : byte
{
    /// <summary>Nothing (ALE layers, explain, or a data plane without the bytes).</summary>
    None = 0,

    /// <summary>A packet (NET_BUFFER_LIST): IPPACKET, IPFORWARD, TRANSPORT, DATAGRAM_DATA, ICMP_ERROR and the discard layers.</summary>
    Packet = 1,

    /// <summary>Stream data (FWPS_STREAM_CALLOUT_IO_PACKET0): the STREAM layers.</summary>
    Stream = 2,
}

/// <summary>
/// classifyFn's layerData, span-based: the packet as the layer sees it, or the stream data with the answer fields a
/// stream callout writes. Valid only during the classify call; a callout that needs the bytes later copies them
/// (FwpsAllocateCloneNetBufferList's role).
/// </summary>
/// <remarks>
/// Offsets follow WFP's data offset positions (Microsoft Learn, "Data Offset Positions"): <see cref="Packet"/> always
/// starts at the IP header, and <see cref="DataOffset"/> is where the NET_BUFFER's current data would begin at this
/// layer and direction (for example the IP payload at INBOUND_IPPACKET, the transport header at OUTBOUND_TRANSPORT,
/// the transport payload at INBOUND_TRANSPORT). docs/CALLOUTS.md lists them per layer.
/// </remarks>
public readonly ref struct LayerData
{
    private readonly ref StreamIoResult _streamResult;

    /// <summary>No data, only the injector (ALE layers: a callout that pends completes through it).</summary>
    public LayerData(IPacketInjector? injector)
    {
        Injector = injector;
    }

    /// <summary>Packet layer data.</summary>
    public LayerData(ReadOnlySpan<byte> packet, int ipHeaderSize, int transportHeaderSize, int dataOffset, uint interfaceIndex, IPacketInjector? injector)
    {
        Kind = LayerDataKind.Packet;
        Packet = packet;
        IpHeaderSize = ipHeaderSize;
        TransportHeaderSize = transportHeaderSize;
        DataOffset = dataOffset;
        InterfaceIndex = interfaceIndex;
        Injector = injector;
    }

    /// <summary>Stream layer data; <paramref name="result"/> receives the callout's stream answer.</summary>
    public LayerData(StreamData stream, ref StreamIoResult result, IPacketInjector? injector)
    {
        Kind = LayerDataKind.Stream;
        Stream = stream;
        _streamResult = ref result;
        Injector = injector;
    }

    /// <summary>What this holds.</summary>
    public LayerDataKind Kind { get; }

    /// <summary>The IP datagram, from its IP header (packet layers).</summary>
    public ReadOnlySpan<byte> Packet { get; }

    /// <summary>ipHeaderSize metadata: the IP header's length including IPv6 extension headers.</summary>
    public int IpHeaderSize { get; }

    /// <summary>transportHeaderSize metadata (0 where the layer has none).</summary>
    public int TransportHeaderSize { get; }

    /// <summary>Where the NET_BUFFER's data offset is at this layer and direction, as an index into <see cref="Packet"/>.</summary>
    public int DataOffset { get; }

    /// <summary>The interface the packet arrived on or leaves by.</summary>
    public uint InterfaceIndex { get; }

    /// <summary>The bytes from <see cref="DataOffset"/> on: what a WFP callout would see at the NET_BUFFER's current offset.</summary>
    public ReadOnlySpan<byte> Data => Packet[Math.Min(DataOffset, Packet.Length)..];

    /// <summary>The transport payload (after IP and transport headers).</summary>
    public ReadOnlySpan<byte> TransportPayload => Packet[Math.Min(IpHeaderSize + TransportHeaderSize, Packet.Length)..];

    /// <summary>The stream data (STREAM layers).</summary>
    public StreamData Stream { get; }

    /// <summary>True when <see cref="StreamResult"/> may be written.</summary>
    public bool HasStreamResult => Kind == LayerDataKind.Stream;

    /// <summary>streamAction, countBytesRequired, countBytesEnforced: written by a stream callout.</summary>
    public ref StreamIoResult StreamResult => ref _streamResult;

    /// <summary>
    /// FWPS_CLASSIFY_OUT_FLAG_* the callout finds set in classifyOut's flags on entry: at STREAM,
    /// <see cref="Classify.ClassifyOut.FlagNoMoreData"/> when the direction ended while data was held for the callout, and
    /// <see cref="Classify.ClassifyOut.FlagBufferLimitReached"/> when the data plane can hold no more of it.
    /// </summary>
    public uint ClassifyOutFlags { get; init; }

    /// <summary>Injection (FwpsInject*, FwpsStreamInjectAsync) into the data plane that gave this data; null offline when nothing records injections.</summary>
    public IPacketInjector? Injector { get; }
}
