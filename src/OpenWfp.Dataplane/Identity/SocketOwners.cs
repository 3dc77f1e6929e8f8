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
/// Finds the process that holds a socket: the inode index first, then a rescan of the processes of the socket's uid
/// that recently owned sockets (most recent first, through directory descriptors kept open so a reused pid cannot be
/// confused), then an incremental scan of the processes that are new since the last listing of /proc (and those listed
/// for the first time less than a short window ago, which may have connected since), then a scan of the other
/// processes of the socket's uid (until the socket is met), then a full /proc scan, at most one per interval and never
/// sooner than ten times the last scan's duration after it.
/// </summary>
internal sealed class SocketOwners : IDisposable
{
    /// <summary>How many recently seen processes are kept (and rescanned, those of the socket's uid, on a miss).</summary>
    internal const int RecentCapacity = 32;

    /// <summary>
    /// Most time same-uid scans may take in a burst, in milliseconds; beyond it they are limited to
    /// 1/<see cref="SameUserShareDivisor"/> of the thread. A scan costs about 3 µs per descriptor of the uid's processes.
    /// </summary>
    internal const int SameUserBurstMilliseconds = 50;

    /// <summary>Same-uid scans may use at most 1/this of the thread over time (2: half).</summary>
    internal const int SameUserShareDivisor = 2;

    /// <summary>The pause after a full scan, as a multiple of the scan's duration (when longer than the interval).</summary>
    internal const int FullScanBackoff = 10;

    /// <summary>
    /// Most processes listed earlier and still young that one incremental scan rescans (highest pids first: pids are
    /// handed out in increasing order, so those are mostly the newest). Bounds a miss's cost while processes are
    /// created by the hundred.
    /// </summary>
    internal const int MaxYoungRescans = 128;

    private readonly ProcFs _proc;
    private readonly SocketIndex _index = new();
    private readonly ProcessListing _listing = new();
    private readonly Recent[] _recent = new Recent[RecentCapacity];
    private readonly long _fullScanInterval;
    private readonly long _youngWindow;
    private readonly long _sameUserBurst = ToTicks(TimeSpan.FromMilliseconds(SameUserBurstMilliseconds));
    private long _sameUserCredit;
    private long _sameUserCreditAt;
    private int _recentCount;
    private long _nextFullScan;
    private bool _scannedOnce;

    /// <summary>Creates the finder.</summary>
    /// <param name="proc">The /proc reader.</param>
    /// <param name="fullScanInterval">The shortest time between two full scans.</param>
    /// <param name="youngWindow">How long after it is first listed a process is rescanned by incremental scans.</param>
    public SocketOwners(ProcFs proc, TimeSpan fullScanInterval, TimeSpan youngWindow)
    {
        _proc = proc;
        _fullScanInterval = ToTicks(fullScanInterval);
        _youngWindow = ToTicks(youngWindow);
        _sameUserCredit = _sameUserBurst;
        _sameUserCreditAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Full scans done so far.</summary>
    public long FullScans { get; private set; }

    /// <summary>Full scans skipped because the last one was too recent.</summary>
    public long FullScansSkipped { get; private set; }

    /// <summary>Incremental scans (of new and young processes) done so far.</summary>
    public long IncrementalScans { get; private set; }

    /// <summary>Scans of the processes of a socket's uid done so far.</summary>
    public long SameUserScans { get; private set; }

    /// <summary>Same-uid scans skipped because the earlier ones used up their share of the thread.</summary>
    public long SameUserScansSkipped { get; private set; }

    /// <summary>The inode index (for tests and diagnostics).</summary>
    public SocketIndex Index => _index;

    /// <summary>Finds the owner of a socket.</summary>
    /// <param name="inode">The socket inode.</param>
    /// <param name="uid">The socket's uid (sock_diag's idiag_uid: its creator's fsuid).</param>
    /// <param name="pid">The owner.</param>
    /// <param name="startTime">The owner's start time when it is known which process held the socket (found through a
    /// descriptor kept open, met by an incremental scan, or recorded at an earlier resolution), else 0.</param>
    /// <param name="how">Where it was found.</param>
    /// <returns>True when found.</returns>
    public bool TryFind(ulong inode, uint uid, out int pid, out ulong startTime, out OwnerSource how)
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
            if (recent.Uid != uid)
            {
                // Another user's process: reading its descriptors would only slow the miss down.
                continue;
            }

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

        pid = 0;
        var now = Stopwatch.GetTimestamp();
        if (_scannedOnce && ScanNewProcesses(inode, now, out pid, out startTime))
        {
            how = OwnerSource.NewProcess;
            return true;
        }

        if (_scannedOnce && ScanSameUser(inode, uid, out pid, out startTime))
        {
            how = OwnerSource.SameUser;
            return true;
        }

        if (_scannedOnce && now < _nextFullScan)
        {
            FullScansSkipped++;
            how = OwnerSource.None;
            return false;
        }

        _scannedOnce = true;
        FullScans++;
        _index.Clear();
        var count = _listing.Refresh(_proc, now, rereadOwners: true);
        for (var i = 0; i < count; i++)
        {
            if (_proc.ScanProcess(_listing.Pid(i), readStartTime: false, inode, _index, out var found, out _) && found)
            {
                pid = _listing.Pid(i);
            }
        }

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
    /// <param name="uid">Its effective uid: only the recent processes of a missed socket's uid are rescanned.</param>
    public void Touch(int pid, ulong startTime, uint uid)
    {
        if (_recentCount > 0 && _recent[0].Pid == pid && _recent[0].StartTime == startTime)
        {
            _recent[0] = _recent[0] with { Uid = uid };
            return;
        }

        for (var i = 1; i < _recentCount; i++)
        {
            if (_recent[i].Pid == pid && _recent[i].StartTime == startTime)
            {
                // The uid is that of the process entry, which is rebuilt when the process changes its ids.
                var hit = _recent[i] with { Uid = uid };
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
        _recent[0] = new Recent(pid, startTime, uid, directory);
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

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Lists /proc and scans the fd directories of the processes not in the previous listing, then of those first
    /// listed less than the young window ago (a process listed just before it opened its socket). Every new process is
    /// scanned, not only until the socket is met: once listed, a process is no longer new. Sockets are stored with the
    /// start time of their process, so no cached entry of an earlier holder of the pid can be taken for it.
    /// </summary>
    private bool ScanNewProcesses(ulong inode, long now, out int pid, out ulong startTime)
    {
        IncrementalScans++;
        pid = 0;
        startTime = 0;
        var count = _listing.Refresh(_proc, now, rereadOwners: false);
        var youngSince = now - _youngWindow;
        var young = 0;
        for (var i = count - 1; i >= 0; i--)
        {
            if (!_listing.IsNew(i))
            {
                if (_listing.FirstSeen(i) < youngSince || young == MaxYoungRescans)
                {
                    continue;
                }

                // A process that drops root does it early: its owner is read again while it is young.
                young++;
                _listing.RefreshOwner(_proc, i);
            }

            _listing.MarkScanned(i);
            if (_proc.ScanProcess(_listing.Pid(i), readStartTime: true, inode, _index, out var found, out var start) && found)
            {
                pid = _listing.Pid(i);
                startTime = start;
            }
        }

        return pid != 0;
    }

    /// <summary>
    /// Reads the fd directories of the processes of the socket's uid that this miss has not read yet (not recent, not
    /// new, not young), highest pids first, until the socket is met: an old process's new socket. Sockets are stored
    /// with the start time of their process, as by the incremental scan. The scans share a credit of thread time
    /// (<see cref="SameUserBurstMilliseconds"/>, refilled at 1/<see cref="SameUserShareDivisor"/> of the elapsed time),
    /// so a root socket on a host with very many descriptors cannot monopolise the queue thread.
    /// </summary>
    private bool ScanSameUser(ulong inode, uint uid, out int pid, out ulong startTime)
    {
        pid = 0;
        startTime = 0;
        var begin = Stopwatch.GetTimestamp();
        _sameUserCredit = Math.Min(_sameUserBurst, _sameUserCredit + ((begin - _sameUserCreditAt) / SameUserShareDivisor));
        _sameUserCreditAt = begin;
        if (_sameUserCredit <= 0)
        {
            SameUserScansSkipped++;
            return false;
        }

        SameUserScans++;
        for (var i = _listing.Count - 1; i >= 0; i--)
        {
            var candidate = _listing.Pid(i);
            if (!_listing.Matches(i, uid) || _listing.WasScanned(i) || IsRecent(candidate, uid))
            {
                continue;
            }

            _listing.MarkScanned(i);
            if (_proc.ScanProcess(candidate, readStartTime: true, inode, _index, out var found, out var start) && found)
            {
                pid = candidate;
                startTime = start;
                break;
            }
        }

        _sameUserCredit -= Stopwatch.GetTimestamp() - begin;
        return pid != 0;
    }

    /// <summary>Whether this miss already rescanned <paramref name="pid"/> as a recent process of <paramref name="uid"/>.</summary>
    private bool IsRecent(int pid, uint uid)
    {
        for (var i = 0; i < _recentCount; i++)
        {
            if (_recent[i].Pid == pid && _recent[i].Uid == uid)
            {
                return true;
            }
        }

        return false;
    }

    private void RemoveRecent(int i)
    {
        _recent[i].Directory.Dispose();
        Array.Copy(_recent, i + 1, _recent, i, _recentCount - i - 1);
        _recentCount--;
        _recent[_recentCount] = default;
    }

    private readonly record struct Recent(int Pid, ulong StartTime, uint Uid, SafeFileHandle Directory);
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

    /// <summary>By an incremental scan of the processes new since the last listing (start time known).</summary>
    NewProcess,

    /// <summary>By a scan of the processes of the socket's uid (start time known).</summary>
    SameUser,

    /// <summary>By a full /proc scan.</summary>
    FullScan,
}

/// <summary>
/// The pids of the last /proc listing, each with the inode of its directory (a new process gets a new one), when it
/// was first listed, and its owner (below). Its arrays are reused from one listing to the next and grow only with the
/// host's process count.
/// </summary>
/// <remarks>
/// The owner is read once per process, when it is first listed (again while it is young, and by every full scan): the
/// uid owning <c>/proc/&lt;pid&gt;</c> (one statx), and when that is root, the effective uid of its status file too,
/// because procfs shows a process that is not dumpable (one that dropped root itself) as owned by root.
/// </remarks>
internal sealed class ProcessListing
{
    /// <summary>The owner of a process that could not be read: (uid_t)-1, which no socket carries.</summary>
    internal const uint UnknownUid = uint.MaxValue;

    private const int InitialCapacity = 1024;

    private readonly List<uint> _scratchGids = new(64);
    private int[] _pids = new int[InitialCapacity];
    private ulong[] _inodes = new ulong[InitialCapacity];
    private long[] _firstSeen = new long[InitialCapacity];
    private uint[] _owners = new uint[InitialCapacity];
    private uint[] _euids = new uint[InitialCapacity];
    private long[] _scanned = new long[InitialCapacity];
    private int[] _nextPids = new int[InitialCapacity];
    private ulong[] _nextInodes = new ulong[InitialCapacity];
    private long[] _nextFirstSeen = new long[InitialCapacity];
    private uint[] _nextOwners = new uint[InitialCapacity];
    private uint[] _nextEuids = new uint[InitialCapacity];
    private int _count;
    private bool _listed;
    private long _listedAt = long.MinValue;

    /// <summary>Processes in the last listing.</summary>
    public int Count => _count;

    /// <summary>The pid of entry <paramref name="i"/> (ascending).</summary>
    /// <param name="i">The entry.</param>
    /// <returns>The pid.</returns>
    public int Pid(int i) => _pids[i];

    /// <summary>When entry <paramref name="i"/> was first listed; <see cref="long.MinValue"/> for the first listing's.</summary>
    /// <param name="i">The entry.</param>
    /// <returns>A stopwatch timestamp.</returns>
    public long FirstSeen(int i) => _firstSeen[i];

    /// <summary>Whether entry <paramref name="i"/> was not in the listing before the last (or had another inode).</summary>
    /// <param name="i">The entry.</param>
    /// <returns>True for a new process.</returns>
    public bool IsNew(int i) => _firstSeen[i] == _listedAt;

    /// <summary>
    /// Whether a socket of <paramref name="uid"/> may belong to entry <paramref name="i"/>: its directory is owned by
    /// that uid (its effective uid, when dumpable), or it is owned by root and its effective uid is that uid (a process
    /// that dropped root; its directory still shows root, so the sockets it made before dropping match too).
    /// </summary>
    /// <param name="i">The entry.</param>
    /// <param name="uid">The socket's uid.</param>
    /// <returns>True when the process is a candidate.</returns>
    public bool Matches(int i, uint uid) => _owners[i] == uid || _euids[i] == uid;

    /// <summary>Notes that entry <paramref name="i"/>'s descriptors were read since this listing.</summary>
    /// <param name="i">The entry.</param>
    public void MarkScanned(int i) => _scanned[i] = _listedAt;

    /// <summary>Whether entry <paramref name="i"/>'s descriptors were read since this listing.</summary>
    /// <param name="i">The entry.</param>
    /// <returns>True when read.</returns>
    public bool WasScanned(int i) => _scanned[i] == _listedAt;

    /// <summary>Reads the owner of entry <paramref name="i"/> again (a young process may still be dropping root).</summary>
    /// <param name="proc">The /proc reader.</param>
    /// <param name="i">The entry.</param>
    public void RefreshOwner(ProcFs proc, int i) => ReadOwner(proc, _pids[i], out _owners[i], out _euids[i]);

    /// <summary>
    /// Lists /proc again. The first listing's processes count as old: whatever they held is indexed by the full scan
    /// that made it, and treating them all as young would make the next incremental scans as costly as full ones.
    /// </summary>
    /// <param name="proc">The /proc reader.</param>
    /// <param name="now">The stopwatch timestamp of this listing.</param>
    /// <param name="rereadOwners">Read the owner of every process, not only of new ones (full scans).</param>
    /// <returns>The number of processes listed.</returns>
    public int Refresh(ProcFs proc, long now, bool rereadOwners)
    {
        // Distinct timestamps per listing keep IsNew and WasScanned exact even for two listings within one tick.
        now = Math.Max(now, _listedAt + 1);
        var count = proc.ListProcesses(ref _nextPids, ref _nextInodes);
        if (_nextFirstSeen.Length < _nextPids.Length)
        {
            // Only when the host has more processes than ever before.
            _nextFirstSeen = new long[_nextPids.Length];
            _nextOwners = new uint[_nextPids.Length];
            _nextEuids = new uint[_nextPids.Length];
        }

        var previous = 0;
        for (var i = 0; i < count; i++)
        {
            var pid = _nextPids[i];
            while (previous < _count && _pids[previous] < pid)
            {
                previous++;
            }

            var known = previous < _count && _pids[previous] == pid && _inodes[previous] == _nextInodes[i];
            _nextFirstSeen[i] = known ? _firstSeen[previous] : _listed ? now : long.MinValue;
            if (known && !rereadOwners)
            {
                _nextOwners[i] = _owners[previous];
                _nextEuids[i] = _euids[previous];
            }
            else
            {
                ReadOwner(proc, pid, out _nextOwners[i], out _nextEuids[i]);
            }
        }

        (_pids, _nextPids) = (_nextPids, _pids);
        (_inodes, _nextInodes) = (_nextInodes, _inodes);
        (_firstSeen, _nextFirstSeen) = (_nextFirstSeen, _firstSeen);
        (_owners, _nextOwners) = (_nextOwners, _owners);
        (_euids, _nextEuids) = (_nextEuids, _euids);
        if (_scanned.Length < _pids.Length)
        {
            _scanned = new long[_pids.Length];
        }

        _count = count;
        _listed = true;
        _listedAt = now;
        return count;
    }

    private void ReadOwner(ProcFs proc, int pid, out uint owner, out uint euid)
    {
        if (!proc.TryReadOwner(pid, out owner))
        {
            owner = euid = UnknownUid;
            return;
        }

        // Only a root-owned directory can hide another effective uid; a status read costs ~10 statx.
        euid = owner;
        if (owner == 0 && !proc.TryReadIds(pid, out euid, _scratchGids))
        {
            euid = UnknownUid;
        }
    }
}
