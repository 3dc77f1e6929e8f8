using OpenWfp.Bfe.Access;
using OpenWfp.Engine.Policy;

namespace OpenWfp.Bfe.Sessions;

/// <summary>
/// FWPM_SESSION0 as the daemon keeps it: who opened it, whether it is dynamic, its transaction, and (for a dynamic
/// session) the objects it added, which are deleted when it ends.
/// </summary>
public sealed class BfeSession
{
    internal BfeSession(Guid key, string name, bool dynamic, CallerIdentity caller, TimeSpan txnWait, string? description = null)
    {
        Key = key;
        Name = name;
        Description = description;
        IsDynamic = dynamic;
        Caller = caller;
        TxnWait = txnWait;
    }

    /// <summary>sessionKey.</summary>
    public Guid Key { get; }

    /// <summary>displayData.name.</summary>
    public string Name { get; }

    /// <summary>displayData.description.</summary>
    public string? Description { get; }

    /// <summary>FWPM_SESSION_FLAG_DYNAMIC.</summary>
    public bool IsDynamic { get; }

    /// <summary>The caller's credentials.</summary>
    public CallerIdentity Caller { get; }

    /// <summary>txnWaitTimeoutInMSec (<see cref="Timeout.InfiniteTimeSpan"/> for INFINITE).</summary>
    public TimeSpan TxnWait { get; }

    /// <summary>txnWaitTimeoutInMSec as FWPM_SESSION0 carries it: milliseconds, 0xFFFFFFFF for INFINITE.</summary>
    public uint TxnWaitTimeoutInMSec => TxnWait == Timeout.InfiniteTimeSpan ? uint.MaxValue : (uint)Math.Min(uint.MaxValue - 1, TxnWait.TotalMilliseconds);

    /// <summary>True once closed: every later call fails.</summary>
    public bool IsClosed { get; internal set; }

    /// <summary>True while an explicit transaction is open.</summary>
    public bool InTransaction => Write is not null || ReadSnapshot is not null;

    /// <summary>Serializes the session's calls (a client may issue them from several threads).</summary>
    internal object Gate { get; } = new();

    /// <summary>The open read-write transaction.</summary>
    internal EngineTransaction? Write { get; set; }

    /// <summary>The snapshot a read-only transaction reads.</summary>
    internal PolicySnapshot? ReadSnapshot { get; set; }

    /// <summary>What the open transaction changed, for persistence and notifications at commit.</summary>
    internal Changes.ChangeLog Pending { get; set; } = new();

    /// <summary>Dynamic objects this session added (committed), by kind and key.</summary>
    internal HashSet<(Changes.ObjectKind Kind, Guid Key)> DynamicObjects { get; } = [];

    /// <summary>When the session last used its open write transaction (the watchdog's idea of "idle"), as a clock timestamp.</summary>
    internal long LastActivity { get; set; }

    /// <summary>The watchdog timer of the open write transaction, or null.</summary>
    internal ITimer? Watchdog { get; set; }

    /// <summary>
    /// True when the watchdog aborted the session's transaction: until the client ends it (commit or abort) or begins
    /// another, its calls fail with FWP_E_TXN_ABORTED rather than run outside the transaction it believes open.
    /// </summary>
    internal bool AbortedByWatchdog { get; set; }
}
