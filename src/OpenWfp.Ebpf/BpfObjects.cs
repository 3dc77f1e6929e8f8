using System.Runtime.InteropServices;
using OpenWfp.Ebpf.Native;

namespace OpenWfp.Ebpf;

/// <summary>
/// The data plane's BPF objects, loaded through libbpf: every bpf/*.bpf.o of the output (openwfp.bpf.o first; maps of
/// the same name in later objects are the first object's), attached to one cgroup and pinned under one bpffs directory.
/// </summary>
/// <remarks>
/// Pins: <c>map_NAME</c>, <c>prog_NAME</c>, <c>link_NAME</c>. Pinned links keep enforcing after this process dies. A
/// load that finds pinned maps reuses them (the forms in force stay in force), and one that finds a pinned cgroup link
/// swaps the new program into it with BPF_LINK_UPDATE, so the hook is never without a program.
/// </remarks>
internal sealed class BpfObjects : IDisposable
{
    /// <summary>The program that only tests run (BPF_PROG_TEST_RUN of kform_decide); never attached.</summary>
    public const string TestProgram = "openwfp_test_decide";

    private readonly List<nint> _objects = [];
    private readonly Dictionary<string, int> _maps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _programs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sections = new(StringComparer.Ordinal);
    private readonly List<(string Name, nint Link)> _links = [];
    private readonly string _pinDir;

    private BpfObjects(string pinDir) => _pinDir = pinDir;

    /// <summary>Whether the load found pinned links of an earlier run and took them over.</summary>
    public bool TookOver { get; private set; }

    /// <summary>The directory the objects are looked for in by default: bpf/ beside this assembly.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "bpf");

    /// <summary>The main object's file name.</summary>
    public const string MainObject = "openwfp.bpf.o";

    /// <summary>The loaded programs' names (those that are attached or test-run).</summary>
    public IEnumerable<string> Programs => _programs.Keys;

    /// <summary>Opens and loads the objects; nothing is attached or pinned yet.</summary>
    /// <param name="objectDir">Where the *.bpf.o files are.</param>
    /// <param name="pinDir">The bpffs directory whose pinned maps are reused (may not exist).</param>
    /// <param name="testProgram">Whether to load <see cref="TestProgram"/>.</param>
    /// <returns>The loaded objects.</returns>
    /// <exception cref="EbpfException">An object is missing, cannot be opened, or the kernel refused a program or map.</exception>
    public static BpfObjects Load(string objectDir, string pinDir, bool testProgram)
    {
        var main = Path.Combine(objectDir, MainObject);
        if (!File.Exists(main))
        {
            throw new EbpfException($"BPF objects not built: {main} is missing (install clang and libbpf-dev, then rebuild)");
        }

        var files = Directory.GetFiles(objectDir, "*.bpf.o").Order(StringComparer.Ordinal).ToList();
        files.Remove(main);
        files.Insert(0, main);
        var set = new BpfObjects(pinDir);
        try
        {
            foreach (var file in files)
            {
                set.LoadOne(file, testProgram);
            }

            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    private void LoadOne(string file, bool testProgram)
    {
        LibbpfLog.Begin();
        string log;
        try
        {
            var obj = Libbpf.ObjectOpenFile(file, 0);
            if (obj == 0)
            {
                throw new EbpfException($"cannot open BPF object {file}: {LibC.Describe(Marshal.GetLastPInvokeError())} {LastLine(LibbpfLog.End())}".TrimEnd());
            }

            _objects.Add(obj);
            for (var prog = Libbpf.ObjectNextProgram(obj, 0); prog != 0; prog = Libbpf.ObjectNextProgram(obj, prog))
            {
                if (Libbpf.Str(Libbpf.ProgramName(prog)) == TestProgram && !testProgram)
                {
                    Libbpf.ProgramSetAutoload(prog, false);
                }
            }

            var reused = new List<int>();
            try
            {
                for (var map = Libbpf.ObjectNextMap(obj, 0); map != 0; map = Libbpf.ObjectNextMap(obj, map))
                {
                    var name = Libbpf.Str(Libbpf.MapName(map));
                    if (name.StartsWith('.') || name.Contains(".inner", StringComparison.Ordinal))
                    {
                        continue; // .bss/.rodata and inner-map templates are the object's own
                    }

                    int fd;
                    if (_maps.TryGetValue(name, out var shared))
                    {
                        fd = shared;
                    }
                    else if (File.Exists(PinPath("map", name)))
                    {
                        fd = Libbpf.ObjGet(PinPath("map", name));
                        if (fd < 0)
                        {
                            throw new EbpfException($"cannot open pinned map {PinPath("map", name)}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                        }

                        reused.Add(fd);
                    }
                    else
                    {
                        continue;
                    }

                    if (Libbpf.MapReuseFd(map, fd) != 0)
                    {
                        throw new EbpfException($"map {name} of {Path.GetFileName(file)} cannot reuse the existing map (its definition changed?): {LibC.Describe(Marshal.GetLastPInvokeError())}");
                    }
                }

                if (Libbpf.ObjectLoad(obj) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    log = LibbpfLog.End();
                    var refused = LibbpfLog.RefusedProgram(log);
                    throw new EbpfException(refused is null
                        ? $"the kernel refused BPF object {Path.GetFileName(file)}: {LibC.Describe(errno)} {LastLine(log)}".TrimEnd()
                        : $"the kernel refused BPF program {refused}");
                }
            }
            finally
            {
                foreach (var fd in reused)
                {
                    LibC.Close(fd); // libbpf holds its own duplicate
                }
            }

            for (var map = Libbpf.ObjectNextMap(obj, 0); map != 0; map = Libbpf.ObjectNextMap(obj, map))
            {
                var name = Libbpf.Str(Libbpf.MapName(map));
                if (!name.StartsWith('.') && !name.Contains(".inner", StringComparison.Ordinal))
                {
                    _maps.TryAdd(name, Libbpf.MapFd(map));
                }
            }

            for (var prog = Libbpf.ObjectNextProgram(obj, 0); prog != 0; prog = Libbpf.ObjectNextProgram(obj, prog))
            {
                if (Libbpf.ProgramAutoload(prog))
                {
                    var name = Libbpf.Str(Libbpf.ProgramName(prog));
                    _programs[name] = prog;
                    _sections[name] = Libbpf.Str(Libbpf.ProgramSectionName(prog));
                }
            }
        }
        finally
        {
            LibbpfLog.End();
        }
    }

    private static string LastLine(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? string.Empty : $"({lines[^1]})";
    }

    private string PinPath(string kind, string name) => Path.Combine(_pinDir, $"{kind}_{name}");

    /// <summary>A map's descriptor by name.</summary>
    /// <exception cref="EbpfException">No loaded object has the map.</exception>
    public int Map(string name) =>
        _maps.TryGetValue(name, out var fd) ? fd : throw new EbpfException($"no BPF map named {name} in the loaded objects");

    /// <summary>A loaded program's descriptor by name.</summary>
    /// <exception cref="EbpfException">No loaded object has the program.</exception>
    public int ProgramFd(string name) =>
        _programs.TryGetValue(name, out var p) ? Libbpf.ProgramFd(p) : throw new EbpfException($"no BPF program named {name} in the loaded objects");

    /// <summary>
    /// Attaches every cgroup program to <paramref name="cgroupPath"/> (or swaps it into the pinned link of an earlier
    /// run) and every other attachable program by its section; pins the links, programs and maps.
    /// </summary>
    /// <exception cref="EbpfException">The cgroup cannot be opened, or an attach or pin failed.</exception>
    public void AttachAndPin(string cgroupPath)
    {
        Directory.CreateDirectory(_pinDir);
        var cgroup = LibC.Open(cgroupPath, LibC.OpenDirectory);
        if (cgroup < 0)
        {
            throw new EbpfException($"cannot open cgroup {cgroupPath}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            foreach (var (name, prog) in _programs)
            {
                if (name == TestProgram)
                {
                    continue;
                }

                var section = _sections[name];
                var linkPin = PinPath("link", name);
                if (section.StartsWith("cgroup", StringComparison.Ordinal) && File.Exists(linkPin))
                {
                    // BPF_LINK_UPDATE: the hook runs the old program until this call and the new one after it.
                    var old = Libbpf.LinkOpen(linkPin);
                    if (old == 0)
                    {
                        throw new EbpfException($"cannot open pinned link {linkPin}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                    }

                    if (Libbpf.LinkUpdateProgram(old, prog) != 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        _ = Libbpf.LinkDestroy(old);
                        throw new EbpfException($"cannot swap {name} into the pinned link {linkPin}: {LibC.Describe(errno)}");
                    }

                    _links.Add((name, old));
                    TookOver = true;
                    continue;
                }

                var link = section.StartsWith("cgroup", StringComparison.Ordinal) ? Libbpf.ProgramAttachCgroup(prog, cgroup) : Libbpf.ProgramAttach(prog);
                if (link == 0)
                {
                    throw new EbpfException($"cannot attach BPF program {name} ({section}) to {cgroupPath}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                }

                if (File.Exists(linkPin))
                {
                    // A link that cannot be updated in place (a tracing link): the new one is attached first, so the
                    // two overlap instead of leaving a gap.
                    File.Delete(linkPin);
                    TookOver = true;
                }

                _links.Add((name, link));
                if (Libbpf.LinkPin(link, linkPin) != 0)
                {
                    throw new EbpfException($"cannot pin link {linkPin}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                }
            }

            foreach (var (name, prog) in _programs)
            {
                var pin = PinPath("prog", name);
                File.Delete(pin);
                if (Libbpf.ObjPin(Libbpf.ProgramFd(prog), pin) != 0)
                {
                    throw new EbpfException($"cannot pin program {pin}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                }
            }

            foreach (var (name, fd) in _maps)
            {
                var pin = PinPath("map", name);
                if (!File.Exists(pin) && Libbpf.ObjPin(fd, pin) != 0)
                {
                    throw new EbpfException($"cannot pin map {pin}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                }
            }
        }
        finally
        {
            LibC.Close(cgroup);
        }
    }

    /// <summary>Removes every pin under the pin directory and detaches the links (the hooks run no program afterwards).</summary>
    public void DetachAndUnpin()
    {
        foreach (var (name, _) in _links)
        {
            File.Delete(PinPath("link", name));
        }

        foreach (var (_, link) in _links)
        {
            _ = Libbpf.LinkDestroy(link);
        }

        _links.Clear();
        if (Directory.Exists(_pinDir))
        {
            foreach (var file in Directory.GetFiles(_pinDir))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith("map_", StringComparison.Ordinal) || name.StartsWith("prog_", StringComparison.Ordinal) || name.StartsWith("link_", StringComparison.Ordinal))
                {
                    File.Delete(file);
                }
            }

            if (Directory.GetFileSystemEntries(_pinDir).Length == 0)
            {
                Directory.Delete(_pinDir);
            }
        }
    }

    /// <summary>Closes this process's handles; pinned links and maps stay and keep enforcing.</summary>
    public void Dispose()
    {
        foreach (var (_, link) in _links)
        {
            // bpf_link__destroy would detach a link that is not pinned; pinned ones only lose this reference.
            _ = Libbpf.LinkDestroy(link);
        }

        _links.Clear();
        foreach (var obj in _objects)
        {
            Libbpf.ObjectClose(obj);
        }

        _objects.Clear();
        _maps.Clear();
        _programs.Clear();
    }
}
