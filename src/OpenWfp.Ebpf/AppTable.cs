using System.Runtime.InteropServices;
using OpenWfp.Ebpf.Native;

namespace OpenWfp.Ebpf;

/// <summary>An executable the forms' APP intervals name: its (device, inode), its application id blob and its app number.</summary>
/// <param name="Device">st_dev in the kernel's encoding (major &lt;&lt; 20 | minor).</param>
/// <param name="Inode">st_ino.</param>
/// <param name="Number">The app number the rules use (1 or more).</param>
/// <param name="Blob">The ALE_APP_ID blob (for net events), or null.</param>
public readonly record struct KernelApp(uint Device, ulong Inode, uint Number, byte[]? Blob);

/// <summary>openwfp_apps: (device, inode) → app number, kept equal to the apps of the forms in force.</summary>
internal sealed unsafe class AppTable(int fd)
{
    private readonly Dictionary<(uint, ulong), uint> _current = [];

    /// <summary>Writes every entry of <paramref name="apps"/>; returns the entries in force that <paramref name="apps"/> lacks.</summary>
    public List<(uint Dev, ulong Ino)> Add(IReadOnlyList<KernelApp> apps)
    {
        var wanted = new HashSet<(uint, ulong)>();
        foreach (var a in apps)
        {
            wanted.Add((a.Device, a.Inode));
            if (_current.TryGetValue((a.Device, a.Inode), out var n) && n == a.Number)
            {
                continue;
            }

            var key = new Kf.ExecId { Dev = a.Device, Ino = a.Inode };
            var value = a.Number;
            if (Libbpf.MapUpdateElem(fd, &key, &value, Libbpf.BpfAny) != 0)
            {
                throw new EbpfException($"cannot write app {a.Number} ({a.Device}:{a.Inode}) into openwfp_apps: {LibC.Describe(Marshal.GetLastPInvokeError())}");
            }

            _current[(a.Device, a.Inode)] = a.Number;
        }

        return [.. _current.Keys.Where(k => !wanted.Contains(k))];
    }

    /// <summary>Deletes entries no form uses any more.</summary>
    public void Remove(List<(uint Dev, ulong Ino)> stale)
    {
        foreach (var (dev, ino) in stale)
        {
            var key = new Kf.ExecId { Dev = dev, Ino = ino };
            Libbpf.MapDeleteElem(fd, &key);
            _current.Remove((dev, ino));
        }
    }
}
