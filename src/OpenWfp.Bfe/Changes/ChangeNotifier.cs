using System.Threading.Channels;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Bfe.Changes;

/// <summary>
/// What one change subscription asks for (FWPM_*_SUBSCRIPTION0 with its enum template): the object kinds, adds
/// and/or deletes, and for every kind an optional provider; for filters also a full filter template (layer, …).
/// </summary>
/// <param name="Kinds">The kinds reported; empty for all.</param>
/// <param name="Flags">FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD 0x1 and/or _ON_DELETE 0x2; 0 for both.</param>
/// <param name="ProviderKey">Only objects of this provider (providerKey of the enum templates), or null.</param>
/// <param name="FilterTemplate">For filters, which ones (FWPM_FILTER_ENUM_TEMPLATE0), or null.</param>
/// <param name="LayerKey">For callouts and filters, only those of this layer (layerKey of their templates), or null.</param>
public sealed record ChangeSubscriptionTemplate(
    IReadOnlySet<ObjectKind> Kinds,
    uint Flags = 0,
    Guid? ProviderKey = null,
    FilterEnumTemplate? FilterTemplate = null,
    Guid? LayerKey = null)
{
    /// <summary>FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD (fwpmtypes.h).</summary>
    public const uint NotifyOnAdd = 0x1;

    /// <summary>FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE (fwpmtypes.h).</summary>
    public const uint NotifyOnDelete = 0x2;

    /// <summary>Every change of every kind.</summary>
    public static ChangeSubscriptionTemplate All { get; } = new(new HashSet<ObjectKind>());

    /// <summary>Whether a committed change is one this subscription asked for.</summary>
    /// <param name="change">The change.</param>
    /// <returns>True to deliver it.</returns>
    public bool Matches(ChangeRecord change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var flags = Flags == 0 ? NotifyOnAdd | NotifyOnDelete : Flags;
        if ((Kinds.Count > 0 && !Kinds.Contains(change.Kind))
            || (change.Type == ChangeType.Add && (flags & NotifyOnAdd) == 0)
            || (change.Type == ChangeType.Delete && (flags & NotifyOnDelete) == 0))
        {
            return false;
        }

        if (ProviderKey is { } provider && ProviderOf(change.Object) != provider)
        {
            return false;
        }

        if (LayerKey is { } layer && change.Object switch { CalloutSpec c => c.ApplicableLayer != layer, FilterSpec f => f.LayerKey != layer, _ => false })
        {
            return false;
        }

        return FilterTemplate is null || change.Object is not FilterSpec filter || FilterTemplate.Matches(filter);
    }

    // A provider's own key counts as its provider: a provider subscription with a key follows that one provider.
    private static Guid? ProviderOf(object spec) => spec switch
    {
        ProviderSpec p => p.Key,
        SublayerSpec s => s.ProviderKey,
        CalloutSpec c => c.ProviderKey,
        ProviderContextSpec pc => pc.ProviderKey,
        FilterSpec f => f.ProviderKey,
        _ => null,
    };
}

/// <summary>
/// Change subscriptions (docs/WFPD.md, The API; https://learn.microsoft.com/en-us/windows/win32/fwp/change-notifications): after each commit, every subscriber gets the adds and deletes that match its
/// template, except the changes its own session made. Each subscriber has a bounded queue: one that falls
/// <see cref="QueueLimit"/> changes behind is cut off with FWP_E_NOTIFICATION_DROPPED, so a slow reader costs
/// neither unbounded memory nor a stalled commit.
/// </summary>
public sealed class ChangeNotifier
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>A notifier whose queues hold <paramref name="queueLimit"/> changes each.</summary>
    /// <param name="queueLimit">Most changes queued per subscriber before it is cut off.</param>
    public ChangeNotifier(int queueLimit = DefaultQueueLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLimit, 1);
        QueueLimit = queueLimit;
    }

    /// <summary>The default of <see cref="QueueLimit"/>.</summary>
    public const int DefaultQueueLimit = 10_000;

    /// <summary>Most changes queued per subscriber before it is cut off with FWP_E_NOTIFICATION_DROPPED.</summary>
    public int QueueLimit { get; }

    /// <summary>Subscribes with a predicate; dispose the result to stop.</summary>
    public Subscription Subscribe(Guid sessionKey, Func<ChangeRecord, bool> filter) =>
        Add(new Subscription(this, sessionKey, ChangeSubscriptionTemplate.All, filter));

    /// <summary>Subscribes with a template (Fwpm*SubscribeChanges0); dispose the result to stop.</summary>
    public Subscription Subscribe(Guid sessionKey, ChangeSubscriptionTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return Add(new Subscription(this, sessionKey, template, template.Matches));
    }

    /// <summary>The subscriptions in force (Fwpm*SubscriptionsGet0), in the order they were made.</summary>
    public IReadOnlyList<Subscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions];
            }
        }
    }

    /// <summary>Publishes one commit's changes.</summary>
    public void Publish(Guid originSession, IReadOnlyList<ChangeRecord> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        foreach (var s in Subscriptions)
        {
            if (s.SessionKey == originSession)
            {
                continue;
            }

            foreach (var change in changes)
            {
                if (s.Filter(change) && !s.Offer(change))
                {
                    break;
                }
            }
        }
    }

    private Subscription Add(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
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
        private readonly Channel<ChangeRecord> _queue;

        internal Subscription(ChangeNotifier owner, Guid sessionKey, ChangeSubscriptionTemplate template, Func<ChangeRecord, bool> filter)
        {
            _owner = owner;
            SessionKey = sessionKey;
            Template = template;
            Filter = filter;
            _queue = Channel.CreateBounded<ChangeRecord>(new BoundedChannelOptions(owner.QueueLimit) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        }

        /// <summary>The subscribing session.</summary>
        public Guid SessionKey { get; }

        /// <summary>What it asked for.</summary>
        public ChangeSubscriptionTemplate Template { get; }

        /// <summary>
        /// The changes, in commit order. When the subscriber fell too far behind, reading ends with a
        /// <see cref="WfpException"/> of FWP_E_NOTIFICATION_DROPPED after the changes queued before it.
        /// </summary>
        public ChannelReader<ChangeRecord> Reader => _queue.Reader;

        /// <summary>True once the subscription was cut off for falling behind.</summary>
        public bool Dropped { get; private set; }

        internal Func<ChangeRecord, bool> Filter { get; }

        /// <summary>Stops the subscription.</summary>
        public void Dispose()
        {
            _owner.Remove(this);
            _queue.Writer.TryComplete();
        }

        // Never waits: a full queue ends the subscription instead of holding up the commit that publishes.
        internal bool Offer(ChangeRecord change)
        {
            if (_queue.Writer.TryWrite(change))
            {
                return true;
            }

            if (!Dropped && !_queue.Reader.Completion.IsCompleted)
            {
                Dropped = true;
                _owner.Remove(this);
                _queue.Writer.TryComplete(new WfpException(
                    WfpError.NotificationDropped,
                    $"the subscriber fell more than {_owner.QueueLimit} changes behind; its subscription was ended"));
            }

            return false;
        }
    }
}
