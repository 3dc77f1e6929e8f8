using System.Collections.Concurrent;
using System.Collections.Immutable;
using OpenWfp.Bfe.Access;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Persistence;
using OpenWfp.Bfe.Sessions;
using OpenWfp.Engine;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.NetEvents;

namespace OpenWfp.Bfe;

/// <summary>
/// The Base Filtering Engine (docs/WFPD.md): sessions, transactions, the Fwpm* object operations with their lifetime and
/// access rules, change notifications and the persistent store, over one <see cref="FilterEngine"/>. Transport-free:
/// wfpd's gRPC service translates calls into these methods; tests call them directly.
/// </summary>
/// <remarks>
/// Every write runs in a transaction: the session's explicit one, or an implicit one around the call. A commit first
/// writes the transaction's persistent changes to the store (one store transaction), then publishes the new policy
/// to classify, then notifies subscribers — so the store never holds a change the engine refused, and a crash after
/// the store write loses nothing that was reported committed.
/// </remarks>
public sealed partial class BaseFilteringEngine : IDisposable
{
    private readonly ConcurrentDictionary<Guid, BfeSession> _sessions = new();
    private readonly ConcurrentDictionary<(ObjectKind Kind, Guid Key), Guid> _dynamicOwners = new();
    private readonly IPolicyStore? _store;
    private ImmutableDictionary<Guid, FilterSpec> _bootTimeFilters = ImmutableDictionary<Guid, FilterSpec>.Empty;

    /// <summary>A BFE over a new engine; <paramref name="store"/> null keeps nothing across restarts.</summary>
    /// <param name="access">Who may read and write.</param>
    /// <param name="store">The persistent store, or null.</param>
    /// <param name="engineOptions">Options for the filter engine.</param>
    /// <param name="timeProvider">The clock that stamps net events; the system clock when null.</param>
    public BaseFilteringEngine(AccessPolicy access, IPolicyStore? store = null, FilterEngineOptions? engineOptions = null, TimeProvider? timeProvider = null)
    {
        Access = access;
        _store = store;
        Engine = new FilterEngine(engineOptions);
        NetEvents = new NetEventLog(timeProvider: timeProvider ?? TimeProvider.System);
    }

    /// <summary>The filter engine classify runs on.</summary>
    public FilterEngine Engine { get; }

    /// <summary>Who may read and write.</summary>
    public AccessPolicy Access { get; }

    /// <summary>Change subscriptions.</summary>
    public ChangeNotifier Changes { get; } = new();

    /// <summary>Open sessions.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Boot-time filters (stored; enforced only during start-up; docs/WFPD.md, Running it).</summary>
    public IReadOnlyCollection<FilterSpec> BootTimeFilters => Volatile.Read(ref _bootTimeFilters).Values.ToList();

    /// <summary>Net events: classify drops (and allows with the CLASSIFY_ALLOW keyword); docs/WFPD.md, Net events.</summary>
    public NetEventLog NetEvents { get; }

    /// <summary>FWPM_ENGINE_OPTION values (TXN_WATCHDOG and friends are kept but have no effect yet).</summary>
    public ConcurrentDictionary<uint, uint> Options { get; } = new() { [EngineOptions.CollectNetEvents] = 1, [EngineOptions.NetEventMatchAnyKeywords] = 0 };

    /// <summary>FwpmEngineOpen0: a new session for <paramref name="caller"/>.</summary>
    public BfeSession OpenSession(CallerIdentity caller, string? name = null, bool dynamic = false, TimeSpan? txnWait = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var session = new BfeSession(Guid.NewGuid(), name ?? "", dynamic, caller, txnWait is { } w && w > TimeSpan.Zero ? w : FilterEngine.DefaultTransactionTimeout);
        _sessions[session.Key] = session;
        return session;
    }

    /// <summary>The open session with this key, or null.</summary>
    public BfeSession? FindSession(Guid key) => _sessions.GetValueOrDefault(key);

    /// <summary>
    /// FwpmEngineClose0, and what happens when a client dies: aborts the open transaction, then deletes the objects a
    /// dynamic session added, as BFE does (docs/WFPD.md, The API). Safe to call more than once.
    /// </summary>
    public void CloseSession(BfeSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (session.Gate)
        {
            if (session.IsClosed)
            {
                return;
            }

            session.IsClosed = true;
            session.Write?.Abort();
            session.Write = null;
            session.ReadSnapshot = null;
        }

        _sessions.TryRemove(session.Key, out _);
        if (session.IsDynamic && session.DynamicObjects.Count > 0)
        {
            DeleteDynamicObjects(session);
        }
    }

    /// <summary>Closes every session (daemon stop).</summary>
    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            CloseSession(session);
        }

        _store?.Dispose();
    }

    private void DeleteDynamicObjects(BfeSession session)
    {
        // The write lock may be held by another session for up to its wait; keep trying: a dead client's objects must go.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var txn = Engine.BeginTransaction(TimeSpan.FromSeconds(30));
                var log = new ChangeLog();
                foreach (var kind in new[] { ObjectKind.Filter, ObjectKind.ProviderContext, ObjectKind.Callout, ObjectKind.Sublayer, ObjectKind.Provider })
                {
                    foreach (var (k, key) in session.DynamicObjects.Where(o => o.Kind == kind).ToList())
                    {
                        try
                        {
                            DeleteInTransaction(txn, log, k, key);
                        }
                        catch (WfpException)
                        {
                            // Already gone (deleted by its session) or still referenced by another session's object.
                        }
                    }
                }

                CommitCore(session, txn, log);
                return;
            }
            catch (WfpException e) when (e.Error == WfpError.Timeout && attempt < 20)
            {
            }
        }
    }

    /// <summary>FwpmTransactionBegin0.</summary>
    public void BeginTransaction(BfeSession session, bool readOnly)
    {
        if (readOnly)
        {
            Access.DemandRead(session.Caller, "begin a read transaction");
        }
        else
        {
            Access.DemandWrite(session.Caller, "begin a write transaction");
        }

        lock (session.Gate)
        {
            EnsureOpen(session);
            if (session.InTransaction)
            {
                throw new WfpException(WfpError.TxnInProgress, "the session already has a transaction open");
            }

            if (readOnly)
            {
                session.ReadSnapshot = Engine.Current;
            }
            else
            {
                session.Write = Engine.BeginTransaction(session.TxnWait);
                session.Pending = new ChangeLog();
            }
        }
    }

    /// <summary>FwpmTransactionCommit0.</summary>
    public void CommitTransaction(BfeSession session) => EndTransaction(session, txn =>
    {
        try
        {
            CommitCore(session, txn, session.Pending);
        }
        finally
        {
            txn.Dispose();
        }
    });

    /// <summary>FwpmTransactionAbort0.</summary>
    public void AbortTransaction(BfeSession session) => EndTransaction(session, txn => txn.Abort());

    /// <summary>Ends the session's transaction: a read-only one just lets go of its snapshot.</summary>
    private static void EndTransaction(BfeSession session, Action<EngineTransaction> end)
    {
        lock (session.Gate)
        {
            EnsureOpen(session);
            if (session.ReadSnapshot is not null)
            {
                session.ReadSnapshot = null;
                return;
            }

            var txn = session.Write ?? throw new WfpException(WfpError.NoTxnInProgress, "the session has no transaction open");
            session.Write = null;
            end(txn);
        }
    }

    /// <summary>The policy as the session sees it: its open transaction's working copy, its read snapshot, or the current policy.</summary>
    public PolicySnapshot View(BfeSession session)
    {
        Access.DemandRead(session.Caller, "read the policy");
        lock (session.Gate)
        {
            EnsureOpen(session);
            return session.Write?.View ?? session.ReadSnapshot ?? Engine.Current;
        }
    }

    /// <summary>Runs a write in the session's transaction, or in an implicit one committed around it.</summary>
    private T Write<T>(BfeSession session, string what, Func<EngineTransaction, ChangeLog, T> operation)
    {
        Access.DemandWrite(session.Caller, what);
        lock (session.Gate)
        {
            EnsureOpen(session);
            if (session.ReadSnapshot is not null)
            {
                throw new WfpException(WfpError.IncompatibleTxn, $"{what}: the session's transaction is read-only");
            }

            if (session.Write is { } txn)
            {
                // A failed call does not doom the explicit transaction (docs/WFPD.md, The API): the engine left the working copy as it was.
                return operation(txn, session.Pending);
            }

            using var implicitTxn = Engine.BeginTransaction(session.TxnWait);
            var log = new ChangeLog();
            var result = operation(implicitTxn, log);
            CommitCore(session, implicitTxn, log);
            return result;
        }
    }

    private void CommitCore(BfeSession session, EngineTransaction txn, ChangeLog log)
    {
        var records = Coalesce(log.Records);
        if (_store is not null)
        {
            var changes = PersistentChanges(records, log);
            if (!changes.IsEmpty)
            {
                try
                {
                    _store.Apply(changes);
                }
                catch (PolicyStoreException e)
                {
                    txn.Abort();
                    throw new WfpException(WfpError.TxnAborted, $"the transaction was aborted: the persistent store could not be written ({e.Message})");
                }
            }
        }

        txn.Commit();
        CommitSecurity(records, log);
        var boot = _bootTimeFilters;
        foreach (var r in records)
        {
            if (r.Kind == ObjectKind.Filter && r.Object is FilterSpec f && (f.Flags & FilterFlags.BootTime) != 0)
            {
                boot = r.Type == ChangeType.Add ? boot.SetItem(r.Key, f) : boot.Remove(r.Key);
            }

            if (r.Type == ChangeType.Add && session.IsDynamic)
            {
                session.DynamicObjects.Add((r.Kind, r.Key));
                _dynamicOwners[(r.Kind, r.Key)] = session.Key;
            }
            else if (r.Type == ChangeType.Delete && _dynamicOwners.TryRemove((r.Kind, r.Key), out var owner))
            {
                _sessions.GetValueOrDefault(owner)?.DynamicObjects.Remove((r.Kind, r.Key));
                session.DynamicObjects.Remove((r.Kind, r.Key));
            }
        }

        Volatile.Write(ref _bootTimeFilters, boot);
        Changes.Publish(session.Key, records);
    }

    /// <summary>An add and a delete of the same object in one transaction cancel out; the rest keep their order.</summary>
    private static List<ChangeRecord> Coalesce(List<ChangeRecord> records)
    {
        var result = new List<ChangeRecord>(records.Count);
        foreach (var r in records)
        {
            if (r.Type == ChangeType.Delete)
            {
                var added = result.FindLastIndex(x => x.Type == ChangeType.Add && x.Kind == r.Kind && x.Key == r.Key);
                if (added >= 0)
                {
                    result.RemoveAt(added);
                    continue;
                }
            }

            result.Add(r);
        }

        return result;
    }

    private static void EnsureOpen(BfeSession session)
    {
        if (session.IsClosed)
        {
            throw new WfpException(WfpError.InvalidParameter, "the session is closed");
        }
    }
}

/// <summary>FWPM_ENGINE_OPTION numbers (fwpmtypes.h).</summary>
public static class EngineOptions
{
    /// <summary>FWPM_ENGINE_COLLECT_NET_EVENTS.</summary>
    public const uint CollectNetEvents = 0;

    /// <summary>FWPM_ENGINE_NET_EVENT_MATCH_ANY_KEYWORDS.</summary>
    public const uint NetEventMatchAnyKeywords = 1;

    /// <summary>FWPM_ENGINE_NAME_CACHE.</summary>
    public const uint NameCache = 2;

    /// <summary>FWPM_ENGINE_MONITOR_IPSEC_CONNECTIONS.</summary>
    public const uint MonitorIpsecConnections = 3;

    /// <summary>FWPM_ENGINE_PACKET_QUEUING.</summary>
    public const uint PacketQueuing = 4;

    /// <summary>FWPM_ENGINE_TXN_WATCHDOG_TIMEOUT_IN_MSEC.</summary>
    public const uint TxnWatchdogTimeoutInMsec = 5;
}
