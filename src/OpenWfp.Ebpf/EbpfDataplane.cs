using System.Runtime.InteropServices;
using OpenWfp.Dataplane.Live;
using OpenWfp.Ebpf.Native;
using OpenWfp.Engine;
using OpenWfp.Engine.Policy;
using OpenWfp.NetEvents;

namespace OpenWfp.Ebpf;

/// <summary>
/// The eBPF data plane (docs/DATAPLANE.md, "The eBPF data plane"): BPF programs at the cgroup connect and sendmsg
/// hooks decide ALE_AUTH_CONNECT_V4/V6 with each layer's kernel form (docs/KERNEL-FORM.md); what the kernel cannot
/// decide (ASK) is marked for the NFQUEUE data plane.
/// </summary>
/// <remarks>
/// <para>Start loads the objects, attaches them to a cgroup through links and pins links, programs and maps under a
/// bpffs directory. Pinned links outlive this process: after a crash the last policy keeps being enforced, and the next
/// Start with the same pin directory takes the pins over, swapping its programs into the links (no moment without a
/// program) and reusing the maps (no moment without a form).</para>
/// <para>Stop detaches the programs and removes the pins.</para>
/// </remarks>
public sealed partial class EbpfDataplane : IDisposable
{
    private readonly FilterEngine _engine;
    private readonly NetEventLog? _events;
    private readonly EbpfOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, byte[]> _appBlobs = [];
    private BpfObjects? _objects;
    private FormWriter? _writer;
    private EventReader? _reader;
    private AppTable? _apps;
    private bool _subscribed;

    /// <summary>A data plane for <paramref name="engine"/>; nothing touches the kernel before <see cref="Start"/>.</summary>
    /// <param name="engine">The engine whose policy is enforced.</param>
    /// <param name="events">Where kernel blocks (and allows, with their keyword) are logged; null: nowhere.</param>
    /// <param name="options">Objects, marks, log.</param>
    public EbpfDataplane(FilterEngine engine, NetEventLog? events, EbpfOptions options)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        _engine = engine;
        _events = events;
        _options = options;
    }

    /// <summary>Whether <see cref="Start"/> found the pins of an earlier run and took them over.</summary>
    public bool TookOver => _objects?.TookOver ?? false;

    /// <summary>The mark bit an ASK socket carries.</summary>
    public uint AskMark => _options.AskMark;

    /// <summary>The loaded objects (for the identity pieces beside this class and for tests).</summary>
    internal BpfObjects Objects => _objects ?? throw new InvalidOperationException("the eBPF data plane is not started");

    /// <summary>The cgroup-v2 root of this machine (where wfpd attaches to cover every process), or null when there is none.</summary>
    /// <returns>/sys/fs/cgroup/unified on a hybrid layout, /sys/fs/cgroup on a unified one, or null.</returns>
    public static string? DefaultCgroup()
    {
        foreach (var path in (string[])["/sys/fs/cgroup/unified", "/sys/fs/cgroup"])
        {
            if (File.Exists(Path.Combine(path, "cgroup.procs")) && (File.Exists(Path.Combine(path, "cgroup.controllers")) || path.EndsWith("unified", StringComparison.Ordinal)))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// Why this machine cannot run the eBPF data plane, as one line, or null when it can (for <c>--dataplane auto</c>):
    /// not Linux, not root, no cgroup v2, no BTF, libbpf missing, objects not built, or the kernel refuses a program.
    /// Loads the objects once (about a second) and unloads them; attaches nothing.
    /// </summary>
    /// <param name="objectDirectory">Where the *.bpf.o files are; null: bpf/ beside the assembly.</param>
    /// <returns>The reason, or null.</returns>
    public static string? Probe(string? objectDirectory = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the eBPF data plane needs Linux";
        }

        if (LibC.GetEffectiveUserId() != 0)
        {
            return "the eBPF data plane needs root (CAP_BPF and CAP_NET_ADMIN) to load and attach BPF programs";
        }

        if (DefaultCgroup() is null)
        {
            return "the eBPF data plane needs a cgroup v2 hierarchy (none at /sys/fs/cgroup/unified or /sys/fs/cgroup)";
        }

        if (!File.Exists("/sys/kernel/btf/vmlinux"))
        {
            return "the eBPF data plane needs a kernel with BTF (/sys/kernel/btf/vmlinux is missing: CONFIG_DEBUG_INFO_BTF)";
        }

        if (!NativeLibrary.TryLoad("libbpf.so.1", out var handle))
        {
            return "the eBPF data plane needs libbpf.so.1 (apt-get install libbpf1)";
        }

        NativeLibrary.Free(handle);
        var dir = objectDirectory ?? BpfObjects.DefaultDirectory;
        if (!File.Exists(Path.Combine(dir, BpfObjects.MainObject)))
        {
            return $"BPF objects not built ({Path.Combine(dir, BpfObjects.MainObject)} is missing: install clang and libbpf-dev, then rebuild)";
        }

        try
        {
            using var objects = BpfObjects.Load(dir, Path.Combine(Path.GetTempPath(), "openwfp-probe-no-pins"), testProgram: false);
            return null;
        }
        catch (EbpfException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Loads the objects, attaches them to <paramref name="cgroupPath"/> (every process in it and below it is
    /// covered), pins them under <paramref name="pinDir"/>, writes the current policy's forms and follows commits.
    /// With pins of an earlier run in <paramref name="pinDir"/>, takes them over without a gap.
    /// </summary>
    /// <param name="cgroupPath">A cgroup-v2 directory (<see cref="DefaultCgroup"/> for the whole machine).</param>
    /// <param name="pinDir">A directory in bpffs (e.g. /sys/fs/bpf/openwfp) for this data plane alone.</param>
    /// <exception cref="EbpfException">Objects missing, a program refused (the message names it and quotes the
    /// verifier's last line), the cgroup or bpffs unusable.</exception>
    public void Start(string cgroupPath, string pinDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(cgroupPath);
        ArgumentException.ThrowIfNullOrEmpty(pinDir);
        lock (_lock)
        {
            if (_objects is not null)
            {
                throw new InvalidOperationException("the eBPF data plane is already started");
            }

            if (!Directory.Exists(cgroupPath))
            {
                throw new EbpfException($"cgroup {cgroupPath} does not exist");
            }

            try
            {
                _objects = BpfObjects.Load(_options.ObjectDirectory ?? BpfObjects.DefaultDirectory, pinDir, _options.LoadTestProgram);
                _writer = new FormWriter(_objects);
                _apps = new AppTable(_objects.Map("openwfp_apps"));
                var config = new Kf.Config { AskMark = _options.AskMark, MarkMask = _options.Marks.Mask };
                WriteConfig(config);
                if (_events is not null)
                {
                    _reader = new EventReader(_objects, _events, config, AppBlob);
                }

                // The forms go in before the programs are attached (or swapped in): a fresh start never runs a program
                // without a form, a takeover keeps the previous forms until these replace them.
                ApplyCore(_engine.Current);
                _objects.AttachAndPin(cgroupPath);
                _engine.Committed += OnCommitted;
                _subscribed = true;
                Log(DataplaneLogLevel.Information, $"eBPF data plane: {string.Join(", ", _objects.Programs.Where(p => p != BpfObjects.TestProgram))} on {cgroupPath}, pinned in {pinDir}{(TookOver ? " (took over the pins of an earlier run)" : string.Empty)}");
            }
            catch
            {
                CloseCore(detach: false);
                throw;
            }
        }
    }

    /// <summary>Writes the forms of <paramref name="snapshot"/> into the kernel (layers whose form changed only).</summary>
    /// <param name="snapshot">The committed policy.</param>
    /// <exception cref="EbpfException">The kernel refused a map.</exception>
    public void Apply(PolicySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_lock)
        {
            if (_writer is null)
            {
                throw new InvalidOperationException("the eBPF data plane is not started");
            }

            ApplyCore(snapshot);
        }
    }

    /// <summary>Writes layer images directly (tests, and the snapshot path below).</summary>
    /// <param name="images">The layers' forms.</param>
    /// <param name="apps">The app numbers the forms' APP intervals use: (device, inode) of the executable, its blob, its number.</param>
    /// <returns>How many layers were written.</returns>
    internal int ApplyImages(IEnumerable<KernelLayerImage> images, IReadOnlyList<KernelApp>? apps = null)
    {
        lock (_lock)
        {
            if (_writer is null || _apps is null)
            {
                throw new InvalidOperationException("the eBPF data plane is not started");
            }

            // New app numbers go in before the forms that use them; numbers no form uses any more leave after.
            var stale = _apps.Add(apps ?? []);
            foreach (var a in apps ?? [])
            {
                if (a.Blob is not null)
                {
                    _appBlobs[a.Number] = a.Blob;
                }
            }

            var written = 0;
            foreach (var image in images)
            {
                written += _writer.Write(image) ? 1 : 0;
            }

            _apps.Remove(stale);
            return written;
        }
    }

    private byte[]? AppBlob(uint number)
    {
        lock (_lock)
        {
            return _appBlobs.GetValueOrDefault(number);
        }
    }

    private void OnCommitted(PolicySnapshot snapshot)
    {
        // Runs inside the commit: a failure must not fail a commit that already took effect (the NFQUEUE plane does the
        // same), so it is logged and the next commit tries again.
        lock (_lock)
        {
            try
            {
                if (_writer is not null)
                {
                    ApplyCore(snapshot);
                }
            }
            catch (Exception e) when (e is EbpfException or ArgumentException)
            {
                Log(DataplaneLogLevel.Error, $"writing the new policy into the kernel failed: {e.Message}");
            }
        }
    }

    private unsafe void WriteConfig(Kf.Config config)
    {
        var fd = _objects!.Map("openwfp_config");
        var zero = 0u;
        if (Libbpf.MapUpdateElem(fd, &zero, &config, Libbpf.BpfAny) != 0)
        {
            throw new EbpfException($"cannot write the data plane's settings: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>The kernel's counters, summed over CPUs, and this process's own.</summary>
    /// <returns>A snapshot.</returns>
    public unsafe EbpfStats Stats()
    {
        lock (_lock)
        {
            var s = new EbpfStats
            {
                EventsRead = _reader?.Read ?? 0,
                LayersWritten = _writer?.LayersWritten ?? 0,
            };
            if (_objects is null)
            {
                return s;
            }

            var fd = _objects.Map("openwfp_stats");
            var cpus = Math.Max(Libbpf.NumPossibleCpus(), 1);
            var values = stackalloc ulong[cpus];
            Span<long> totals = stackalloc long[Kf.Stats];
            for (var i = 0u; i < Kf.Stats; i++)
            {
                if (Libbpf.MapLookupElem(fd, &i, values) == 0)
                {
                    for (var c = 0; c < cpus; c++)
                    {
                        totals[(int)i] += (long)values[c];
                    }
                }
            }

            s.NoMatch = totals[Kf.StatNoMatch];
            s.Permitted = totals[Kf.StatPermit];
            s.Blocked = totals[Kf.StatBlock];
            s.Asked = totals[Kf.StatAsk];
            s.AskRule = totals[Kf.StatAskBase + (int)KernelAskReason.Rule];
            s.AskMaybe = totals[Kf.StatAskBase + (int)KernelAskReason.Maybe];
            s.AskUnknownField = totals[Kf.StatAskBase + (int)KernelAskReason.Unknown];
            s.AskAllLayer = totals[Kf.StatAskBase + (int)KernelAskReason.AskAll];
            s.AskNoForm = totals[Kf.StatAskBase + (int)KernelAskReason.NoForm];
            s.GenerationMismatches = totals[Kf.StatAskBase + (int)KernelAskReason.Generation];
            s.RingBufferDrops = totals[Kf.StatRingbufDrops];
            s.MarkFailures = totals[Kf.StatMarkFailures];
            return s;
        }
    }

    /// <summary>Detaches the programs and removes the pins: the hooks decide nothing any more. Safe to call more than once.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            CloseCore(detach: true);
        }
    }

    /// <summary>
    /// Closes this process's handles but leaves the programs attached and pinned, enforcing the last policy, for a
    /// later <see cref="Start"/> (of this or another process) to take over.
    /// </summary>
    public void Release()
    {
        lock (_lock)
        {
            CloseCore(detach: false);
        }
    }

    /// <summary>Stops (see <see cref="Stop"/>).</summary>
    public void Dispose() => Stop();

    private void CloseCore(bool detach)
    {
        if (_subscribed)
        {
            _engine.Committed -= OnCommitted;
            _subscribed = false;
        }

        _reader?.Dispose();
        _reader = null;
        if (detach)
        {
            _objects?.DetachAndUnpin();
        }

        _objects?.Dispose();
        _objects = null;
        _writer = null;
        _apps = null;
    }

    private void Log(DataplaneLogLevel level, string message) => _options.Log?.Invoke(level, message);
}
