using OpenWfp.Bfe.Access;
using OpenWfp.Engine.Policy;

namespace OpenWfp.Bfe.Sessions;

/// <summary>
/// FWPM_SESSION0 as the daemon keeps it: who opened it, whether it is dynamic, its transaction, and (for a dynamic
/// session) the objects it added, which are deleted when it ends.
/// </summary>
public sealed class BfeSession
{
    internal BfeSession(Guid key, string name, bool dynamic, CallerIdentity caller, TimeSpan txnWait)
    {
        Key = key;
        Name = name;
        IsDynamic = dynamic;
        Caller = caller;
        TxnWait = txnWait;
    }

    /// <summary>sessionKey.</summary>
    public Guid Key { get; }

    /// <summary>displayData.name.</summary>
    public string Name { get; }

    /// <summary>FWPM_SESSION_FLAG_DYNAMIC.</summary>
    public bool IsDynamic { get; }

    /// <summary>The caller's credentials.</summary>
    public CallerIdentity Caller { get; }

    /// <summary>txnWaitTimeoutInMSec.</summary>
    public TimeSpan TxnWait { get; }

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
}
