using OpenWfp.Bfe.Sessions;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Policy;

namespace OpenWfp.Bfe;

/// <summary>
/// The engine's one write lock as sessions wait for it (txnWaitTimeoutInMSec), the transaction watchdog, and
/// FwpmSessionEnum0. Both clocks run on the BFE's <see cref="TimeProvider"/>, so tests drive them by hand.
/// </summary>
public sealed partial class BaseFilteringEngine
{
    // Sessions queue here, on the BFE's clock, before they take the engine's own lock (which is then free at once).
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private int _waitingWriters;

    /// <summary>Sessions waiting for the write lock right now (for diagnostics and tests).</summary>
    public int WaitingWriters => Volatile.Read(ref _waitingWriters);

    /// <summary>FwpmSessionEnum0: the open sessions, oldest first is not promised; ordered by key.</summary>
    /// <param name="session">The caller's session (read access is required).</param>
    /// <returns>The sessions.</returns>
    public IReadOnlyList<BfeSession> EnumSessions(BfeSession session)
    {
        Access.DemandRead(session.Caller, "enumerate sessions");
        return [.. _sessions.Values.Where(s => !s.IsClosed).OrderBy(s => s.Key)];
    }

    /// <summary>
    /// Takes the write lock, waiting at most <paramref name="wait"/> (FwpmTransactionBegin0 and FWPM_SESSION0's
    /// txnWaitTimeoutInMSec, https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_session0):
    /// FWP_E_TIMEOUT when another session holds it that long.
    /// </summary>
    private EngineTransaction AcquireWrite(TimeSpan wait)
    {
        if (!_writerGate.Wait(0))
        {
            Interlocked.Increment(ref _waitingWriters);
            try
            {
                using var timeout = wait == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(wait, _time);
                try
                {
                    _writerGate.WaitAsync(timeout.Token).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    throw new WfpException(WfpError.Timeout, $"another session's transaction holds the engine; gave up after the session's wait of {wait.TotalMilliseconds:0} ms (txnWaitTimeoutInMSec)");
                }
            }
            finally
            {
                Interlocked.Decrement(ref _waitingWriters);
            }
        }

        try
        {
            // Only start-up's store load takes the engine lock without the gate; it is long done when sessions run.
            return Engine.BeginTransaction(TimeSpan.FromSeconds(30));
        }
        catch
        {
            _writerGate.Release();
            throw;
        }
    }

    /// <summary>Ends a write transaction: runs <paramref name="commit"/> (null: abort), and always lets the lock go.</summary>
    private void ReleaseWrite(BfeSession? session, EngineTransaction txn, Action? commit)
    {
        try
        {
            if (commit is null)
            {
                txn.Abort();
            }
            else
            {
                commit();
            }
        }
        finally
        {
            txn.Dispose();
            if (session?.Watchdog is { } timer)
            {
                session.Watchdog = null;
                timer.Dispose();
            }

            _writerGate.Release();
        }
    }

    /// <summary>The watchdog timeout now in force; zero when the option turns it off.</summary>
    private TimeSpan WatchdogTimeout =>
        Options.TryGetValue(EngineOptions.TxnWatchdogTimeoutInMsec, out var ms) && ms is not (0 or uint.MaxValue) ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;

    /// <summary>
    /// Arms the watchdog for the session's new write transaction. Microsoft Learn names the option
    /// (FWPM_ENGINE_OPTION, FWPM_ENGINE_TXN_WATCHDOG_TIMEOUT_IN_MSEC) but not its rule; ours is in docs/WFPD.md
    /// (Transactions): a write transaction that sees no call for longer than the timeout is aborted, so one stuck
    /// client cannot hold every writer off.
    /// </summary>
    private void StartWatchdog(BfeSession session)
    {
        session.LastActivity = _time.GetTimestamp();
        var timeout = WatchdogTimeout;
        if (timeout == TimeSpan.Zero)
        {
            return;
        }

        session.Watchdog = _time.CreateTimer(_ => OnWatchdog(session), null, timeout, Timeout.InfiniteTimeSpan);
    }

    private void OnWatchdog(BfeSession session)
    {
        // A call in progress is not idleness; it re-arms the timer below when it ends by updating LastActivity.
        if (!Monitor.TryEnter(session.Gate))
        {
            session.Watchdog?.Change(TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);
            return;
        }

        try
        {
            if (session.Write is not { } txn || session.IsClosed)
            {
                return;
            }

            var timeout = WatchdogTimeout;
            var idle = _time.GetElapsedTime(session.LastActivity);
            if (timeout == TimeSpan.Zero || idle < timeout)
            {
                session.Watchdog?.Change(timeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout - idle, Timeout.InfiniteTimeSpan);
                return;
            }

            session.Write = null;
            session.AbortedByWatchdog = true;
            ReleaseWrite(session, txn, commit: null);
        }
        finally
        {
            Monitor.Exit(session.Gate);
        }
    }
}
