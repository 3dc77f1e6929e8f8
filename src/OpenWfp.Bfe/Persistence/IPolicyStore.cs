using OpenWfp.Bfe.Changes;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;

namespace OpenWfp.Bfe.Persistence;

/// <summary>
/// The persistent policy (objects added with a PERSISTENT flag, and boot-time filters; docs/WFPD.md): what survives a
/// restart. Objects are the engine's own specs, keyed by GUID; how a store writes them is its own business
/// (<see cref="SqlitePolicyStore"/> has its own schema, independent of the management API's messages).
/// </summary>
/// <remarks>
/// <see cref="Apply"/> is atomic: after a crash at any moment (kill -9 included) the store holds either all of a
/// change set or none of it. The BFE calls it once per engine commit, before publishing the commit.
/// </remarks>
public interface IPolicyStore : IDisposable
{
    /// <summary>Where the store lives, for messages.</summary>
    public string Location { get; }

    /// <summary>Everything stored: persistent and boot-time objects.</summary>
    public StoredPolicy Load();

    /// <summary>Writes one commit's persistent adds and deletes, all or nothing.</summary>
    /// <exception cref="PolicyStoreException">The write failed; nothing of the change set is stored.</exception>
    public void Apply(PolicyChangeSet changes);
}

/// <summary>The stored objects, each kind in the order it was first stored.</summary>
public sealed record StoredPolicy(
    IReadOnlyList<ProviderSpec> Providers,
    IReadOnlyList<SublayerSpec> Sublayers,
    IReadOnlyList<CalloutSpec> Callouts,
    IReadOnlyList<ProviderContextSpec> ProviderContexts,
    IReadOnlyList<FilterSpec> Filters)
{
    /// <summary>Nothing stored.</summary>
    public static StoredPolicy Empty { get; } = new([], [], [], [], []);

    /// <summary>The security descriptors given to stored objects (FwpmXxxAdd0's sd, or set later), by kind and key.</summary>
    public IReadOnlyDictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor> SecurityDescriptors { get; init; } =
        new Dictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor>();
}

/// <summary>
/// One commit's changes to the persistent policy. Deletes are by key; an object that is both deleted and added in
/// one change set (delete then re-add with the same key) is replaced. Deletes are applied before adds.
/// </summary>
public sealed record PolicyChangeSet
{
    /// <summary>Added providers.</summary>
    public IReadOnlyList<ProviderSpec> AddedProviders { get; init; } = [];
    /// <summary>Added sublayers.</summary>
    public IReadOnlyList<SublayerSpec> AddedSublayers { get; init; } = [];
    /// <summary>Added callouts.</summary>
    public IReadOnlyList<CalloutSpec> AddedCallouts { get; init; } = [];
    /// <summary>Added provider contexts.</summary>
    public IReadOnlyList<ProviderContextSpec> AddedProviderContexts { get; init; } = [];
    /// <summary>Added filters.</summary>
    public IReadOnlyList<FilterSpec> AddedFilters { get; init; } = [];
    /// <summary>Deleted providers.</summary>
    public IReadOnlyList<Guid> DeletedProviders { get; init; } = [];
    /// <summary>Deleted sublayers.</summary>
    public IReadOnlyList<Guid> DeletedSublayers { get; init; } = [];
    /// <summary>Deleted callouts.</summary>
    public IReadOnlyList<Guid> DeletedCallouts { get; init; } = [];
    /// <summary>Deleted provider contexts.</summary>
    public IReadOnlyList<Guid> DeletedProviderContexts { get; init; } = [];
    /// <summary>Deleted filters.</summary>
    public IReadOnlyList<Guid> DeletedFilters { get; init; } = [];

    /// <summary>Object security descriptors to store (a value) or forget (null), applied after the object changes.</summary>
    public IReadOnlyList<(ObjectKind Kind, Guid Key, SecurityDescriptor? Sd)> SecurityDescriptors { get; init; } = [];

    /// <summary>True when there is nothing to write.</summary>
    public bool IsEmpty =>
        AddedProviders.Count + AddedSublayers.Count + AddedCallouts.Count + AddedProviderContexts.Count + AddedFilters.Count
        + DeletedProviders.Count + DeletedSublayers.Count + DeletedCallouts.Count + DeletedProviderContexts.Count + DeletedFilters.Count
        + SecurityDescriptors.Count == 0;
}

/// <summary>The store cannot be opened or written. The message names the file and what is wrong.</summary>
public sealed class PolicyStoreException : Exception
{
    /// <summary>An error with a message naming the file and the problem.</summary>
    public PolicyStoreException(string message)
        : base(message)
    {
    }

    /// <summary>An error caused by <paramref name="inner"/>.</summary>
    public PolicyStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>An error without a message (for serializers; not used by OpenWfp).</summary>
    public PolicyStoreException()
    {
    }
}
