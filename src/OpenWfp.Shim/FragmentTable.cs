using OpenWfp.Wire;

namespace OpenWfp.Shim;

/// <summary>
/// Remembers datagrams whose first fragment was blocked, so that their later fragments — which carry no ports and
/// cannot meet the transport or ALE layers — are dropped with it. Direct-mapped over a fixed array: a collision
/// overwrites (the later fragment then meets the IP packet layer only, as if its first fragment had not been seen).
/// </summary>
internal sealed class FragmentTable(int size)
{
    private readonly Entry[] _entries = new Entry[size];

    public bool TryGetBlocked(in ParsedPacket p, out ushort layerId, out ulong filterId)
    {
        var key = KeyOf(in p);
        ref var e = ref _entries[Slot(in key)];
        if (e.Used && e.Key == key)
        {
            layerId = e.LayerId;
            filterId = e.FilterId;
            return true;
        }

        layerId = 0;
        filterId = 0;
        return false;
    }

    public void RememberBlocked(in ParsedPacket p, ushort layerId, ulong filterId)
    {
        var key = KeyOf(in p);
        _entries[Slot(in key)] = new Entry { Key = key, Used = true, LayerId = layerId, FilterId = filterId };
    }

    public void Clear() => Array.Clear(_entries);

    private int Slot(in Key key)
    {
        var h = (ulong)key.Source ^ ((ulong)key.Destination * 0x9E3779B97F4A7C15UL) ^ ((ulong)(key.Source >> 64) * 31) ^ (ulong)(key.Destination >> 64);
        h ^= ((ulong)key.Id << 8) | key.Protocol;
        h *= 0xFF51AFD7ED558CCDUL;
        return (int)((h >> 33) % (ulong)_entries.Length);
    }

    private static Key KeyOf(in ParsedPacket p) => p.IpVersion == 4
        ? new Key(p.SourceIPv4, p.DestinationIPv4, p.FragmentId, p.Protocol)
        : new Key(p.SourceIPv6, p.DestinationIPv6, p.FragmentId, p.Protocol);

    private readonly record struct Key(UInt128 Source, UInt128 Destination, uint Id, byte Protocol);

    private struct Entry
    {
        public Key Key;
        public bool Used;
        public ushort LayerId;
        public ulong FilterId;
    }
}
