using System.Diagnostics;
using System.Runtime.InteropServices;
using OpenWfp.Ebpf.Native;
using OpenWfp.Engine.Security;
using OpenWfp.NetEvents;

namespace OpenWfp.Ebpf;

/// <summary>
/// Reads the kernel's decisions from the ring buffer and writes them into the net event log as the NFQUEUE data plane
/// does (CLASSIFY_DROP for a block, CLASSIFY_ALLOW when that keyword is on), and keeps the kernel told which of the two
/// to send (openwfp_config.events), so a keyword that is off costs the kernel nothing.
/// </summary>
internal sealed unsafe class EventReader : IDisposable
{
    private readonly NetEventLog _log;
    private readonly int _configFd;
    private readonly Func<uint, byte[]?> _appOf;
    private readonly Dictionary<uint, Sid> _users = [];
    private readonly Thread _thread;
    private readonly Kf.Config _configBase;
    private readonly Lock _ringLock = new();
    private GCHandle _self;
    private nint _ring;
    private volatile bool _stopping;
    private uint _events = uint.MaxValue;
    private long _offsetNs;
    private long _read;

    /// <summary>Opens the ring buffer and starts the reading thread.</summary>
    /// <param name="objects">The loaded objects (openwfp_events, openwfp_config).</param>
    /// <param name="log">Where events go.</param>
    /// <param name="config">The config entry's other fields (marks), written with the event bits.</param>
    /// <param name="appOf">The application id blob of an app number (null: none).</param>
    public EventReader(BpfObjects objects, NetEventLog log, Kf.Config config, Func<uint, byte[]?> appOf)
    {
        _log = log;
        _configFd = objects.Map("openwfp_config");
        _configBase = config;
        _appOf = appOf;
        _self = GCHandle.Alloc(this);
        _ring = Libbpf.RingBufferNew(objects.Map("openwfp_events"), &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (_ring == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _self.Free();
            throw new EbpfException($"cannot open the net event ring buffer: {LibC.Describe(errno)}");
        }

        SyncConfig();
        _thread = new Thread(Run) { IsBackground = true, Name = "wfp ebpf events" };
        _thread.Start();
    }

    /// <summary>Events read from the kernel.</summary>
    public long Read => Interlocked.Read(ref _read);

    /// <summary>Reads what the ring holds now (tests use it to avoid waiting for the thread's next poll).</summary>
    public void Drain()
    {
        lock (_ringLock)
        {
            if (_ring != 0)
            {
                Libbpf.RingBufferPoll(_ring, 0);
            }
        }
    }

    /// <summary>Writes the event bits the log wants into the kernel's config, when they changed.</summary>
    public void SyncConfig()
    {
        var events = (_log.ShouldRecord(NetEventType.ClassifyDrop) ? Kf.EventsBlock : 0) | (_log.ShouldRecord(NetEventType.ClassifyAllow) ? Kf.EventsAllow : 0);
        if (events == _events)
        {
            return;
        }

        var config = _configBase with { Events = events };
        var zero = 0u;
        if (Libbpf.MapUpdateElem(_configFd, &zero, &config, Libbpf.BpfAny) == 0)
        {
            _events = events;
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            // CLOCK_MONOTONIC (the kernel's bpf_ktime_get_ns, and Stopwatch on Linux) to the wall clock, once per poll.
            _offsetNs = ((TimeProvider.System.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100) - (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
            lock (_ringLock)
            {
                if (_ring == 0)
                {
                    return;
                }

                Libbpf.RingBufferPoll(_ring, 100);
            }

            SyncConfig();
        }
    }

    [UnmanagedCallersOnly]
    private static int OnSample(nint ctx, void* data, nuint size)
    {
        if (size < (nuint)sizeof(Kf.Event))
        {
            return 0;
        }

        var reader = (EventReader)GCHandle.FromIntPtr(ctx).Target!;
        reader.Write(in *(Kf.Event*)data);
        return 0;
    }

    private void Write(in Kf.Event e)
    {
        Interlocked.Increment(ref _read);
        var type = e.Verdict == (byte)KernelVerdict.Block ? NetEventType.ClassifyDrop : NetEventType.ClassifyAllow;
        if (!_log.ShouldRecord(type))
        {
            return;
        }

        var remote = e.RAddr.Value;
        var loopback = e.IpVersion == 4 ? (remote >> 24) == 127 : remote == UInt128.One;
        var flow = new NetEventFlow(e.IpVersion, e.Proto, e.LAddr.Value, e.LPort, remote, e.RPort, NetEventDirection.Out, loopback);
        if (!_users.TryGetValue(e.Uid, out var user))
        {
            _users[e.Uid] = user = Sid.ForUnixUser(e.Uid);
        }

        var record = NetEventFactory.Classify(type, in flow, e.LayerId, e.FilterId, e.App == 0 ? null : _appOf(e.App), user, (long)e.TimeNs + _offsetNs);
        _log.Write(in record);
    }

    /// <summary>Stops the thread and closes the ring buffer.</summary>
    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(5));
        lock (_ringLock)
        {
            if (_ring != 0)
            {
                Libbpf.RingBufferFree(_ring);
                _ring = 0;
            }
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }
}
