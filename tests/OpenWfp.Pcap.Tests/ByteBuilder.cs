using System.Buffers.Binary;

namespace OpenWfp.Pcap.Tests;

/// Hand-built capture bytes in either byte order, independent of CaptureWriter so reader tests don't trust the writer.
internal sealed class ByteBuilder(bool bigEndian)
{
    private readonly List<byte> _bytes = [];

    public bool BigEndian { get; set; } = bigEndian;

    public int Length => _bytes.Count;

    public ByteBuilder U8(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public ByteBuilder U16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (BigEndian) { BinaryPrimitives.WriteUInt16BigEndian(b, value); } else { BinaryPrimitives.WriteUInt16LittleEndian(b, value); }
        return Bytes(b);
    }

    public ByteBuilder U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (BigEndian) { BinaryPrimitives.WriteUInt32BigEndian(b, value); } else { BinaryPrimitives.WriteUInt32LittleEndian(b, value); }
        return Bytes(b);
    }

    public ByteBuilder U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        if (BigEndian) { BinaryPrimitives.WriteUInt64BigEndian(b, value); } else { BinaryPrimitives.WriteUInt64LittleEndian(b, value); }
        return Bytes(b);
    }

    public ByteBuilder Bytes(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            _bytes.Add(b);
        }

        return this;
    }

    public ByteBuilder Pad4()
    {
        while ((_bytes.Count & 3) != 0)
        {
            _bytes.Add(0);
        }

        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    // ---- classic pcap ----

    public ByteBuilder PcapHeader(uint magic, uint linkType, uint snapLength = 65535) =>
        U32(magic).U16(2).U16(4).U32(0).U32(0).U32(snapLength).U32(linkType);

    public ByteBuilder PcapRecord(uint seconds, uint fraction, ReadOnlySpan<byte> data, uint? originalLength = null) =>
        U32(seconds).U32(fraction).U32((uint)data.Length).U32(originalLength ?? (uint)data.Length).Bytes(data);

    // ---- pcapng ----

    public ByteBuilder Block(uint type, Action<ByteBuilder> body)
    {
        var inner = new ByteBuilder(BigEndian);
        body(inner);
        inner.Pad4();
        var total = (uint)(inner.Length + 12);
        return U32(type).U32(total).Bytes(inner.ToArray()).U32(total);
    }

    public ByteBuilder SectionHeader() =>
        Block(0x0A0D0D0A, b => b.U32(0x1A2B3C4D).U16(1).U16(0).U64(ulong.MaxValue));

    public ByteBuilder InterfaceDescription(ushort linkType, uint snapLength = 0, byte? tsResol = null, long? tsOffset = null) =>
        Block(1, b =>
        {
            b.U16(linkType).U16(0).U32(snapLength);
            if (tsResol is { } r)
            {
                b.U16(9).U16(1).U8(r).Pad4();
            }

            if (tsOffset is { } o)
            {
                b.U16(14).U16(8).U64((ulong)o);
            }

            if (tsResol is not null || tsOffset is not null)
            {
                b.U16(0).U16(0);
            }
        });

    public ByteBuilder EnhancedPacket(uint interfaceId, ulong units, ReadOnlySpan<byte> data, uint? originalLength = null)
    {
        var copy = data.ToArray();
        return Block(6, b => b.U32(interfaceId).U32((uint)(units >> 32)).U32((uint)units)
            .U32((uint)copy.Length).U32(originalLength ?? (uint)copy.Length).Bytes(copy));
    }

    public ByteBuilder SimplePacket(uint originalLength, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        return Block(3, b => b.U32(originalLength).Bytes(copy));
    }

    public ByteBuilder ObsoletePacket(ushort interfaceId, ulong units, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        return Block(2, b => b.U16(interfaceId).U16(0).U32((uint)(units >> 32)).U32((uint)units)
            .U32((uint)copy.Length).U32((uint)copy.Length).Bytes(copy));
    }
}
