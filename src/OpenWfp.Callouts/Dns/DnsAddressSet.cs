using System.Collections.Concurrent;

namespace OpenWfp.Callouts.Dns;

/// <summary>An address in the net event encoding (IPv4 in the low 32 bits, host order; IPv6 as its big-endian number).</summary>
/// <param name="Address">The address.</param>
/// <param name="IsV6">True for IPv6.</param>
public readonly record struct DnsAddress(UInt128 Address, bool IsV6);

/// <summary>
/// What DNS answers said: which names resolved to which addresses, until their TTL runs out. Thread-safe and bounded.
/// openwfp.dns fills it from the responses it sees and reads it at ALE_AUTH_CONNECT, the part Windows Firewall leaves
/// to "a component outside the firewall service" for an AutoResolve dynamic keyword address: a rule names a host, and
/// the addresses it resolves to are filled in as they become known (Microsoft Learn, "Firewall dynamic keywords",
/// https://learn.microsoft.com/windows/win32/ics/firewall-dynamic-keywords).
/// </summary>
/// <remarks>
/// Keyed by address, since the connect check asks "which names gave this address"; each address keeps up to
/// <see cref="NamesPerAddress"/> names (a CDN address serves many). Refreshing an entry allocates nothing; only a new
/// (address, name) pair allocates its string.
/// </remarks>
public sealed class DnsAddressSet
{
    /// <summary>How many names one address remembers; past it, the one expiring first is replaced.</summary>
    public const int NamesPerAddress = 8;

    private readonly ConcurrentDictionary<DnsAddress, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly long _minimumTicks;
    private readonly long _maximumTicks;
    private int _count;

    /// <summary>An empty set.</summary>
    public DnsAddressSet(int capacity, TimeProvider time, TimeSpan minimumTtl, TimeSpan maximumTtl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(time);
        _capacity = capacity;
        _time = time;
        _minimumTicks = ToTicks(minimumTtl.TotalSeconds);
        _maximumTicks = ToTicks(maximumTtl.TotalSeconds);
    }

    /// <summary>Addresses held (live or expired but not yet pruned).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The names an address was learned for that have not expired.</summary>
    public IReadOnlyList<string> NamesOf(DnsAddress address)
    {
        var now = _time.GetTimestamp();
        var names = new List<string>();
        if (_entries.TryGetValue(Normalize(address), out var entry))
        {
            lock (entry)
            {
                for (var i = 0; i < entry.Count; i++)
                {
                    if (entry.Expires[i] > now)
                    {
                        names.Add(entry.Names[i]);
                    }
                }
            }
        }

        return names;
    }

    /// <summary>The live addresses learned for a name (lower-case, no trailing dot); a scan, for tools, not the packet path.</summary>
    public IReadOnlyList<DnsAddress> AddressesOf(string name)
    {
        var now = _time.GetTimestamp();
        var found = new List<DnsAddress>();
        foreach (var (address, entry) in _entries)
        {
            lock (entry)
            {
                for (var i = 0; i < entry.Count; i++)
                {
                    if (entry.Expires[i] > now && string.Equals(entry.Names[i], name, StringComparison.OrdinalIgnoreCase))
                    {
                        found.Add(address);
                        break;
                    }
                }
            }
        }

        return found;
    }

    /// <summary>Records that <paramref name="name"/> resolved to <paramref name="address"/> for <paramref name="ttlSeconds"/> (clamped to the set's bounds).</summary>
    /// <returns>False when the set is full of live entries.</returns>
    public bool Learn(DnsAddress address, ReadOnlySpan<char> name, uint ttlSeconds)
    {
        address = Normalize(address);
        var now = _time.GetTimestamp();
        var expires = now + Math.Clamp(ToTicks(ttlSeconds), _minimumTicks, _maximumTicks);
        if (!_entries.TryGetValue(address, out var entry))
        {
            if (Interlocked.Increment(ref _count) > _capacity && !Prune(now))
            {
                Interlocked.Decrement(ref _count);
                return false;
            }

            var fresh = new Entry();
            entry = _entries.GetOrAdd(address, fresh);
            if (!ReferenceEquals(entry, fresh))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        lock (entry)
        {
            var slot = -1;
            for (var i = 0; i < entry.Count; i++)
            {
                if (name.SequenceEqual(entry.Names[i]))
                {
                    entry.Expires[i] = Math.Max(entry.Expires[i], expires);
                    return true;
                }

                if (slot < 0 || entry.Expires[i] < entry.Expires[slot])
                {
                    slot = i;
                }
            }

            if (entry.Count < NamesPerAddress)
            {
                slot = entry.Count++;
            }

            entry.Names[slot] = name.ToString();
            entry.Expires[slot] = expires;
            return true;
        }
    }

    /// <summary>A live name learned for the address that <paramref name="names"/> lists, or null.</summary>
    internal string? FindListed(DnsAddress address, DnsNameSet names)
    {
        if (names.Count == 0 || !_entries.TryGetValue(Normalize(address), out var entry))
        {
            return null;
        }

        var now = _time.GetTimestamp();
        lock (entry)
        {
            for (var i = 0; i < entry.Count; i++)
            {
                if (entry.Expires[i] > now && names.Matches(entry.Names[i]))
                {
                    return entry.Names[i];
                }
            }
        }

        return null;
    }

    // A dual-stack socket connects to an IPv4 address as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2): the same address as an A record's.
    private static DnsAddress Normalize(DnsAddress address) =>
        address.IsV6 && address.Address >> 32 == 0xFFFF ? new DnsAddress(address.Address & uint.MaxValue, false) : address;

    private long ToTicks(double seconds) => (long)Math.Min(seconds * _time.TimestampFrequency, long.MaxValue / 4);

    // Drops expired entries; true when that made room.
    private bool Prune(long now)
    {
        foreach (var (address, entry) in _entries)
        {
            bool live;
            lock (entry)
            {
                live = false;
                for (var i = 0; i < entry.Count; i++)
                {
                    live |= entry.Expires[i] > now;
                }
            }

            if (!live && _entries.TryRemove(address, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        return Volatile.Read(ref _count) <= _capacity;
    }

    private sealed class Entry
    {
        public readonly string[] Names = new string[NamesPerAddress];
        public readonly long[] Expires = new long[NamesPerAddress];
        public int Count;
    }
}
