using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OpenWfp.Dataplane.Identity;

/// <summary>
/// Reads a /proc tree (or a fake one in tests) with openat(2), getdents64(2) and readlinkat(2) into buffers owned by
/// this object, so the warm lookup path allocates nothing. Every path is relative to a descriptor of the root, so the
/// root is resolved once. Any failure (a process exiting mid-read, permission) is a false/-1 result, never an
/// exception. Not thread-safe: one instance per <see cref="ProcessIdentitySource"/>.
/// </summary>
internal sealed unsafe partial class ProcFs : IDisposable
{
    /// <summary><c>O_RDONLY | O_CLOEXEC</c> (asm-generic/fcntl.h: 0 and 02000000, the same on x86-64 and arm64).</summary>
    internal const int OpenReadOnlyCloexec = 0x80000;

    /// <summary>Offset of <c>d_ino</c> in <c>struct linux_dirent64</c> (linux/dirent.h).</summary>
    internal const int DirentInodeOffset = 0;

    /// <summary>Offset of <c>d_reclen</c> in <c>struct linux_dirent64</c> (linux/dirent.h: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]).</summary>
    internal const int DirentRecLenOffset = 16;

    /// <summary>Offset of <c>d_name</c> in <c>struct linux_dirent64</c> (linux/dirent.h).</summary>
    internal const int DirentNameOffset = 19;

    /// <summary><c>AT_SYMLINK_NOFOLLOW</c> (linux/fcntl.h).</summary>
    internal const int AtSymlinkNoFollow = 0x100;

    /// <summary><c>STATX_UID</c> (linux/stat.h): the only field asked for.</summary>
    internal const uint StatxUid = 0x8;

    /// <summary>Offset of <c>stx_uid</c> in <c>struct statx</c> (linux/stat.h: u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink, u32 stx_uid).</summary>
    internal const int StatxUidOffset = 20;

    /// <summary>Size of <c>struct statx</c> (linux/stat.h: 0x100 bytes, padded for future fields).</summary>
    internal const int StatxSize = 0x100;

    private const int SeekSet = 0; // SEEK_SET, linux/fs.h

    private readonly SafeFileHandle _root;
    private readonly byte[] _name = new byte[64];
    private readonly byte[] _rootEntries = new byte[32 * 1024];
    private readonly byte[] _fdEntries = new byte[32 * 1024];
    private readonly byte[] _link = new byte[64];
    private readonly byte[] _file = new byte[16 * 1024];
    private readonly byte[] _statx = new byte[StatxSize];

    private ProcFs(SafeFileHandle root) => _root = root;

    /// <summary>Opens the root of a /proc tree.</summary>
    /// <param name="root">The directory, normally "/proc".</param>
    /// <returns>The reader.</returns>
    /// <exception cref="IOException">The root cannot be opened.</exception>
    public static ProcFs Open(string root)
    {
        var fd = Native.OpenPath(root, OpenReadOnlyCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open the proc root {root}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        return new ProcFs(new SafeFileHandle(fd, ownsHandle: true));
    }

    private int Root => (int)_root.DangerousGetHandle();

    /// <summary>Opens <c>&lt;pid&gt;/fd</c>; the descriptor keeps naming that very process even if its pid is reused.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The directory descriptor (owned by the caller), or null when the process is gone or unreadable.</returns>
    public SafeFileHandle? OpenFdDirectory(int pid)
    {
        var fd = OpenRelative(pid, "/fd"u8);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Reads every entry of an open <c>&lt;pid&gt;/fd</c> directory from its start and records each socket inode it links
    /// to in <paramref name="index"/>.
    /// </summary>
    /// <param name="directory">A descriptor from <see cref="OpenFdDirectory"/>.</param>
    /// <param name="owner">The process it belongs to (the value stored in the index).</param>
    /// <param name="target">The inode wanted.</param>
    /// <param name="stopAtTarget">Return as soon as <paramref name="target"/> is seen (the rest stays unindexed).</param>
    /// <param name="index">Socket inode → pid.</param>
    /// <param name="found">Whether <paramref name="target"/> was seen.</param>
    /// <returns>False when the directory could not be read (the process exited).</returns>
    public bool ScanFds(SafeFileHandle directory, SocketOwner owner, ulong target, bool stopAtTarget, SocketIndex index, out bool found)
        => ScanFds((int)directory.DangerousGetHandle(), ref owner, readStartTime: false, target, stopAtTarget, index, out found);

    /// <summary>
    /// Lists the process directories of the root: each pid with the inode number its directory entry carries. procfs
    /// gives a process's directory a new inode when the process is new (fs/proc/base.c: proc_fill_cache reports the
    /// inode of the pid's dentry, created for the task and dropped when it is reaped), so a pid listed again with the
    /// same inode is, barring a dentry evicted and rebuilt (a harmless extra scan), the same process.
    /// </summary>
    /// <param name="pids">Filled with the pids in ascending order; replaced by a larger array when too small.</param>
    /// <param name="inodes">The directory inode of each pid; grown with <paramref name="pids"/>.</param>
    /// <returns>The number of processes listed (0 when the root cannot be read).</returns>
    public int ListProcesses(ref int[] pids, ref ulong[] inodes)
    {
        var count = 0;
        var sorted = true;
        if (Native.LSeek(Root, 0, SeekSet) < 0)
        {
            return 0;
        }

        fixed (byte* entries = _rootEntries)
        {
            while (true)
            {
                var length = (int)Native.GetDents64(Root, entries, (nuint)_rootEntries.Length);
                if (length <= 0)
                {
                    break;
                }

                for (var offset = 0; offset < length;)
                {
                    var entry = new ReadOnlySpan<byte>(entries + offset, length - offset);
                    offset += Read16(entry[DirentRecLenOffset..]);
                    if (!TryParsePid(NameOf(entry), out var pid))
                    {
                        continue;
                    }

                    if (count == pids.Length)
                    {
                        // Only when the host has more processes than ever before: amortised, not per lookup.
                        Array.Resize(ref pids, pids.Length * 2);
                        Array.Resize(ref inodes, pids.Length);
                    }

                    sorted &= count == 0 || pids[count - 1] < pid;
                    pids[count] = pid;
                    inodes[count] = MemoryMarshal.Read<ulong>(entry[DirentInodeOffset..]);
                    count++;
                }
            }
        }

        if (!sorted)
        {
            // procfs lists pids in ascending order; other trees (tests) need sorting.
            Array.Sort(pids, inodes, 0, count);
        }

        return count;
    }

    /// <summary>Records every socket inode a process holds, through its fd directory.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="readStartTime">
    /// Read the start time when the first socket is met and store it with the sockets: the directory descriptor names
    /// the process that held the pid when it was opened, so a start time read while that directory still lists entries
    /// is that process's. Most processes hold no socket, so most scans read no stat file. Without it the sockets are
    /// stored with start time 0 (cheaper, for full scans).
    /// </param>
    /// <param name="target">The inode wanted.</param>
    /// <param name="index">Socket inode → owner.</param>
    /// <param name="found">Whether <paramref name="target"/> was seen.</param>
    /// <param name="startTime">The start time stored (0 when not read: no socket met, or not asked for).</param>
    /// <returns>False when the process is gone or unreadable.</returns>
    public bool ScanProcess(int pid, bool readStartTime, ulong target, SocketIndex index, out bool found, out ulong startTime)
    {
        found = false;
        startTime = 0;
        var fd = OpenRelative(pid, "/fd"u8);
        if (fd < 0)
        {
            return false;
        }

        var owner = new SocketOwner(pid, 0);
        var ok = ScanFds(fd, ref owner, readStartTime, target, stopAtTarget: false, index, out found);
        Native.Close(fd);
        startTime = owner.StartTime;
        return ok;
    }

    /// <summary>Reads field 22 (starttime, clock ticks after boot) of <c>&lt;pid&gt;/stat</c>.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="startTime">The start time.</param>
    /// <returns>False when the process is gone or the file is malformed.</returns>
    public bool TryReadStartTime(int pid, out ulong startTime)
    {
        startTime = 0;
        var length = ReadFile(pid, "/stat"u8);
        return length > 0 && ProcParsers.TryParseStartTime(_file.AsSpan(0, length), out startTime);
    }

    /// <summary>Reads the effective uid, effective gid and supplementary groups of <c>&lt;pid&gt;/status</c>.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="uid">The effective uid.</param>
    /// <param name="gids">Cleared, then the effective gid followed by the supplementary groups.</param>
    /// <returns>False when the process is gone or the file is malformed.</returns>
    public bool TryReadIds(int pid, out uint uid, List<uint> gids)
    {
        uid = 0;
        var length = ReadFile(pid, "/status"u8);
        return length > 0 && ProcParsers.TryParseStatus(_file.AsSpan(0, length), out uid, gids);
    }

    /// <summary>
    /// The owner of the directory <c>&lt;pid&gt;</c>: one statx(2), no file read. procfs makes it the process's effective
    /// uid, or root when the process is not dumpable (fs/proc/base.c: task_dump_owner), which is the case after it
    /// changed its ids itself (a daemon that dropped root), and for kernel threads.
    /// </summary>
    /// <param name="pid">The process id.</param>
    /// <param name="uid">The owner's uid.</param>
    /// <returns>False when the process is gone.</returns>
    public bool TryReadOwner(int pid, out uint uid)
    {
        uid = 0;
        if (WriteName(pid, default) < 0)
        {
            return false;
        }

        fixed (byte* name = _name)
        fixed (byte* buffer = _statx)
        {
            if (Native.Statx(Root, name, AtSymlinkNoFollow, StatxUid, buffer) != 0)
            {
                return false;
            }
        }

        uid = MemoryMarshal.Read<uint>(_statx.AsSpan(StatxUidOffset));
        return true;
    }

    /// <summary>Reads the target of <c>&lt;pid&gt;/exe</c> into an internal buffer.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The raw link bytes (valid until the next call), or empty when the process is gone or has no executable.</returns>
    public ReadOnlySpan<byte> ReadExeLink(int pid)
    {
        var length = WriteName(pid, "/exe"u8);
        if (length < 0)
        {
            return default;
        }

        fixed (byte* name = _name)
        fixed (byte* buffer = _file)
        {
            var read = (int)Native.ReadLinkAt(Root, name, buffer, (nuint)_file.Length);
            return read <= 0 || read == _file.Length ? default : _file.AsSpan(0, read);
        }
    }

    /// <summary>Closes the root.</summary>
    public void Dispose() => _root.Dispose();

    private bool ScanFds(int directory, ref SocketOwner owner, bool readStartTime, ulong target, bool stopAtTarget, SocketIndex index, out bool found)
    {
        found = false;
        if (Native.LSeek(directory, 0, SeekSet) < 0)
        {
            return false;
        }

        fixed (byte* entries = _fdEntries)
        fixed (byte* link = _link)
        {
            while (true)
            {
                var length = (int)Native.GetDents64(directory, entries, (nuint)_fdEntries.Length);
                if (length == 0)
                {
                    return true;
                }

                if (length < 0)
                {
                    return false;
                }

                for (var offset = 0; offset < length;)
                {
                    var start = offset;
                    var entry = new ReadOnlySpan<byte>(entries + offset, length - offset);
                    offset += Read16(entry[DirentRecLenOffset..]);
                    if (entry[DirentNameOffset] == (byte)'.')
                    {
                        continue;
                    }

                    var name = entries + start + DirentNameOffset;
                    var read = (int)Native.ReadLinkAt(directory, name, link, (nuint)_link.Length);
                    if (read <= 0 || !ProcParsers.TryParseSocketLink(new ReadOnlySpan<byte>(link, read), out var inode))
                    {
                        continue;
                    }

                    if (readStartTime)
                    {
                        // The link read again through the directory proves its process outlived the stat read: had
                        // it exited, and its pid gone to a newcomer, the stat would be the newcomer's but the link
                        // would no longer resolve (the descriptor names the old process).
                        if (!TryReadStartTime(owner.Pid, out var startTime)
                            || (int)Native.ReadLinkAt(directory, name, link, (nuint)_link.Length) != read)
                        {
                            return false;
                        }

                        owner = owner with { StartTime = startTime };
                        readStartTime = false;
                    }

                    index.Add(inode, owner);
                    if (inode == target)
                    {
                        found = true;
                        if (stopAtTarget)
                        {
                            return true;
                        }
                    }
                }
            }
        }
    }

    private int OpenRelative(int pid, ReadOnlySpan<byte> suffix)
    {
        if (WriteName(pid, suffix) < 0)
        {
            return -1;
        }

        fixed (byte* name = _name)
        {
            return Native.OpenAt(Root, name, OpenReadOnlyCloexec);
        }
    }

    private int ReadFile(int pid, ReadOnlySpan<byte> suffix)
    {
        var fd = OpenRelative(pid, suffix);
        if (fd < 0)
        {
            return -1;
        }

        var total = 0;
        fixed (byte* buffer = _file)
        {
            while (total < _file.Length)
            {
                var read = (int)Native.Read(fd, buffer + total, (nuint)(_file.Length - total));
                if (read < 0)
                {
                    if (Marshal.GetLastPInvokeError() == OpenWfp.Netlink.Errno.EINTR)
                    {
                        continue;
                    }

                    total = -1;
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }

        Native.Close(fd);
        return total;
    }

    /// <summary>Writes "&lt;pid&gt;&lt;suffix&gt;\0" into <see cref="_name"/>.</summary>
    private int WriteName(int pid, ReadOnlySpan<byte> suffix)
    {
        if (pid <= 0 || !pid.TryFormat(_name, out var digits, default, System.Globalization.CultureInfo.InvariantCulture)
            || digits + suffix.Length + 1 > _name.Length)
        {
            return -1;
        }

        suffix.CopyTo(_name.AsSpan(digits));
        _name[digits + suffix.Length] = 0;
        return digits + suffix.Length;
    }

    private static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> entry)
    {
        var name = entry[DirentNameOffset..];
        var end = name.IndexOf((byte)0);
        return end < 0 ? name : name[..end];
    }

    private static bool TryParsePid(ReadOnlySpan<byte> name, out int pid)
    {
        pid = 0;
        if (name.IsEmpty || name.Length > 10)
        {
            return false;
        }

        long value = 0;
        foreach (var b in name)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = value * 10 + (b - '0');
        }

        if (value is 0 or > int.MaxValue)
        {
            return false;
        }

        pid = (int)value;
        return true;
    }

    private static int Read16(ReadOnlySpan<byte> source) => MemoryMarshal.Read<ushort>(source);

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int OpenPath(string path, int flags);

        [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
        public static partial int OpenAt(int directory, byte* path, int flags);

        [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
        public static partial nint Read(int fd, byte* buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
        public static partial nint ReadLinkAt(int directory, byte* path, byte* buffer, nuint size);

        [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
        public static partial nint GetDents64(int fd, byte* buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
        public static partial long LSeek(int fd, long offset, int whence);

        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static partial int Statx(int directory, byte* path, int flags, uint mask, byte* buffer);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);
    }
}
