using System.Collections.Concurrent;
using OpenWfp.Bfe.Access;
using OpenWfp.Engine;

namespace OpenWfp.Daemon.Callouts;

/// <summary>
/// The remote callouts of one wfpd (docs/CALLOUTS.md, Remote callouts): opens a <see cref="RemoteCalloutSession"/>
/// per CalloutSession stream and keeps each callout key's counters, which outlive the sessions that registered it.
/// </summary>
internal sealed class RemoteCalloutHub(FilterEngine engine, AccessPolicy access, TimeSpan deadline)
{
    /// <summary>The deadline wfpd uses when none is configured (--remote-callout-deadline-ms).</summary>
    public const int DefaultDeadlineMs = 100;

    private readonly ConcurrentDictionary<Guid, RemoteCalloutCounters> _counters = new();
    private long _unmatchedAnswers;

    /// <summary>The engine whose callout registry the sessions register in.</summary>
    public FilterEngine Engine { get; } = engine;

    /// <summary>Who may register (write access).</summary>
    public AccessPolicy Access { get; } = access;

    /// <summary>How long a classify waits for the client's answer.</summary>
    public TimeSpan Deadline { get; } = deadline > TimeSpan.Zero ? deadline : throw new ArgumentOutOfRangeException(nameof(deadline), "the deadline must be positive");

    /// <summary>Answers that matched no waiting classify (late, or an id never sent), in every session: they name no key.</summary>
    public long UnmatchedAnswers => Interlocked.Read(ref _unmatchedAnswers);

    /// <summary>The counters of a callout key (created on first use).</summary>
    public RemoteCalloutCounters CountersOf(Guid calloutKey) => _counters.GetOrAdd(calloutKey, static _ => new RemoteCalloutCounters());

    /// <summary>True when a remote session holds the key's registration now.</summary>
    public bool IsRemote(Guid calloutKey) => Engine.Callouts.Slot(calloutKey).Callout is RemoteCallout;

    public void CountUnmatchedAnswer() => Interlocked.Increment(ref _unmatchedAnswers);

    /// <summary>A session for one CalloutSession stream of <paramref name="caller"/>.</summary>
    public RemoteCalloutSession Open(CallerIdentity caller, ILogger log) => new(this, caller, log);
}

/// <summary>Why remote classifies of one callout key acted as unregistered, and how many pends there were.</summary>
internal sealed class RemoteCalloutCounters
{
    private long _timeouts;
    private long _disconnects;
    private long _badAnswers;
    private long _clientErrors;
    private long _pended;
    private long _completed;

    public long Timeouts => Interlocked.Read(ref _timeouts);

    public long Disconnects => Interlocked.Read(ref _disconnects);

    public long BadAnswers => Interlocked.Read(ref _badAnswers);

    public long ClientErrors => Interlocked.Read(ref _clientErrors);

    public long Pended => Interlocked.Read(ref _pended);

    public long Completed => Interlocked.Read(ref _completed);

    public void CountTimeout() => Interlocked.Increment(ref _timeouts);

    public void CountDisconnect() => Interlocked.Increment(ref _disconnects);

    public void CountBadAnswer() => Interlocked.Increment(ref _badAnswers);

    public void CountClientError() => Interlocked.Increment(ref _clientErrors);

    public void CountPended() => Interlocked.Increment(ref _pended);

    public void CountCompleted() => Interlocked.Increment(ref _completed);
}
