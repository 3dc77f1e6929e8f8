using OpenWfp.Engine.Security;
using OpenWfp.Netlink;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Dataplane.Identity;

/// <summary>Settings of <see cref="ProcessIdentitySource"/>.</summary>
public sealed class ProcessIdentityOptions
{
    /// <summary>The proc filesystem to read (a fake tree in tests).</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>How long a process's executable, uid and groups are used without reading /proc again.</summary>
    public TimeSpan ProcessCacheLifetime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most processes cached (and most distinct tokens kept).</summary>
    public int MaxCachedProcesses { get; init; } = 4096;

    /// <summary>
    /// The shortest time between two full /proc scans (and at least ten times the last scan's duration); misses in
    /// between get the uid only. Zero: no limit (tests).
    /// </summary>
    internal TimeSpan FullScanInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long after /proc first lists a process its fd directory is read again by each incremental scan: a process
    /// listed while it was starting may open its first socket a moment later, and without this it would wait for a
    /// full scan.
    /// </summary>
    internal TimeSpan YoungProcessWindow { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Counters of a <see cref="ProcessIdentitySource"/>.</summary>
/// <param name="Lookups">Calls of <see cref="ProcessIdentitySource.TryResolve"/>.</param>
/// <param name="SocketFound">Lookups whose socket sock_diag found.</param>
/// <param name="ProcessFound">Lookups that found the owning process (an app id was returned).</param>
/// <param name="CacheHits">Lookups answered from the inode index and the process cache without reading /proc.</param>
/// <param name="Failures">Lookups that returned false (no socket and no packet uid).</param>
public readonly record struct ProcessIdentityStats(long Lookups, long SocketFound, long ProcessFound, long CacheHits, long Failures);

/// <summary>
/// ALE_APP_ID and ALE_USER_ID of live flows: an exact sock_diag lookup gives the socket's uid and inode, an inode → pid
/// index built from <c>/proc/&lt;pid&gt;/fd</c> gives the process, and <c>/proc/&lt;pid&gt;/{exe,status,stat}</c> give
/// its executable and ids (docs/IDENTITY.md).
/// </summary>
/// <remarks>
/// One instance per data-plane thread; it is not thread-safe. The netlink socket belongs to the network namespace of
/// the thread that constructs the instance. Nothing here throws once constructed: a process that exits between two
/// steps makes the lookup return false (or uid only).
/// </remarks>
public sealed class ProcessIdentitySource : IFlowOwnerSource, IDisposable
{
    private const uint NoHint = 0xFFFF_FFFF;
    private const int ReceiveBufferSize = 8192;

    private readonly NetlinkSocket _socket;
    private readonly ProcFs _proc;
    private readonly SocketOwners _owners;
    private readonly ProcessCache _processes;
    private readonly Dictionary<ulong, FwpToken> _uidTokens = [];
    private readonly byte[] _request = new byte[SockDiag.MessageSize];
    private readonly byte[] _reply = new byte[ReceiveBufferSize];
    private readonly int _maxTokens;
    private uint _sequence;
    private uint _hintUid = NoHint;
    private uint _hintGid = NoHint;
    private long _lookups;
    private long _socketFound;
    private long _processFound;
    private long _cacheHits;
    private long _failures;

    /// <summary>Opens the sock_diag socket (in the calling thread's network namespace) and the proc root.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="NetlinkException">The sock_diag socket cannot be opened.</exception>
    /// <exception cref="IOException">The proc root cannot be opened.</exception>
    public ProcessIdentitySource(ProcessIdentityOptions? options = null)
    {
        options ??= new ProcessIdentityOptions();
        _maxTokens = Math.Max(1, options.MaxCachedProcesses);
        _socket = NetlinkSocket.Open(SockDiag.NetlinkSockDiag);
        try
        {
            // A kernel that never answers must not stall the queue thread for ever.
            _socket.SetReceiveTimeout(TimeSpan.FromSeconds(1));
            _proc = ProcFs.Open(options.ProcRoot);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        _owners = new SocketOwners(_proc, options.FullScanInterval, options.YoungProcessWindow);
        _processes = new ProcessCache(_proc, options.ProcessCacheLifetime, options.MaxCachedProcesses);
    }

    /// <summary>The counters so far.</summary>
    public ProcessIdentityStats Stats => new(_lookups, _socketFound, _processFound, _cacheHits, _failures);

    /// <summary>Full /proc scans done so far (diagnostics).</summary>
    internal long FullScans => _owners.FullScans;

    /// <summary>Incremental scans of new processes done so far (diagnostics).</summary>
    internal long IncrementalScans => _owners.IncrementalScans;

    /// <summary>Scans of the processes of a socket's uid done so far (diagnostics).</summary>
    internal long SameUserScans => _owners.SameUserScans;

    internal SocketOwners Owners => _owners;

    internal ProcessCache Processes => _processes;

    /// <summary>
    /// The NFQA_UID / NFQA_GID of the packet now being decided (0xFFFFFFFF when the packet carried none). Used by the
    /// next <see cref="TryResolve"/> only, when the socket or its process cannot be found; that call clears it.
    /// </summary>
    /// <param name="uid">The packet's uid.</param>
    /// <param name="gid">The packet's gid.</param>
    public void SetPacketHint(uint uid, uint gid)
    {
        _hintUid = uid;
        _hintGid = gid;
    }

    /// <summary>
    /// Finds the owner of a flow's local socket. With the process: its executable as app id and its token. With the
    /// socket only (process not found, e.g. it exited, or it runs under another uid than the socket's while a full scan
    /// is too recent): the socket's uid as token, no app id. With neither: the packet hint's uid/gid as token, or false.
    /// </summary>
    /// <param name="flow">The flow, oriented to this host.</param>
    /// <param name="owner">The owner.</param>
    /// <returns>True when at least a token was found.</returns>
    public bool TryResolve(in FlowTuple flow, out FlowOwner owner)
    {
        _lookups++;
        var hintUid = _hintUid;
        var hintGid = _hintGid;
        _hintUid = _hintGid = NoHint;
        if (TryFindSocket(in flow, out var uid, out var inode))
        {
            _socketFound++;
            if (TryResolveInode(inode, uid, out owner))
            {
                return true;
            }

            owner = new FlowOwner(default, UidToken(uid, hintUid == uid ? hintGid : NoHint), 0);
            return true;
        }

        if (hintUid != NoHint)
        {
            owner = new FlowOwner(default, UidToken(hintUid, hintGid), 0);
            return true;
        }

        _failures++;
        owner = default;
        return false;
    }

    /// <summary>
    /// The exact sock_diag lookup alone. Inbound TCP whose exact tuple has no socket with a file (none, or TIME_WAIT,
    /// or a pending request) is retried with the remote end zeroed, which matches the listener only.
    /// </summary>
    /// <param name="flow">The flow, oriented to this host.</param>
    /// <param name="uid">The socket's uid (its creator's fsuid).</param>
    /// <param name="inode">The socket's inode.</param>
    /// <returns>True when a socket with an inode was found.</returns>
    public bool TryFindSocket(in FlowTuple flow, out uint uid, out ulong inode)
    {
        if (!SockDiag.Supports(in flow))
        {
            uid = 0;
            inode = 0;
            return false;
        }

        if (Query(in flow, wildcardRemote: false, out uid, out inode) && inode != 0)
        {
            return true;
        }

        return !flow.Outbound && flow.Protocol == IpProtocol.Tcp
            && Query(in flow, wildcardRemote: true, out uid, out inode) && inode != 0;
    }

    /// <summary>
    /// Aborts the local socket of a connection (SOCK_DESTROY): a connect() in progress fails at once with
    /// ECONNABORTED instead of retransmitting its SYN into a block until it times out — as on Windows, where a connect
    /// blocked at ALE_AUTH_CONNECT fails immediately.
    /// </summary>
    /// <param name="flow">The connection, oriented to this host.</param>
    /// <param name="errno">0, or why the kernel refused (ENOENT: no such socket; EOPNOTSUPP: no INET_DIAG_DESTROY).</param>
    /// <returns>True when the socket was aborted.</returns>
    public bool TryAbortSocket(in FlowTuple flow, out int errno)
    {
        errno = Errno.EOPNOTSUPP;
        if (!SockDiag.Supports(in flow))
        {
            return false;
        }

        var sequence = ++_sequence;
        var length = SockDiag.WriteRequest(_request, in flow, wildcardRemote: false, sequence, SockDiag.SockDestroy);
        errno = _socket.Send(_request.AsSpan(0, length));
        if (errno != 0)
        {
            return false;
        }

        for (var i = 0; i < 8; i++)
        {
            var received = _socket.Receive(_reply, block: true, out errno);
            if (received <= 0)
            {
                return false;
            }

            if (SockDiag.ReadAck(_reply.AsSpan(0, received), sequence, out errno))
            {
                return errno == 0;
            }
        }

        return false;
    }

    /// <summary>Closes the socket and the kept /proc descriptors.</summary>
    public void Dispose()
    {
        _owners.Dispose();
        _proc.Dispose();
        _socket.Dispose();
    }

    /// <summary>Steps 2 and 3: socket inode → process → identity.</summary>
    /// <param name="inode">The socket inode.</param>
    /// <param name="uid">The socket's uid, which picks the processes read on a miss.</param>
    /// <param name="owner">The process's identity.</param>
    /// <returns>False when no live process holding the socket was found.</returns>
    internal bool TryResolveInode(ulong inode, uint uid, out FlowOwner owner)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (!_owners.TryFind(inode, uid, out var pid, out var startTime, out var how))
            {
                break;
            }

            if (how == OwnerSource.FullScan)
            {
                // The scan may have met reused pids whose cached entries describe their predecessors.
                _processes.ExpireAll();
            }

            if (_processes.TryGet(pid, startTime, out var entry, out var fresh))
            {
                _owners.Touch(pid, entry.StartTime, entry.Uid);
                if (startTime == 0)
                {
                    // From now on this socket is known to belong to this very process, not to a later one with its pid.
                    _owners.Remember(inode, new SocketOwner(pid, entry.StartTime));
                }

                _processFound++;
                if (how == OwnerSource.Index && !fresh)
                {
                    _cacheHits++;
                }

                owner = new FlowOwner(entry.AppId, entry.Token, (ulong)pid);
                return true;
            }

            // The recorded owner is gone: forget it and look once more (the socket may live on in a child).
            _owners.Forget(inode);
            if (how != OwnerSource.Index)
            {
                break;
            }
        }

        owner = default;
        return false;
    }

    private FwpToken UidToken(uint uid, uint gid)
    {
        var key = ((ulong)uid << 32) | gid;
        if (!_uidTokens.TryGetValue(key, out var token))
        {
            if (_uidTokens.Count >= _maxTokens)
            {
                _uidTokens.Clear();
            }

            token = FwpToken.ForUnixIdentity(uid, gid == NoHint ? [] : [gid]);
            _uidTokens[key] = token;
        }

        return token;
    }

    private bool Query(in FlowTuple flow, bool wildcardRemote, out uint uid, out ulong inode)
    {
        uid = 0;
        inode = 0;
        var sequence = ++_sequence;
        var length = SockDiag.WriteRequest(_request, in flow, wildcardRemote, sequence);
        if (_socket.Send(_request.AsSpan(0, length)) != 0)
        {
            return false;
        }

        // Replies to earlier requests (after a receive timeout) are skipped; a handful is the most that can queue.
        for (var i = 0; i < 8; i++)
        {
            var received = _socket.Receive(_reply, block: true, out _);
            if (received <= 0)
            {
                return false;
            }

            switch (SockDiag.ReadReply(_reply.AsSpan(0, received), sequence, out uid, out inode))
            {
                case ReplyStatus.Found:
                    return true;
                case ReplyStatus.NotFound:
                    return false;
            }
        }

        return false;
    }
}
