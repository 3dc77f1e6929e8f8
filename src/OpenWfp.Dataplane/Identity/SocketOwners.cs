using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace OpenWfp.Dataplane.Identity;

/// <summary>The process recorded for a socket: its pid, and its start time once known (0 until then).</summary>
/// <param name="Pid">The process id.</param>
/// <param name="StartTime">Field 22 of /proc/pid/stat, or 0 when the socket was met in a full scan and not yet resolved.</param>
internal readonly record struct SocketOwner(int Pid, ulong StartTime);

/// <summary>
/// Socket inode → owner, filled from <c>/proc/&lt;pid&gt;/fd</c> links. Its capacity is fixed between full scans, so
/// adding a socket never allocates; when it is full it is emptied (the recently used processes refill it on demand).
/// </summary>
internal sealed class SocketIndex
{
    /// <summary>The smallest capacity; a full scan of a busy host raises it to twice what it found.</summary>
    internal const int MinimumCapacity = 16 * 1024;

    private readonly Dictionary<ulong, SocketOwner> _owners = new(MinimumCapacity);
    private int _limit = MinimumCapacity;

    /// <summary>Sockets indexed.</summary>
    public int Count => _owners.Count;

    /// <summary>How many sockets fit before the index is emptied.</summary>
    public int Limit => _limit;

    /// <summary>The owner recorded for a socket inode.</summary>
    /// <param name="inode">The inode.</param>
    /// <param name="owner">The owner.</param>
    /// <returns>True when indexed.</returns>
    public bool TryGet(ulong inode, out SocketOwner owner) => _owners.TryGetValue(inode, out owner);

    /// <summary>Records (or replaces) an owner.</summary>
    /// <param name="inode">The inode.</param>
    /// <param name="owner">The owner.</param>
    public void Add(ulong inode, SocketOwner owner)
    {
        if (_owners.Count >= _limit && !_owners.ContainsKey(inode))
        {
            // Clear keeps the buckets: no allocation, and stale entries of closed sockets go with it.
            _owners.Clear();
        }

        _owners[inode] = owner;
    }

    /// <summary>Drops a socket whose recorded owner turned out to be gone.</summary>
    /// <param name="inode">The inode.</param>
    public void Remove(ulong inode) => _owners.Remove(inode);

    /// <summary>Empties the index before a full scan.</summary>
    public void Clear() => _owners.Clear();

    /// <summary>After a full scan: room for twice what was found, allocated now rather than on the hot path.</summary>
    public void Reserve()
    {
        _limit = Math.Max(MinimumCapacity, _owners.Count * 2);
        _owners.EnsureCapacity(_limit);
    }
}

/// <summary>
/// Finds the process that holds a socket: the inode index first, then a rescan of the few processes that recently
/// owned sockets (most recent first, through directory descriptors kept open so a reused pid cannot be confused), then
/// a full /proc scan, at most one per interval and never sooner than ten times the last scan's duration after it.
/// </summary>
internal sealed class SocketOwners : IDisposable
{
    /// <summary>How many recently seen processes are rescanned before a full scan.</summary>
    internal const int RecentCapacity = 8;

    /// <summary>The pause after a full scan, as a multiple of the scan's duration (when longer than the interval).</summary>
    internal const int FullScanBackoff = 10;

    private readonly ProcFs _proc;
    private readonly SocketIndex _index = new();
    private readonly Recent[] _recent = new Recent[RecentCapacity];
    private readonly long _fullScanInterval;
    private int _recentCount;
    private long _nextFullScan;
    private bool _scannedOnce;

    /// <summary>Creates the finder.</summary>
    /// <param name="proc">The /proc reader.</param>
    /// <param name="fullScanInterval">The shortest time between two full scans.</param>
    public SocketOwners(ProcFs proc, TimeSpan fullScanInterval)
    {
        _proc = proc;
        _fullScanInterval = (long)(fullScanInterval.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Full scans done so far.</summary>
    public long FullScans { get; private set; }

    /// <summary>Full scans skipped because the last one was too recent.</summary>
    public long FullScansSkipped { get; private set; }

    /// <summary>The inode index (for tests and diagnostics).</summary>
    public SocketIndex Index => _index;

    /// <summary>Finds the owner of a socket.</summary>
    /// <param name="inode">The socket inode.</param>
    /// <param name="pid">The owner.</param>
    /// <param name="startTime">The owner's start time when it is known which process held the socket (found through a
    /// descriptor kept open, or recorded at an earlier resolution), else 0.</param>
    /// <param name="how">Where it was found.</param>
    /// <returns>True when found.</returns>
    public bool TryFind(ulong inode, out int pid, out ulong startTime, out OwnerSource how)
    {
        startTime = 0;
        if (_index.TryGet(inode, out var owner))
        {
            (pid, startTime) = owner;
            how = OwnerSource.Index;
            return true;
        }

        for (var i = 0; i < _recentCount; i++)
        {
            ref var recent = ref _recent[i];
            if (!_proc.ScanFds(recent.Directory, new SocketOwner(recent.Pid, recent.StartTime), inode, stopAtTarget: true, _index, out var found))
            {
                // The process exited: its descriptor lists nothing any more.
                RemoveRecent(i);
                i--;
                continue;
            }

            if (found)
            {
                pid = recent.Pid;
                startTime = recent.StartTime;
                how = OwnerSource.Recent;
                return true;
            }
        }

        var now = Stopwatch.GetTimestamp();
        if (_scannedOnce && now < _nextFullScan)
        {
            FullScansSkipped++;
            how = OwnerSource.None;
            pid = 0;
            return false;
        }

        _scannedOnce = true;
        FullScans++;
        _index.Clear();
        _proc.ScanAll(inode, _index, out pid);
        _index.Reserve();

        // A scan of a host with 100,000 descriptors takes ~0.3 s on the queue thread: the next one waits at least
        // ten times as long as this one took, so scans never use more than a tenth of the thread. (An interval of
        // zero turns the limit off, for tests.)
        var end = Stopwatch.GetTimestamp();
        _nextFullScan = _fullScanInterval == 0 ? end : end + Math.Max(_fullScanInterval, FullScanBackoff * (end - now));
        how = pid != 0 ? OwnerSource.FullScan : OwnerSource.None;
        return pid != 0;
    }

    /// <summary>Records the start time of a socket's owner once the process has been identified.</summary>
    /// <param name="inode">The inode.</param>
    /// <param name="owner">The owner with its start time.</param>
    public void Remember(ulong inode, SocketOwner owner) => _index.Add(inode, owner);

    /// <summary>Forgets a socket whose recorded owner is gone.</summary>
    /// <param name="inode">The inode.</param>
    public void Forget(ulong inode) => _index.Remove(inode);

    /// <summary>
    /// Puts a process first among the recently used ones, opening its fd directory if it is new there. The start time
    /// is checked again after opening, so the descriptor is known to belong to the process the caller identified.
    /// </summary>
    /// <param name="pid">The process id.</param>
    /// <param name="startTime">Its start time.</param>
    public void Touch(int pid, ulong startTime)
    {
        if (_recentCount > 0 && _recent[0].Pid == pid && _recent[0].StartTime == startTime)
        {
            return;
        }

        for (var i = 1; i < _recentCount; i++)
        {
            if (_recent[i].Pid == pid && _recent[i].StartTime == startTime)
            {
                var hit = _recent[i];
                Array.Copy(_recent, 0, _recent, 1, i);
                _recent[0] = hit;
                return;
            }
        }

        var directory = _proc.OpenFdDirectory(pid);
        if (directory is null)
        {
            return;
        }

        if (!_proc.TryReadStartTime(pid, out var now) || now != startTime)
        {
            directory.Dispose();
            return;
        }

        if (_recentCount == RecentCapacity)
        {
            _recent[RecentCapacity - 1].Directory.Dispose();
            _recentCount--;
        }

        Array.Copy(_recent, 0, _recent, 1, _recentCount);
        _recent[0] = new Recent(pid, startTime, directory);
        _recentCount++;
    }

    /// <summary>Closes the kept directories.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _recentCount; i++)
        {
            _recent[i].Directory.Dispose();
        }

        _recentCount = 0;
    }

    private void RemoveRecent(int i)
    {
        _recent[i].Directory.Dispose();
        Array.Copy(_recent, i + 1, _recent, i, _recentCount - i - 1);
        _recentCount--;
        _recent[_recentCount] = default;
    }

    private readonly record struct Recent(int Pid, ulong StartTime, SafeFileHandle Directory);
}

/// <summary>Where <see cref="SocketOwners.TryFind"/> found an owner.</summary>
internal enum OwnerSource
{
    /// <summary>Not found.</summary>
    None,

    /// <summary>Already in the inode index.</summary>
    Index,

    /// <summary>By rescanning a recently seen process.</summary>
    Recent,

    /// <summary>By a full /proc scan.</summary>
    FullScan,
}
