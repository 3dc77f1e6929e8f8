using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Policy;

/// <summary>What validation reads: a committed snapshot or a transaction's working copy.</summary>
internal interface IPolicyView
{
    public IReadOnlyDictionary<Guid, ProviderSpec> Providers { get; }

    public IReadOnlyDictionary<Guid, SublayerSpec> Sublayers { get; }

    public IReadOnlyDictionary<Guid, CalloutSpec> Callouts { get; }

    public IReadOnlyDictionary<Guid, ProviderContextSpec> ProviderContexts { get; }

    public IReadOnlyDictionary<Guid, FilterSpec> Filters { get; }

    public IReadOnlyDictionary<ulong, Guid> FilterKeyById { get; }
}
