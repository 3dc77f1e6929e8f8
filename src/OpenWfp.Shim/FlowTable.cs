using System.Runtime.CompilerServices;
using OpenWfp.Engine.Model;
using OpenWfp.Wire;

namespace OpenWfp.Shim;

/// <summary>An ALE flow's identity, oriented to this host: the 5-tuple; for ICMP echo the id stands in for ports (docs/LAYERS.md, What an ALE flow is).</summary>
internal readonly record struct FlowKey(UInt128 Local, UInt128 Remote, ushort LocalPort, ushort RemotePort, byte Protocol, byte IpVersion)
{
    public int Hash()
    {
        // Not HashCode.Combine: its per-process random seed would make eviction order differ run to run, and replay
        // output must be reproducible.
        ulong h = (ulong)Local ^ ((ulong)(Local >> 64) * 0x9E3779B97F4A7C15UL);
        h ^= ((ulong)Remote + 0x632BE59BD9B4E019UL) * 0xC2B2AE3D27D4EB4FUL;
        h ^= (ulong)(Remote >> 64) * 0x165667B19E3779F9UL;
        h ^= ((ulong)LocalPort << 32) | ((ulong)RemotePort << 16) | ((ulong)Protocol << 8) | IpVersion;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return (int)h ^ (int)(h >> 32);
    }
}

/// <summary>Where a TCP flow is in its life, as far as the shim has seen.</summary>
internal enum TcpStage : byte
{
    /// <summary>Not TCP, or the connection's start was not seen.</summary>
    None,
    /// <summary>SYN seen; waiting for the handshake to complete.</summary>
    Handshake,
    /// <summary>ALE_FLOW_ESTABLISHED was met.</summary>
    Established,
    /// <summary>A RST, or FINs from both sides: the flow ends soon.</summary>
    Closed,
}

/// <summary>One ALE flow.</summary>
internal struct FlowEntry
{
    public FlowKey Key;
    public bool Used;
    public ulong FlowId;
    public long Generation;
    public long LastSeenNanoseconds;

    /// <summary>The direction of the flow's first packet: outbound flows were authorized at AUTH_CONNECT.</summary>
    public FwpDirection Origin;
    public bool Blocked;
    public ushort AleLayerId;
    public ulong FilterId;
    public TcpStage Stage;

    /// <summary>Bit 0: a FIN was sent; bit 1: a FIN was received.</summary>
    public byte Fins;

    /// <summary>ALE_APP_ID of the flow's local end (empty when unknown).</summary>
    public OpenWfp.Engine.Values.FwpValue AppId;

    /// <summary>ALE_USER_ID of the flow's local end (empty when unknown).</summary>
    public OpenWfp.Engine.Values.FwpValue UserId;

    /// <summary>The owning process id, 0 when unknown.</summary>
    public ulong ProcessId;

    /// <summary>True once the owner source was asked for this flow (whatever it found): it is not asked again.</summary>
    public bool OwnerLookedUp;

    /// <summary>An outbound flow to a multicast or broadcast address: it lives only as long as the response window.</summary>
    public bool Multicast;

    /// <summary>The flow's STREAM state (StreamReassembler), 0 when it has none.</summary>
    public int Stream;
}

/// <summary>
/// The ALE flow table: open addressing over a fixed array, so a lookup or insert allocates nothing. Expired entries
/// are reused in place; when a probe window is full, its least recently seen flow is evicted (counted).
/// </summary>
/// <remarks>Not thread-safe: one table per shim, one shim per thread (each NFQUEUE queue has its own).</remarks>
internal sealed class FlowTable
{
    /// <summary>Slots probed from a key's home slot before evicting.</summary>
    public const int ProbeWindow = 8;

    private readonly FlowEntry[] _entries;
    private readonly int _mask;
    private ulong _nextFlowId = 1;

    public FlowTable(int capacity)
    {
        var size = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity)));
        _entries = new FlowEntry[size];
        _mask = size - 1;
    }

    public int Capacity => _entries.Length;

    public long Evictions { get; private set; }

    public long Expirations { get; private set; }

    public int Count { get; private set; }

    /// <summary>The live entry for <paramref name="key"/>, or -1. An entry idle past its timeout is expired here.</summary>
    public int Find(in FlowKey key, long now, in ShimTimeouts timeouts, ref ExpiredFlow expired)
    {
        var home = key.Hash() & _mask;
        for (var i = 0; i < ProbeWindow; i++)
        {
            var index = (home + i) & _mask;
            ref var e = ref _entries[index];
            if (e.Used && e.Key == key)
            {
                if (IsExpired(in e, now, in timeouts))
                {
                    Release(ref e, ref expired);
                    Expirations++;
                    return -1;
                }

                return index;
            }
        }

        return -1;
    }

    /// <summary>Adds a flow (the key must not be present) and returns its slot.</summary>
    public int Add(in FlowKey key, long now, in ShimTimeouts timeouts, ref ExpiredFlow expired)
    {
        var home = key.Hash() & _mask;
        var victim = -1;
        var oldest = long.MaxValue;
        for (var i = 0; i < ProbeWindow; i++)
        {
            var index = (home + i) & _mask;
            ref var e = ref _entries[index];
            if (!e.Used)
            {
                victim = index;
                break;
            }

            if (IsExpired(in e, now, in timeouts))
            {
                Release(ref e, ref expired);
                Expirations++;
                victim = index;
                break;
            }

            if (e.LastSeenNanoseconds < oldest)
            {
                oldest = e.LastSeenNanoseconds;
                victim = index;
            }
        }

        ref var slot = ref _entries[victim];
        if (slot.Used)
        {
            Release(ref slot, ref expired);
            Evictions++;
        }

        slot = default;
        slot.Used = true;
        slot.Key = key;
        slot.FlowId = _nextFlowId++;
        slot.LastSeenNanoseconds = now;
        Count++;
        return victim;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref FlowEntry At(int index) => ref _entries[index];

    /// <summary>Removes the flow in slot <paramref name="index"/>.</summary>
    public ExpiredFlow Remove(int index)
    {
        var expired = default(ExpiredFlow);
        Release(ref _entries[index], ref expired);
        return expired;
    }

    /// <summary>Removes every flow, reporting each through <paramref name="onRemoved"/> (for flow-delete notifications).</summary>
    public void Clear(Action<ExpiredFlow>? onRemoved = null)
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Used)
            {
                onRemoved?.Invoke(new ExpiredFlow(_entries[i].FlowId, _entries[i].Stream));
                _entries[i] = default;
            }
        }

        Count = 0;
    }

    private static bool IsExpired(in FlowEntry e, long now, in ShimTimeouts timeouts)
    {
        var idle = now - e.LastSeenNanoseconds;
        var limit = e.Stage switch
        {
            _ when e.Blocked => timeouts.DatagramNanoseconds,
            _ when e.Multicast => timeouts.MulticastNanoseconds,
            TcpStage.Closed => timeouts.ClosedNanoseconds,
            _ when e.Key.Protocol == IpProtocol.Tcp => timeouts.TcpNanoseconds,
            _ => timeouts.DatagramNanoseconds,
        };
        return idle > limit;
    }

    private void Release(ref FlowEntry e, ref ExpiredFlow expired)
    {
        // At most one flow leaves per lookup or insert; the shim passes its id on for flow-delete notifications.
        expired = new ExpiredFlow(e.FlowId, e.Stream);
        e = default;
        Count--;
    }
}

/// <summary>A flow that left the table during a lookup or insert (0 when none did), with its STREAM state (0: none).</summary>
internal readonly record struct ExpiredFlow(ulong FlowId, int Stream);

/// <summary>Idle timeouts in nanoseconds of capture/clock time.</summary>
internal readonly record struct ShimTimeouts(long TcpNanoseconds, long DatagramNanoseconds, long ClosedNanoseconds, long MulticastNanoseconds);
