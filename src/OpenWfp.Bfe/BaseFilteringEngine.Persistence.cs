using System.Collections.Immutable;
using OpenWfp.Bfe.Changes;
using OpenWfp.Bfe.Persistence;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Bfe;

/// <summary>Start-up from the store: boot-time policy first, then the persistent policy in one atomic switch.</summary>
public sealed partial class BaseFilteringEngine
{
    /// <summary>
    /// Start-up, phase 1: every stored provider, sublayer, callout and provider context, and the boot-time filters,
    /// in one commit. From here the data planes can enforce the boot-time policy, before any client connects.
    /// Objects the engine refuses are reported and left in the store, never deleted.
    /// </summary>
    /// <returns>One line per stored object that could not be loaded.</returns>
    public IReadOnlyList<string> ApplyBootTimePolicy()
    {
        if (_store is null)
        {
            return [];
        }

        var stored = _store.Load();
        _pendingPersistentFilters = stored.Filters;
        Volatile.Write(ref _objectSecurity, stored.SecurityDescriptors.ToImmutableDictionary());
        var problems = new List<string>();
        using var txn = Engine.BeginTransaction(TimeSpan.FromSeconds(60));

        // Stored objects come back as they were: callout and provider-context ids and the state flags kept.
        txn.KeepState = true;
        Load(stored.Providers, p => txn.AddProvider(p), p => $"provider {p.Key}", problems);
        Load(stored.Sublayers, s => txn.AddSublayer(s), s => $"sublayer {s.Key}", problems);
        Load(stored.Callouts, c => txn.AddCallout(c), c => $"callout {c.Key}", problems);
        Load(stored.ProviderContexts, pc => txn.AddProviderContext(pc), pc => $"provider context {pc.Key}", problems);
        var boot = _bootTimeFilters;
        Load(
            stored.Filters.Where(f => (f.Flags & FilterFlags.BootTime) != 0),
            f =>
            {
                var spec = txn.AddFilter(f);
                boot = boot.SetItem(spec.Key, spec);
                return spec;
            },
            f => $"boot-time filter {f.Key} (id {f.FilterId})",
            problems);
        txn.Commit();
        Volatile.Write(ref _bootTimeFilters, boot);
        return problems;
    }

    /// <summary>
    /// Start-up, phase 2 (the daemon is ready): the boot-time filters leave the running policy and the persistent
    /// filters enter it, in one commit, so classify never sees neither (as on Windows, the switch from boot-time to persistent policy is atomic; docs/WFPD.md, Running it).
    /// </summary>
    /// <returns>One line per stored filter that could not be loaded.</returns>
    public IReadOnlyList<string> ApplyPersistentPolicy()
    {
        var filters = _pendingPersistentFilters;
        _pendingPersistentFilters = [];
        var problems = new List<string>();
        using var txn = Engine.BeginTransaction(TimeSpan.FromSeconds(60));
        foreach (var boot in Volatile.Read(ref _bootTimeFilters).Values)
        {
            if (txn.View.FiltersByKey.ContainsKey(boot.Key))
            {
                txn.DeleteFilterByKey(boot.Key);
            }
        }

        Load(
            filters.Where(f => (f.Flags & FilterFlags.BootTime) == 0),
            f => txn.AddFilter(f),
            f => $"filter {f.Key} (id {f.FilterId})",
            problems);
        txn.Commit();
        return problems;
    }

    private IReadOnlyList<FilterSpec> _pendingPersistentFilters = [];

    private static void Load<T, TSpec>(IEnumerable<T> items, Func<T, TSpec> add, Func<T, string> describe, List<string> problems)
    {
        foreach (var item in items)
        {
            try
            {
                add(item);
            }
            catch (WfpException e)
            {
                problems.Add($"{describe(item)} was not loaded: {e.Message} [{e.ErrorName}]; it stays in the store");
            }
        }
    }

    /// <summary>The persistent part of one commit, as the store takes it.</summary>
    private static PolicyChangeSet PersistentChanges(List<ChangeRecord> records, ChangeLog log)
    {
        var persistent = records.Where(r => r.Persistent).ToList();
        if (persistent.Count == 0)
        {
            return new PolicyChangeSet();
        }

        List<Guid> Deleted(ObjectKind kind) => [.. persistent.Where(r => r.Type == ChangeType.Delete && r.Kind == kind).Select(r => r.Key)];
        List<T> Added<T>(ObjectKind kind) => [.. persistent.Where(r => r.Type == ChangeType.Add && r.Kind == kind).Select(r => (T)r.Object)];
        return new PolicyChangeSet
        {
            AddedProviders = [.. Added<ProviderSpec>(ObjectKind.Provider)],
            AddedSublayers = [.. Added<SublayerSpec>(ObjectKind.Sublayer)],
            AddedCallouts = [.. Added<CalloutSpec>(ObjectKind.Callout)],
            AddedProviderContexts = [.. Added<ProviderContextSpec>(ObjectKind.ProviderContext)],
            AddedFilters = [.. Added<FilterSpec>(ObjectKind.Filter)],
            DeletedProviders = Deleted(ObjectKind.Provider),
            DeletedSublayers = Deleted(ObjectKind.Sublayer),
            DeletedCallouts = Deleted(ObjectKind.Callout),
            DeletedProviderContexts = Deleted(ObjectKind.ProviderContext),
            DeletedFilters = Deleted(ObjectKind.Filter),
            SecurityDescriptors = [.. persistent.Select(r => (r.Kind, r.Key, r.Type == ChangeType.Add ? log.Security.GetValueOrDefault((r.Kind, r.Key)) : null))],
        };
    }
}
