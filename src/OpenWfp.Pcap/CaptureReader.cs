using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace OpenWfp.Pcap;

/// <summary>Reads classic pcap and pcapng capture files packet by packet without allocating per packet.</summary>
/// <remarks>
/// <para>
/// Written on <see cref="Stream"/> and <see cref="BinaryPrimitives"/> rather than PacketDotNet/SharpPcap: replay must sustain
/// 1,000,000 packets/s with zero allocation per packet, those libraries allocate a packet object per frame, and SharpPcap
/// also needs native libpcap.
/// </para>
/// <para>
/// The format is detected from the first four bytes: pcap (0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds, either byte
/// order) or pcapng (Section Header Block 0x0A0D0D0A whose byte-order magic 0x1A2B3C4D fixes the section's byte order).
/// pcapng files may hold several sections; each resets the interface list and the byte order. Interface Description,
/// Enhanced Packet, Simple Packet and the obsolete Packet Block are understood; other blocks are skipped by their length.
/// </para>
/// <para>
/// Errors are split in two. Structural corruption (unknown magic, a file or section header cut short, block lengths that
/// are too small, not a multiple of 4, inconsistent between the leading and trailing copies or above
/// <see cref="MaxRecordLength"/>, a packet that claims more bytes than its block holds, an unknown interface id) throws
/// <see cref="CaptureFormatException"/> naming the byte offset and frame number. A stream that ends part-way through the
/// last record (the usual result of killing a capture) is a clean end instead: <see cref="TryReadNext"/> returns
/// <see langword="false"/> and <see cref="IsTruncated"/> becomes <see langword="true"/>, so the caller can report it.
/// </para>
/// <para>Not thread-safe. Packet data is valid only until the next read (see <see cref="CapturedPacket"/>).</para>
/// </remarks>
public sealed class CaptureReader : IDisposable
{
    /// <summary>Largest pcap record or pcapng block accepted (256 MiB); anything larger is treated as corruption.</summary>
    public const int MaxRecordLength = 256 * 1024 * 1024;

    private const int InitialBufferSize = 64 * 1024;
    private const int PcapFileHeaderLength = 24;
    private const int PcapRecordHeaderLength = 16;

    // Block types and option codes from draft-ietf-opsawg-pcapng.
    private const uint SectionHeaderBlockType = 0x0A0D0D0A;
    private const uint InterfaceDescriptionBlockType = 0x00000001;
    private const uint PacketBlockType = 0x00000002;
    private const uint SimplePacketBlockType = 0x00000003;
    private const uint EnhancedPacketBlockType = 0x00000006;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const ushort OptionEndOfOptions = 0;
    private const ushort OptionIfTsResol = 9;
    private const ushort OptionIfTsOffset = 14;
    private const byte DefaultTsResol = 6;

    private static readonly ulong[] PowersOfTen =
    [
        1UL, 10UL, 100UL, 1_000UL, 10_000UL, 100_000UL, 1_000_000UL, 10_000_000UL, 100_000_000UL, 1_000_000_000UL,
        10_000_000_000UL, 100_000_000_000UL, 1_000_000_000_000UL, 10_000_000_000_000UL, 100_000_000_000_000UL,
        1_000_000_000_000_000UL, 10_000_000_000_000_000UL, 100_000_000_000_000_000UL, 1_000_000_000_000_000_000UL,
        10_000_000_000_000_000_000UL,
    ];

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<InterfaceInfo> _interfaces = new(4);
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferBase;
    private bool _bigEndian;
    private bool _done;
    private bool _disposed;
    private long _framesRead;

    // Classic pcap only.
    private uint _pcapLinkType;
    private uint _pcapFractionToNanoseconds;

    /// <summary>Opens a capture and reads its file header (pcap) or first Section Header Block (pcapng).</summary>
    /// <param name="stream">A readable stream positioned at the start of the capture.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="stream"/> open on dispose.</param>
    /// <exception cref="CaptureFormatException">The magic is unknown or the header is truncated or invalid.</exception>
    public CaptureReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[InitialBufferSize];
        if (!Fill(4))
        {
            ThrowFormat($"truncated file header: {_end - _start} bytes, need at least 4", 0, 0);
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
        switch (magic)
        {
            case 0xA1B2C3D4:
                OpenPcap(bigEndian: false, nanoseconds: false);
                break;
            case 0xD4C3B2A1:
                OpenPcap(bigEndian: true, nanoseconds: false);
                break;
            case 0xA1B23C4D:
                OpenPcap(bigEndian: false, nanoseconds: true);
                break;
            case 0x4D3CB2A1:
                OpenPcap(bigEndian: true, nanoseconds: true);
                break;
            case SectionHeaderBlockType:
                Format = CaptureFormat.PcapNg;
                if (!ReadSectionHeader())
                {
                    ThrowFormat($"truncated pcapng section header block: file has {_end - _start} bytes", 0, 0);
                }

                break;
            default:
                ThrowFormat($"unknown capture file magic 0x{magic:x8} at byte offset 0 (not pcap or pcapng)", 0, 0);
                break;
        }
    }

    /// <summary>The detected container format.</summary>
    public CaptureFormat Format { get; private set; }

    /// <summary>
    /// <see langword="true"/> once <see cref="TryReadNext"/> has returned <see langword="false"/> because the stream ended
    /// part-way through a record or block, rather than at a record boundary.
    /// </summary>
    public bool IsTruncated { get; private set; }

    /// <summary>Byte offset of the incomplete record when <see cref="IsTruncated"/> is set; otherwise -1.</summary>
    public long TruncatedAtOffset { get; private set; } = -1;

    /// <summary>Number of packets returned so far.</summary>
    public long FramesRead => _framesRead;

    /// <summary>For classic pcap, the file's snap length; for pcapng, the snap length of the last interface described (0 if none).</summary>
    public uint SnapLength { get; private set; }

    /// <summary>Offset from the start of the stream of the next unread byte.</summary>
    public long Position => _bufferBase + _start;

    /// <summary>Reads the next packet.</summary>
    /// <param name="packet">The packet; its data is valid until the next call. Default when the method returns <see langword="false"/>.</param>
    /// <returns><see langword="true"/> if a packet was read; <see langword="false"/> at the end of the stream (check <see cref="IsTruncated"/>).</returns>
    /// <exception cref="CaptureFormatException">The file is structurally corrupt; see the type remarks.</exception>
    public bool TryReadNext(out CapturedPacket packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_done)
        {
            packet = default;
            return false;
        }

        return Format == CaptureFormat.Pcap ? TryReadPcap(out packet) : TryReadPcapNg(out packet);
    }

    /// <summary>Releases the stream unless it was opened with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void OpenPcap(bool bigEndian, bool nanoseconds)
    {
        Format = CaptureFormat.Pcap;
        _bigEndian = bigEndian;
        _pcapFractionToNanoseconds = nanoseconds ? 1u : 1000u;
        if (!Fill(PcapFileHeaderLength))
        {
            ThrowFormat($"truncated pcap file header: {_end - _start} of {PcapFileHeaderLength} bytes at byte offset 0", 0, 0);
        }

        var header = _buffer.AsSpan(_start, PcapFileHeaderLength);
        var major = U16(header[4..]);
        if (major != 2)
        {
            ThrowFormat($"unsupported pcap version {major}.{U16(header[6..])} at byte offset 4", 4, 0);
        }

        SnapLength = U32(header[16..]);

        // pcap-savefile(5): LinkType is the low 16 bits; the upper bits carry FCS length information.
        _pcapLinkType = U32(header[20..]) & 0xFFFF;
        _start += PcapFileHeaderLength;
    }

    private bool TryReadPcap(out CapturedPacket packet)
    {
        var recordOffset = Position;
        var frame = _framesRead + 1;
        if (!Fill(PcapRecordHeaderLength))
        {
            return EndOfStream(recordOffset, out packet);
        }

        var header = _buffer.AsSpan(_start, PcapRecordHeaderLength);
        var seconds = U32(header);
        var fraction = U32(header[4..]);
        var includedLength = U32(header[8..]);
        var originalLength = U32(header[12..]);
        if (includedLength > MaxRecordLength)
        {
            ThrowFormat($"frame {frame} at byte offset {recordOffset}: captured length {includedLength} exceeds the {MaxRecordLength}-byte limit", recordOffset, frame);
        }

        if (originalLength > int.MaxValue)
        {
            ThrowFormat($"frame {frame} at byte offset {recordOffset}: original length {originalLength} is absurd", recordOffset, frame);
        }

        var total = PcapRecordHeaderLength + (int)includedLength;
        if (!Fill(total))
        {
            return EndOfStream(recordOffset, out packet);
        }

        var data = new ReadOnlyMemory<byte>(_buffer, _start + PcapRecordHeaderLength, (int)includedLength);
        _start += total;
        _framesRead = frame;
        var nanoseconds = ((long)seconds * 1_000_000_000L) + ((long)fraction * _pcapFractionToNanoseconds);
        packet = new CapturedPacket(frame, nanoseconds, (int)originalLength, _pcapLinkType, 0, data);
        return true;
    }

    private bool TryReadPcapNg(out CapturedPacket packet)
    {
        while (true)
        {
            var blockOffset = Position;
            var frame = _framesRead + 1;
            if (!Fill(8))
            {
                return EndOfStream(blockOffset, out packet);
            }

            var type = U32(_buffer.AsSpan(_start));
            if (type == SectionHeaderBlockType)
            {
                if (!ReadSectionHeader())
                {
                    return EndOfStream(blockOffset, out packet);
                }

                continue;
            }

            var length = U32(_buffer.AsSpan(_start + 4));
            ValidateBlockLength(length, 12, blockOffset, frame);
            if (!Fill((int)length))
            {
                return EndOfStream(blockOffset, out packet);
            }

            CheckTrailingLength(length, blockOffset, frame);
            var bodyStart = _start + 8;
            var bodyLength = (int)length - 12;
            _start += (int)length;
            switch (type)
            {
                case InterfaceDescriptionBlockType:
                    ReadInterfaceDescription(_buffer.AsSpan(bodyStart, bodyLength), blockOffset, frame);
                    break;
                case EnhancedPacketBlockType:
                    packet = ReadEnhancedPacket(bodyStart, bodyLength, blockOffset, frame);
                    return true;
                case SimplePacketBlockType:
                    packet = ReadSimplePacket(bodyStart, bodyLength, blockOffset, frame);
                    return true;
                case PacketBlockType:
                    packet = ReadObsoletePacket(bodyStart, bodyLength, blockOffset, frame);
                    return true;
                default:
                    // Name resolution, statistics, custom and future blocks carry nothing a replay needs.
                    break;
            }
        }
    }

    private CapturedPacket ReadEnhancedPacket(int bodyStart, int bodyLength, long blockOffset, long frame) =>
        ReadTimestampedPacket(bodyStart, bodyLength, blockOffset, frame, "enhanced packet block", wideInterfaceId: true);

    // The obsolete Packet Block has the same layout as the Enhanced one, but a 16-bit interface id (then a drop count).
    private CapturedPacket ReadObsoletePacket(int bodyStart, int bodyLength, long blockOffset, long frame) =>
        ReadTimestampedPacket(bodyStart, bodyLength, blockOffset, frame, "packet block", wideInterfaceId: false);

    private CapturedPacket ReadTimestampedPacket(int bodyStart, int bodyLength, long blockOffset, long frame, string blockName, bool wideInterfaceId)
    {
        if (bodyLength < 20)
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: {blockName} body of {bodyLength} bytes is shorter than its 20-byte header", blockOffset, frame);
        }

        var body = _buffer.AsSpan(bodyStart, bodyLength);
        var interfaceId = wideInterfaceId ? U32(body) : U16(body);
        var units = ((ulong)U32(body[4..]) << 32) | U32(body[8..]);
        var capturedLength = U32(body[12..]);
        var originalLength = U32(body[16..]);
        if (capturedLength > (uint)(bodyLength - 20))
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: captured length {capturedLength} exceeds the {bodyLength - 20} bytes the block holds", blockOffset, frame);
        }

        return MakePacket(interfaceId, units, (int)capturedLength, originalLength, bodyStart + 20, blockOffset, frame);
    }

    private CapturedPacket ReadSimplePacket(int bodyStart, int bodyLength, long blockOffset, long frame)
    {
        if (bodyLength < 4)
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: simple packet block body of {bodyLength} bytes is shorter than its 4-byte header", blockOffset, frame);
        }

        if (_interfaces.Count == 0)
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: simple packet block before any interface description block", blockOffset, frame);
        }

        var originalLength = U32(_buffer.AsSpan(bodyStart));
        if (originalLength > int.MaxValue)
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: original length {originalLength} is absurd", blockOffset, frame);
        }

        // The draft: captured length is the smaller of the original length, interface 0's snap length and what the block holds.
        var capturedLength = Math.Min((int)originalLength, bodyLength - 4);
        var snapLength = _interfaces[0].SnapLength;
        if (snapLength != 0 && snapLength < (uint)capturedLength)
        {
            capturedLength = (int)snapLength;
        }

        var info = _interfaces[0];
        _framesRead = frame;

        // SPBs carry no timestamp; 0 (the epoch) marks it as unknown.
        return new CapturedPacket(frame, 0, (int)originalLength, info.LinkType, 0, new ReadOnlyMemory<byte>(_buffer, bodyStart + 4, capturedLength));
    }

    private CapturedPacket MakePacket(uint interfaceId, ulong units, int capturedLength, uint originalLength, int dataStart, long blockOffset, long frame)
    {
        if (interfaceId >= (uint)_interfaces.Count)
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: interface id {interfaceId} not described in this section ({_interfaces.Count} interfaces)", blockOffset, frame);
        }

        if (originalLength > int.MaxValue)
        {
            ThrowFormat($"frame {frame} at byte offset {blockOffset}: original length {originalLength} is absurd", blockOffset, frame);
        }

        var info = _interfaces[(int)interfaceId];
        _framesRead = frame;
        var nanoseconds = ToUnixNanoseconds(units, info.TsResol) + (info.TsOffsetSeconds * 1_000_000_000L);
        return new CapturedPacket(frame, nanoseconds, (int)originalLength, info.LinkType, (int)interfaceId, new ReadOnlyMemory<byte>(_buffer, dataStart, capturedLength));
    }

    private void ReadInterfaceDescription(ReadOnlySpan<byte> body, long blockOffset, long frame)
    {
        if (body.Length < 8)
        {
            ThrowFormat($"interface description block at byte offset {blockOffset}: body of {body.Length} bytes is shorter than 8", blockOffset, frame);
        }

        var info = new InterfaceInfo
        {
            LinkType = U16(body),
            SnapLength = U32(body[4..]),
            TsResol = DefaultTsResol,
        };
        var options = body[8..];
        while (options.Length >= 4)
        {
            var code = U16(options);
            int valueLength = U16(options[2..]);
            var padded = (valueLength + 3) & ~3;
            if (code == OptionEndOfOptions)
            {
                break;
            }

            if (padded > options.Length - 4)
            {
                ThrowFormat($"interface description block at byte offset {blockOffset}: option {code} of {valueLength} bytes overruns the block", blockOffset, frame);
            }

            var value = options.Slice(4, valueLength);
            if (code == OptionIfTsResol && valueLength >= 1)
            {
                info.TsResol = value[0];
                if ((value[0] & 0x80) == 0 && value[0] >= PowersOfTen.Length)
                {
                    ThrowFormat($"interface description block at byte offset {blockOffset}: if_tsresol 10^-{value[0]} is not supported", blockOffset, frame);
                }
            }
            else if (code == OptionIfTsOffset && valueLength >= 8)
            {
                info.TsOffsetSeconds = (long)U64(value);
            }

            options = options[(4 + padded)..];
        }

        SnapLength = info.SnapLength;
        _interfaces.Add(info);
    }

    // Returns false when the stream ends inside the block. The caller's block must start at _start.
    private bool ReadSectionHeader()
    {
        var blockOffset = Position;
        if (!Fill(12))
        {
            return false;
        }

        var bom = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + 8));
        if (bom == ByteOrderMagic)
        {
            _bigEndian = false;
        }
        else if (bom == BinaryPrimitives.ReverseEndianness(ByteOrderMagic))
        {
            _bigEndian = true;
        }
        else
        {
            ThrowFormat($"section header block at byte offset {blockOffset}: bad byte-order magic 0x{bom:x8}", blockOffset, _framesRead);
        }

        var length = U32(_buffer.AsSpan(_start + 4));
        ValidateBlockLength(length, 28, blockOffset, _framesRead);
        if (!Fill((int)length))
        {
            return false;
        }

        CheckTrailingLength(length, blockOffset, _framesRead);
        var major = U16(_buffer.AsSpan(_start + 12));
        if (major != 1)
        {
            ThrowFormat($"section header block at byte offset {blockOffset}: unsupported pcapng version {major}", blockOffset, _framesRead);
        }

        _interfaces.Clear();
        _start += (int)length;
        return true;
    }

    private void ValidateBlockLength(uint length, int minimum, long blockOffset, long frame)
    {
        if (length < minimum || (length & 3) != 0 || length > MaxRecordLength)
        {
            ThrowFormat($"block at byte offset {blockOffset} (reading frame {frame}): total length {length} is invalid (minimum {minimum}, multiple of 4, at most {MaxRecordLength})", blockOffset, frame);
        }
    }

    private void CheckTrailingLength(uint length, long blockOffset, long frame)
    {
        var trailing = U32(_buffer.AsSpan(_start + (int)length - 4));
        if (trailing != length)
        {
            ThrowFormat($"block at byte offset {blockOffset} (reading frame {frame}): trailing total length {trailing} does not match leading {length}", blockOffset, frame);
        }
    }

    private bool EndOfStream(long recordOffset, out CapturedPacket packet)
    {
        packet = default;
        _done = true;
        if (_end != _start)
        {
            IsTruncated = true;
            TruncatedAtOffset = recordOffset;
        }

        return false;
    }

    // Makes count bytes available at _start; false when the stream ends first. Grows the buffer only for a larger record.
    private bool Fill(int count)
    {
        Debug.Assert(count >= 0);
        if (_end - _start >= count)
        {
            return true;
        }

        if (_buffer.Length - _start < count)
        {
            var available = _end - _start;
            if (count > _buffer.Length)
            {
                var grown = new byte[Math.Max(count, (int)Math.Min((long)_buffer.Length * 2, MaxRecordLength))];
                _buffer.AsSpan(_start, available).CopyTo(grown);
                _buffer = grown;
            }
            else
            {
                _buffer.AsSpan(_start, available).CopyTo(_buffer);
            }

            _bufferBase += _start;
            _start = 0;
            _end = available;
        }

        while (_end - _start < count)
        {
            var read = _stream.Read(_buffer.AsSpan(_end));
            if (read <= 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    private static long ToUnixNanoseconds(ulong units, byte tsResol)
    {
        if ((tsResol & 0x80) == 0)
        {
            return tsResol <= 9
                ? (long)(units * PowersOfTen[9 - tsResol])
                : (long)(units / PowersOfTen[tsResol - 9]);
        }

        // if_tsresol with the top bit set: units of 2^-n seconds.
        return (long)(((UInt128)units * 1_000_000_000UL) >> (tsResol & 0x7F));
    }

    private ushort U16(ReadOnlySpan<byte> span) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);

    private uint U32(ReadOnlySpan<byte> span) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

    private ulong U64(ReadOnlySpan<byte> span) =>
        _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(span) : BinaryPrimitives.ReadUInt64LittleEndian(span);

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowFormat(string message, long byteOffset, long frame) =>
        throw new CaptureFormatException(message, byteOffset, frame);

    private struct InterfaceInfo
    {
        public uint LinkType;
        public uint SnapLength;
        public byte TsResol;
        public long TsOffsetSeconds;
    }
}
