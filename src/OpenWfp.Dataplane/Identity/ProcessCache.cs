using System.Diagnostics;
using System.Text;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Dataplane.Identity;

/// <summary>What the data plane knows about one process: built once, reused for every flow of the process.</summary>
internal sealed class ProcessEntry
{
    public ProcessEntry(int pid, ulong startTime, byte[] exeLink, uint uid, uint[] gids, FwpToken token)
    {
        Pid = pid;
        StartTime = startTime;
        ExeLink = exeLink;
        ExePath = ProcParsers.ExePath(exeLink);
        AppId = Engine.Values.AppId.ValueFromPath(ExePath);
        Uid = uid;
        Gids = gids;
        Token = token;
    }

    public int Pid { get; }

    /// <summary>Field 22 of /proc/pid/stat: with the pid, names one process across pid reuse.</summary>
    public ulong StartTime { get; }

    /// <summary>The raw /proc/pid/exe target, compared on refresh without decoding.</summary>
    public byte[] ExeLink { get; }

    public string ExePath { get; }

    /// <summary>ALE_APP_ID, created once.</summary>
    public FwpValue AppId { get; }

    /// <summary>The effective uid.</summary>
    public uint Uid { get; }

    /// <summary>The effective gid, then the supplementary groups.</summary>
    public uint[] Gids { get; }

    /// <summary>ALE_USER_ID's token, created once (and shared by processes with the same ids).</summary>
    public FwpToken Token { get; }

    /// <summary>Stopwatch timestamp after which /proc is read again.</summary>
    public long ExpiresAt { get; set; }
}

/// <summary>
/// pid → <see cref="ProcessEntry"/> with a lifetime. An entry past its lifetime is checked against /proc again:
/// same start time, executable and ids → kept (no allocation); anything different → rebuilt; gone → dropped.
/// </summary>
internal sealed class ProcessCache
{
    private readonly ProcFs _proc;
    private readonly Dictionary<int, ProcessEntry> _entries = [];
    private readonly Dictionary<string, FwpToken> _tokens = new(StringComparer.Ordinal);
    private readonly List<uint> _scratchGids = new(64);
    private readonly long _lifetime;
    private readonly int _capacity;

    /// <summary>Creates the cache.</summary>
    /// <param name="proc">The /proc reader.</param>
    /// <param name="lifetime">How long an entry is trusted without reading /proc.</param>
    /// <param name="capacity">Most entries kept.</param>
    public ProcessCache(ProcFs proc, TimeSpan lifetime, int capacity)
    {
        _proc = proc;
        _lifetime = (long)(lifetime.TotalSeconds * Stopwatch.Frequency);
        _capacity = Math.Max(1, capacity);
    }

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Gets the entry of a live process.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="expectedStart">The start time the caller knows the process by, or 0 for "whichever lives now".</param>
    /// <param name="entry">The entry.</param>
    /// <param name="fresh">False when served without reading /proc.</param>
    /// <returns>False when the process is gone, is not the expected one, or cannot be read.</returns>
    public bool TryGet(int pid, ulong expectedStart, out ProcessEntry entry, out bool fresh)
    {
        fresh = false;
        var now = Stopwatch.GetTimestamp();
        if (_entries.TryGetValue(pid, out entry!))
        {
            if (now < entry.ExpiresAt && (expectedStart == 0 || expectedStart == entry.StartTime))
            {
                return true;
            }

            fresh = true;
            if (Revalidate(entry, now))
            {
                if (expectedStart == 0 || expectedStart == entry.StartTime)
                {
                    return true;
                }

                entry = null!;
                return false;
            }

            _entries.Remove(pid);
        }

        fresh = true;
        entry = Load(pid)!;
        if (entry is null || (expectedStart != 0 && entry.StartTime != expectedStart))
        {
            entry = null!;
            return false;
        }

        entry.ExpiresAt = now + _lifetime;
        MakeRoom();
        _entries[pid] = entry;
        return true;
    }

    /// <summary>Makes every entry read /proc on its next use (after a full scan, which may have met reused pids).</summary>
    public void ExpireAll()
    {
        foreach (var entry in _entries.Values)
        {
            entry.ExpiresAt = 0;
        }
    }

    /// <summary>Reads a process from /proc; null when it exits (or is unreadable) at any point.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The entry, not yet cached.</returns>
    public ProcessEntry? Load(int pid)
    {
        if (!_proc.TryReadStartTime(pid, out var start))
        {
            return null;
        }

        var exe = _proc.ReadExeLink(pid);
        if (exe.IsEmpty)
        {
            return null;
        }

        var exeLink = exe.ToArray();
        if (!_proc.TryReadIds(pid, out var uid, _scratchGids))
        {
            return null;
        }

        // Read last, so a pid reused while the other files were read is noticed.
        if (!_proc.TryReadStartTime(pid, out var again) || again != start)
        {
            return null;
        }

        var gids = _scratchGids.ToArray();
        return new ProcessEntry(pid, start, exeLink, uid, gids, TokenFor(uid, gids));
    }

    /// <summary>The shared token of a uid and gid list.</summary>
    /// <param name="uid">The uid.</param>
    /// <param name="gids">The gids (primary first).</param>
    /// <returns>The token.</returns>
    public FwpToken TokenFor(uint uid, uint[] gids)
    {
        var key = new StringBuilder().Append(uid).Append(':').AppendJoin(',', gids).ToString();
        if (!_tokens.TryGetValue(key, out var token))
        {
            if (_tokens.Count >= _capacity)
            {
                _tokens.Clear();
            }

            token = FwpToken.ForUnixIdentity(uid, gids);
            _tokens[key] = token;
        }

        return token;
    }

    private bool Revalidate(ProcessEntry entry, long now)
    {
        if (!_proc.TryReadStartTime(entry.Pid, out var start) || start != entry.StartTime)
        {
            return false;
        }

        var exe = _proc.ReadExeLink(entry.Pid);
        if (exe.IsEmpty || !exe.SequenceEqual(entry.ExeLink)
            || !_proc.TryReadIds(entry.Pid, out var uid, _scratchGids)
            || uid != entry.Uid || !_scratchGids.AsSpan().SequenceEqual(entry.Gids))
        {
            // Same process, new executable (execve) or new ids (setuid): rebuilt by the caller.
            return false;
        }

        entry.ExpiresAt = now + _lifetime;
        return true;
    }

    private void MakeRoom()
    {
        if (_entries.Count < _capacity)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        foreach (var (pid, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.Remove(pid);
            }
        }

        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }
    }
}

file static class ListExtensions
{
    public static ReadOnlySpan<uint> AsSpan(this List<uint> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
}
