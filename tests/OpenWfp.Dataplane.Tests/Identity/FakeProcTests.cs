using System.Text;
using OpenWfp.Dataplane.Identity;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Dataplane.Tests.Identity;

/// <summary>Steps 2 and 3 (inode → pid → identity) over a fake /proc tree: parsing, " (deleted)", pid reuse, vanishing files.</summary>
public sealed class FakeProcTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("owfp-fakeproc-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void SocketOfAProcessGivesItsExecutableWithoutDeletedAndItsEffectiveIds()
    {
        AddProcess(1234, startTime: 5555, exe: "/opt/app/bin (deleted)", uid: "1000\t1001\t1000\t1001", gid: "100\t200\t100\t200", groups: "200 27 1001 ",
            fds: [("0", "/dev/null"), ("3", "socket:[777]"), ("4", "pipe:[9]"), ("5", "anon_inode:[eventfd]")]);
        AddProcess(99, startTime: 1, exe: "/usr/sbin/other", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("7", "socket:[888]")]);
        File.CreateSymbolicLink(Path.Combine(_root, "self"), "99");

        using var source = new ProcessIdentitySource(new ProcessIdentityOptions { ProcRoot = _root });
        Assert.True(source.TryResolveInode(777, 0, out var identity));
        Assert.Equal(1234UL, identity.ProcessId);
        Assert.Equal(AppId.ValueFromPath("/opt/app/bin"), identity.AppId);
        // Effective uid 1001; effective gid 200 first, then the supplementary groups without the repeat.
        Assert.Equal(FwpToken.ForUnixIdentity(1001, [200, 27, 1001]), identity.Token);
        Assert.Equal("S-1-22-1-1001", identity.Token!.User.ToString());

        // The full scan indexed every process's sockets: the other one is found without another scan.
        Assert.True(source.TryResolveInode(888, 0, out var other));
        Assert.Equal(99UL, other.ProcessId);
        Assert.Equal(FwpToken.ForUnixIdentity(0, [0]), other.Token);
        Assert.Equal(1, source.FullScans);
        Assert.False(source.TryResolveInode(9, 0, out _));
    }

    [Fact]
    public void ReusedPidIsNotTakenForThePreviousProcess()
    {
        AddProcess(500, startTime: 100, exe: "/usr/bin/first", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[1]")]);
        var options = new ProcessIdentityOptions { ProcRoot = _root, ProcessCacheLifetime = TimeSpan.Zero, FullScanInterval = TimeSpan.Zero };
        using var source = new ProcessIdentitySource(options);
        Assert.True(source.TryResolveInode(1, 0, out var first));
        Assert.Equal(AppId.ValueFromPath("/usr/bin/first"), first.AppId);

        // Pid 500 exits and a new process gets the number: new start time, executable, ids and socket.
        Directory.Delete(Path.Combine(_root, "500"), recursive: true);
        AddProcess(500, startTime: 200, exe: "/usr/bin/second", uid: "7\t7\t7\t7", gid: "7\t7\t7\t7", groups: "", fds: [("3", "socket:[2]")]);

        // The index still says "socket 1 → pid 500 started at 100": that process is gone, so no identity, and the
        // newcomer is not blamed for a socket it does not hold.
        Assert.False(source.TryResolveInode(1, 0, out _));
        Assert.True(source.TryResolveInode(2, 0, out var second));
        Assert.Equal(500UL, second.ProcessId);
        Assert.Equal(AppId.ValueFromPath("/usr/bin/second"), second.AppId);
        Assert.Equal(FwpToken.ForUnixIdentity(7, [7]), second.Token);
    }

    [Fact]
    public void ProcessesNewSinceTheLastListingAreFoundWithoutAFullScan()
    {
        AddProcess(1, startTime: 1, exe: "/sbin/init", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[10]")]);
        var options = new ProcessIdentityOptions { ProcRoot = _root, FullScanInterval = TimeSpan.FromHours(1), YoungProcessWindow = TimeSpan.FromHours(1) };
        using var source = new ProcessIdentitySource(options);
        Assert.True(source.TryResolveInode(10, 0, out _));
        Assert.Equal(1, source.FullScans);

        // Started after the full scan, inside its rate limit: found by listing /proc and reading the newcomer only.
        AddProcess(500, startTime: 100, exe: "/usr/bin/first", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[1]"), ("4", "socket:[3]")]);
        Assert.True(source.TryResolveInode(1, 0, out var first));
        Assert.Equal(AppId.ValueFromPath("/usr/bin/first"), first.AppId);
        Assert.Equal(1, source.IncrementalScans);
        Assert.True(source.Owners.Index.TryGet(3, out var other));
        Assert.Equal(new SocketOwner(500, 100), other);

        // The pid is reused at once (the directory may even get its old inode number back): still young, so read
        // again, and the socket is recorded with the newcomer's start time.
        Directory.Delete(Path.Combine(_root, "500"), recursive: true);
        AddProcess(500, startTime: 200, exe: "/usr/bin/second", uid: "7\t7\t7\t7", gid: "7\t7\t7\t7", groups: "", fds: [("3", "socket:[2]")]);
        Assert.True(source.TryResolveInode(2, 0, out var second));
        Assert.Equal(500UL, second.ProcessId);
        Assert.Equal(AppId.ValueFromPath("/usr/bin/second"), second.AppId);
        Assert.Equal(FwpToken.ForUnixIdentity(7, [7]), second.Token);

        // The earlier holder's socket is not blamed on the newcomer.
        Assert.False(source.TryResolveInode(1, 0, out _));
        Assert.Equal(1, source.FullScans);
    }

    [Fact]
    public void OldProcessesAreReadAgainForASocketOfTheirUidOnly()
    {
        Assert.SkipWhen(!Environment.IsPrivilegedProcess, "needs root to give the fake process directories other owners");
        AddProcess(1, startTime: 1, exe: "/sbin/init", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[10]")]);
        AddProcess(600, startTime: 5, exe: "/usr/bin/user-app", uid: "1000\t1000\t1000\t1000", gid: "100\t100\t100\t100", groups: "", fds: []);
        AddProcess(700, startTime: 6, exe: "/usr/sbin/dropped", uid: "0\t33\t0\t33", gid: "33\t33\t33\t33", groups: "", fds: []);
        AddProcess(800, startTime: 7, exe: "/usr/sbin/rootd", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: []);

        // A dumpable process's directory is owned by its effective uid; one that dropped root itself stays root's.
        Chown(Path.Combine(_root, "600"), 1000);
        var options = new ProcessIdentityOptions { ProcRoot = _root, FullScanInterval = TimeSpan.FromHours(1), YoungProcessWindow = TimeSpan.Zero };
        using var source = new ProcessIdentitySource(options);
        Assert.True(source.TryResolveInode(10, 0, out _));
        Assert.Equal(1, source.FullScans);

        // All three were listed by that full scan: old, and none is recent. The uid-1000 one opens a socket.
        File.CreateSymbolicLink(Path.Combine(_root, "600", "fd", "3"), "socket:[60]");

        // A socket of uid 0 does not read the uid-1000 process; a socket of an uid nobody runs as reads nothing.
        Assert.False(source.TryResolveInode(60, 0, out _));
        Assert.False(source.TryResolveInode(60, 4321, out _));
        Assert.False(source.Owners.Index.TryGet(60, out _));
        Assert.True(source.TryResolveInode(60, 1000, out var user));
        Assert.Equal(600UL, user.ProcessId);
        Assert.Equal(AppId.ValueFromPath("/usr/bin/user-app"), user.AppId);
        Assert.Equal(new SocketOwner(600, 5), source.Owners.Index.TryGet(60, out var owner) ? owner : default);

        // Root-owned directory, effective uid 33 in its status: found for uid 33 (its directory also matches root).
        File.CreateSymbolicLink(Path.Combine(_root, "700", "fd", "3"), "socket:[70]");
        File.CreateSymbolicLink(Path.Combine(_root, "800", "fd", "3"), "socket:[80]");
        Assert.True(source.TryResolveInode(70, 33, out var dropped));
        Assert.Equal(700UL, dropped.ProcessId);
        Assert.Equal(FwpToken.ForUnixIdentity(33, [33]), dropped.Token);
        Assert.True(source.TryResolveInode(80, 0, out var root));
        Assert.Equal(800UL, root.ProcessId);
        Assert.Equal(1, source.FullScans);
        Assert.Equal(5, source.SameUserScans);
    }

    [Fact]
    public void OwnerOfAProcessDirectoryIsReadWithStatx()
    {
        Assert.SkipWhen(!Environment.IsPrivilegedProcess, "needs root to give the fake process directory another owner");
        AddProcess(321, startTime: 1, exe: "/bin/x", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: []);
        Chown(Path.Combine(_root, "321"), 54321);
        using var proc = ProcFs.Open(_root);
        Assert.True(proc.TryReadOwner(321, out var uid));
        Assert.Equal(54321u, uid);
        Assert.False(proc.TryReadOwner(322, out _));

        // The real /proc: this process runs as root, and dumpable, so its directory is root's.
        using var real = ProcFs.Open("/proc");
        Assert.True(real.TryReadOwner(Environment.ProcessId, out uid));
        Assert.Equal(0u, uid);
    }

    [Fact]
    public void ListingGivesAscendingPidsWithTheirDirectoryInodes()
    {
        foreach (var pid in (int[])[300, 7, 41])
        {
            AddProcess(pid, startTime: 1, exe: "/bin/x", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: []);
        }

        Directory.CreateDirectory(Path.Combine(_root, "sys"));
        File.CreateSymbolicLink(Path.Combine(_root, "self"), "7");
        using var proc = ProcFs.Open(_root);
        var pids = new int[2];
        var inodes = new ulong[2];
        var count = proc.ListProcesses(ref pids, ref inodes);
        Assert.Equal([7, 41, 300], pids[..count]);
        Assert.Equal(3, inodes[..count].Where(i => i != 0).Distinct().Count());

        // The real /proc: this process is listed, and a listing again gives its directory the same inode.
        using var real = ProcFs.Open("/proc");
        count = real.ListProcesses(ref pids, ref inodes);
        var self = Array.IndexOf(pids, Environment.ProcessId, 0, count);
        Assert.True(self >= 0);
        Assert.True(pids.AsSpan(0, count).SequenceEqual(pids[..count].Order().ToArray()));
        var inode = inodes[self];
        count = real.ListProcesses(ref pids, ref inodes);
        Assert.Equal(inode, inodes[Array.IndexOf(pids, Environment.ProcessId, 0, count)]);
    }

    [Fact]
    public void ExpiredEntryIsRebuiltWhenTheProcessChangedItsIds()
    {
        AddProcess(600, startTime: 5, exe: "/usr/bin/daemon", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[60]")]);
        using var source = new ProcessIdentitySource(new ProcessIdentityOptions { ProcRoot = _root, ProcessCacheLifetime = TimeSpan.Zero });
        Assert.True(source.TryResolveInode(60, 0, out var before));
        Assert.Equal(FwpToken.ForUnixIdentity(0, [0]), before.Token);

        // Same process (same start time) after setuid(33): the next lookup past the lifetime sees the new ids.
        File.WriteAllText(Path.Combine(_root, "600", "status"), "Uid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\nGroups:\t\n");
        Assert.True(source.TryResolveInode(60, 0, out var after));
        Assert.Equal(FwpToken.ForUnixIdentity(33, [33]), after.Token);
        Assert.Equal(before.AppId, after.AppId);
    }

    [Fact]
    public void ProcessWhoseFilesVanishIsNotFoundAndNothingThrows()
    {
        AddProcess(42, startTime: 9, exe: "/bin/gone", uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[4242]")]);
        File.Delete(Path.Combine(_root, "42", "status"));
        using var source = new ProcessIdentitySource(new ProcessIdentityOptions { ProcRoot = _root });
        Assert.False(source.TryResolveInode(4242, 0, out var identity));
        Assert.Equal(default, identity);

        // No exe link (a kernel thread, or an exited process): not found either.
        AddProcess(43, startTime: 9, exe: null, uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", groups: "", fds: [("3", "socket:[4343]")]);
        Assert.Null(source.Processes.Load(43));
        Assert.Null(source.Processes.Load(44));
    }

    [Fact]
    public void StatStartTimeIsField22AfterAParenthesizedName()
    {
        var stat = "77 (we(ir) d) name) S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654321 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        Assert.True(ProcParsers.TryParseStartTime(Encoding.ASCII.GetBytes(stat), out var start));
        Assert.Equal(987654321UL, start);
        Assert.False(ProcParsers.TryParseStartTime("77 (x) S 1 2"u8, out _));
        Assert.False(ProcParsers.TryParseStartTime("no parenthesis"u8, out _));
    }

    [Fact]
    public void StatusGivesEffectiveIdsAndGroups()
    {
        var gids = new List<uint>();
        var status = "Name:\tx\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nFDSize:\t64\nGroups:\t6 9 10\nNgid:\t0\n"u8;
        Assert.True(ProcParsers.TryParseStatus(status, out var uid, gids));
        Assert.Equal(2u, uid);
        Assert.Equal([6u, 9u, 10u], gids);

        Assert.True(ProcParsers.TryParseStatus("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"u8, out uid, gids));
        Assert.Equal([0u], gids);
        Assert.False(ProcParsers.TryParseStatus("Uid:\t0\t0\t0\t0\n"u8, out _, gids));
        Assert.False(ProcParsers.TryParseStatus("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\tx\n"u8, out _, gids));
    }

    [Fact]
    public void OnlySocketLinksCarryAnInode()
    {
        Assert.True(ProcParsers.TryParseSocketLink("socket:[4294967295]"u8, out var inode));
        Assert.Equal(4294967295UL, inode);
        Assert.False(ProcParsers.TryParseSocketLink("socket:[]"u8, out _));
        Assert.False(ProcParsers.TryParseSocketLink("pipe:[12]"u8, out _));
        Assert.False(ProcParsers.TryParseSocketLink("socket:[12"u8, out _));
        Assert.Equal("/a b/c", ProcParsers.ExePath("/a b/c (deleted)"u8));
        Assert.Equal("/a/c", ProcParsers.ExePath("/a/c"u8));
    }

    [Fact]
    public void DirentLayoutMatchesLinuxDirent64()
    {
        // linux/dirent.h: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
        Assert.Equal(0, ProcFs.DirentInodeOffset);
        Assert.Equal(16, ProcFs.DirentRecLenOffset);
        Assert.Equal(19, ProcFs.DirentNameOffset);
        Assert.Equal(0x80000, ProcFs.OpenReadOnlyCloexec);

        // linux/fcntl.h, linux/stat.h: struct statx starts u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink, u32 stx_uid.
        Assert.Equal(0x100, ProcFs.AtSymlinkNoFollow);
        Assert.Equal(0x8u, ProcFs.StatxUid);
        Assert.Equal(20, ProcFs.StatxUidOffset);
        Assert.Equal(256, ProcFs.StatxSize);
        Assert.Equal(" (deleted)", ProcParsers.DeletedSuffix);
    }

    private static void Chown(string path, int uid)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [uid.ToString(System.Globalization.CultureInfo.InvariantCulture), path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    private void AddProcess(int pid, ulong startTime, string? exe, string uid, string gid, string groups, (string Fd, string Target)[] fds)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
        var fields = Enumerable.Range(3, 50).Select(i => i == 22 ? startTime.ToString(System.Globalization.CultureInfo.InvariantCulture) : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(dir, "stat"), $"{pid} (fake {pid}) {string.Join(' ', fields)}\n");
        File.WriteAllText(Path.Combine(dir, "status"), $"Name:\tfake\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nUid:\t{uid}\nGid:\t{gid}\nFDSize:\t64\nGroups:\t{groups}\n");
        if (exe is not null)
        {
            File.CreateSymbolicLink(Path.Combine(dir, "exe"), exe);
        }

        var fd = Directory.CreateDirectory(Path.Combine(dir, "fd")).FullName;
        foreach (var (name, target) in fds)
        {
            File.CreateSymbolicLink(Path.Combine(fd, name), target);
        }
    }
}
