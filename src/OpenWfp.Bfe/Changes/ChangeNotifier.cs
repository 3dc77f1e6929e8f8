using System.Threading.Channels;

namespace OpenWfp.Bfe.Changes;

/// <summary>
/// Change subscriptions (docs/WFPD.md, The API; https://learn.microsoft.com/en-us/windows/win32/fwp/change-notifications): after each commit, every subscriber gets the adds and deletes that match its
/// kinds, flags and filter, except the changes its own session made. Delivery is asynchronous and, as in WFP,
/// unreliable under pressure: a subscriber that does not keep up loses changes (bounded queue, oldest dropped) and
/// the count is kept.
/// </summary>
public sealed class ChangeNotifier
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>Most changes queued per subscriber before the oldest are dropped.</summary>
    public const int QueueLimit = 10_000;

    /// <summary>Subscribes; dispose the result (or cancel the token) to stop.</summary>
    public Subscription Subscribe(Guid sessionKey, Func<ChangeRecord, bool> filter)
    {
        var subscription = new Subscription(this, sessionKey, filter);
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    /// <summary>Publishes one commit's changes.</summary>
    public void Publish(Guid originSession, IReadOnlyList<ChangeRecord> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        Subscription[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscriptions];
        }

        foreach (var s in subscribers)
        {
            if (s.SessionKey == originSession)
            {
                continue;
            }

            foreach (var change in changes)
            {
                if (s.Filter(change))
                {
                    s.Offer(change);
                }
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>One subscriber's queue.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly ChangeNotifier _owner;
        private readonly Channel<ChangeRecord> _queue = Channel.CreateBounded<ChangeRecord>(
            new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        internal Subscription(ChangeNotifier owner, Guid sessionKey, Func<ChangeRecord, bool> filter)
        {
            _owner = owner;
            SessionKey = sessionKey;
            Filter = filter;
        }

        /// <summary>The subscribing session.</summary>
        public Guid SessionKey { get; }

        /// <summary>The changes, in commit order.</summary>
        public ChannelReader<ChangeRecord> Reader => _queue.Reader;

        internal Func<ChangeRecord, bool> Filter { get; }

        /// <summary>Stops the subscription.</summary>
        public void Dispose()
        {
            _owner.Remove(this);
            _queue.Writer.TryComplete();
        }

        internal void Offer(ChangeRecord change) => _queue.Writer.TryWrite(change);
    }
}
