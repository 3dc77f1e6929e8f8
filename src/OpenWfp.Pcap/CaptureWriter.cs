using System.Buffers.Binary;

namespace OpenWfp.Pcap;

/// <summary>Writes classic pcap or pcapng files that Wireshark and tcpdump open, without allocating per packet.</summary>
/// <remarks>
/// <para>
/// Classic pcap files have one link type, fixed at creation; writing a packet of another link type throws. pcapng files
/// get one Section Header Block and an Interface Description Block (with if_tsresol = 10^-9, so nanoseconds round-trip)
/// the first time each link type is written; packets go out as Enhanced Packet Blocks. Everything is written
/// little-endian, which every reader accepts.
/// </para>
/// <para>
/// Packets longer than the snap length are cut to it and keep their original length. Give the writer a buffered stream
/// (a <see cref="FileStream"/> is): each packet is a few small writes. Not thread-safe.
/// </para>
/// </remarks>
public sealed class CaptureWriter : IDisposable
{
    /// <summary>Snap length used when none is given: the 262,144 bytes tcpdump uses.</summary>
    public const int DefaultSnapLength = 262_144;

    private const uint EnhancedPacketBlockType = 6;
    private const byte NanosecondTsResol = 9;

    private static ReadOnlySpan<byte> Padding => [0, 0, 0, 0];

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly CaptureFormat _format;
    private readonly int _snapLength;
    private readonly bool _nanoseconds;
    private readonly uint _pcapLinkType;
    private readonly List<uint> _interfaceLinkTypes = new(2);
    private bool _disposed;

    private CaptureWriter(Stream stream, CaptureFormat format, uint linkType, bool nanoseconds, int snapLength, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(snapLength, CaptureReader.MaxRecordLength);
        _stream = stream;
        _format = format;
        _pcapLinkType = linkType;
        _nanoseconds = nanoseconds;
        _snapLength = snapLength;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The container format being written.</summary>
    public CaptureFormat Format => _format;

    /// <summary>Number of packets written so far.</summary>
    public long PacketsWritten { get; private set; }

    /// <summary>Creates a classic pcap writer and writes its 24-byte file header.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="linkType">LINKTYPE_* of every packet in the file (see <see cref="LinkTypes"/>).</param>
    /// <param name="resolution">Timestamp resolution, which selects the magic number.</param>
    /// <param name="snapLength">Longest packet stored; longer packets are cut.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="stream"/> open on dispose.</param>
    /// <returns>The writer.</returns>
    public static CaptureWriter CreatePcap(
        Stream stream,
        uint linkType,
        CaptureTimestampResolution resolution = CaptureTimestampResolution.Microseconds,
        int snapLength = DefaultSnapLength,
        bool leaveOpen = false)
    {
        if (linkType > 0xFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(linkType), linkType, "A pcap link type is 16 bits.");
        }

        var writer = new CaptureWriter(stream, CaptureFormat.Pcap, linkType, resolution == CaptureTimestampResolution.Nanoseconds, snapLength, leaveOpen);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, writer._nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], linkType);
        stream.Write(header);
        return writer;
    }

    /// <summary>Creates a pcapng writer and writes its Section Header Block; interfaces are added as link types appear.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="snapLength">Longest packet stored, recorded in each Interface Description Block; longer packets are cut.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="stream"/> open on dispose.</param>
    /// <returns>The writer.</returns>
    public static CaptureWriter CreatePcapNg(Stream stream, int snapLength = DefaultSnapLength, bool leaveOpen = false)
    {
        var writer = new CaptureWriter(stream, CaptureFormat.PcapNg, 0, nanoseconds: true, snapLength, leaveOpen);
        Span<byte> block = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(block, 0x0A0D0D0A);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], 28);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(block[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(block[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(block[16..], -1); // section length not known in advance
        BinaryPrimitives.WriteUInt32LittleEndian(block[24..], 28);
        stream.Write(block);
        return writer;
    }

    /// <summary>Writes a packet, typically one returned by <see cref="CaptureReader"/>.</summary>
    /// <param name="packet">The packet; its frame number and interface index are ignored.</param>
    public void Write(in CapturedPacket packet) =>
        Write(packet.TimestampUnixNanoseconds, packet.LinkType, packet.Data.Span, packet.OriginalLength);

    /// <summary>Writes a packet with a <see cref="DateTime"/> timestamp (a local time is converted to UTC).</summary>
    /// <param name="timestamp">Capture time.</param>
    /// <param name="linkType">LINKTYPE_* of <paramref name="data"/>.</param>
    /// <param name="data">The packet bytes.</param>
    /// <param name="originalLength">Length on the wire; a negative value means <c>data.Length</c>.</param>
    public void Write(DateTime timestamp, uint linkType, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        var utc = timestamp.Kind == DateTimeKind.Local ? timestamp.ToUniversalTime() : timestamp;
        Write((utc.Ticks - DateTime.UnixEpoch.Ticks) * 100, linkType, data, originalLength);
    }

    /// <summary>Writes a packet.</summary>
    /// <param name="timestampUnixNanoseconds">Capture time in nanoseconds since the Unix epoch; must not be negative.</param>
    /// <param name="linkType">LINKTYPE_* of <paramref name="data"/>; for classic pcap it must equal the file's link type.</param>
    /// <param name="data">The packet bytes.</param>
    /// <param name="originalLength">Length on the wire; a negative value means <c>data.Length</c>.</param>
    public void Write(long timestampUnixNanoseconds, uint linkType, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(timestampUnixNanoseconds);
        if (originalLength < 0)
        {
            originalLength = data.Length;
        }

        if (data.Length > _snapLength)
        {
            data = data[.._snapLength];
        }

        if (originalLength < data.Length)
        {
            originalLength = data.Length;
        }

        if (_format == CaptureFormat.Pcap)
        {
            WritePcapRecord(timestampUnixNanoseconds, linkType, data, originalLength);
        }
        else
        {
            WriteEnhancedPacket(timestampUnixNanoseconds, linkType, data, originalLength);
        }

        PacketsWritten++;
    }

    /// <summary>Flushes the underlying stream.</summary>
    public void Flush() => _stream.Flush();

    /// <summary>Flushes and, unless created with <c>leaveOpen</c>, disposes the stream.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void WritePcapRecord(long nanoseconds, uint linkType, ReadOnlySpan<byte> data, int originalLength)
    {
        if (linkType != _pcapLinkType)
        {
            throw new ArgumentException($"A classic pcap file has one link type ({_pcapLinkType}); got {linkType}. Use pcapng for mixed link types.", nameof(linkType));
        }

        var seconds = nanoseconds / 1_000_000_000L;
        if (seconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(nanoseconds), nanoseconds, "pcap seconds are 32 bits.");
        }

        var fraction = nanoseconds % 1_000_000_000L;
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(_nanoseconds ? fraction : fraction / 1000));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)originalLength);
        _stream.Write(header);
        _stream.Write(data);
    }

    private void WriteEnhancedPacket(long nanoseconds, uint linkType, ReadOnlySpan<byte> data, int originalLength)
    {
        var interfaceId = InterfaceFor(linkType);
        var pad = (4 - (data.Length & 3)) & 3;
        var total = (uint)(32 + data.Length + pad);
        Span<byte> header = stackalloc byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(header, EnhancedPacketBlockType);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], total);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)interfaceId);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)((ulong)nanoseconds >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)nanoseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)originalLength);
        _stream.Write(header);
        _stream.Write(data);
        Span<byte> trailer = stackalloc byte[8];
        Padding[..pad].CopyTo(trailer);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[pad..], total);
        _stream.Write(trailer[..(pad + 4)]);
    }

    private int InterfaceFor(uint linkType)
    {
        for (var i = 0; i < _interfaceLinkTypes.Count; i++)
        {
            if (_interfaceLinkTypes[i] == linkType)
            {
                return i;
            }
        }

        if (linkType > 0xFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(linkType), linkType, "A pcapng link type is 16 bits.");
        }

        // IDB: header 8 + link type/reserved/snaplen 8 + if_tsresol option 8 + opt_endofopt 4 + trailer 4.
        Span<byte> block = stackalloc byte[32];
        block.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(block, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], 32);
        BinaryPrimitives.WriteUInt16LittleEndian(block[8..], (ushort)linkType);
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], (uint)_snapLength);
        BinaryPrimitives.WriteUInt16LittleEndian(block[16..], 9); // if_tsresol
        BinaryPrimitives.WriteUInt16LittleEndian(block[18..], 1);
        block[20] = NanosecondTsResol;
        BinaryPrimitives.WriteUInt32LittleEndian(block[28..], 32);
        _stream.Write(block);
        _interfaceLinkTypes.Add(linkType);
        return _interfaceLinkTypes.Count - 1;
    }
}
