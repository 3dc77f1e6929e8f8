using System.Buffers.Binary;

namespace OpenWfp.Netlink.Tests;

/// <summary>Little helper to build expected netlink bytes field by field (host order = little-endian on test hosts).</summary>
internal sealed class Bytes
{
    private readonly List<byte> _data = [];

    public int Count => _data.Count;

    public Bytes U8(byte v)
    {
        _data.Add(v);
        return this;
    }

    public Bytes H16(ushort v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        _data.AddRange(b);
        return this;
    }

    public Bytes H32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _data.AddRange(b);
        return this;
    }

    public Bytes B16(ushort v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, v);
        _data.AddRange(b);
        return this;
    }

    public Bytes B32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        _data.AddRange(b);
        return this;
    }

    public Bytes Raw(params byte[] v)
    {
        _data.AddRange(v);
        return this;
    }

    public Bytes Pad()
    {
        while (_data.Count % 4 != 0)
        {
            _data.Add(0);
        }

        return this;
    }

    public byte[] ToArray() => [.. _data];
}
