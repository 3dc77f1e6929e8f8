using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>
/// The policy objects read from a netsh XML dump, before they are applied to an engine. Built-in providers,
/// sublayers and callouts are not listed as objects; the weights the dump gives built-in sublayers are in
/// <see cref="BuiltinSublayerWeights"/>.
/// </summary>
public sealed class NetshDocument
{
    /// <summary>The file name as the user gave it (for messages).</summary>
    public string Source { get; init; } = "netsh";

    /// <summary>Which dump this is.</summary>
    public NetshDumpKind Kind { get; init; }

    /// <summary>Providers that are not built in.</summary>
    public IReadOnlyList<NetshEntry<ProviderSpec>> Providers { get; init; } = [];

    /// <summary>Sublayers that are not built in.</summary>
    public IReadOnlyList<NetshEntry<SublayerSpec>> Sublayers { get; init; } = [];

    /// <summary>Callouts that are not built in.</summary>
    public IReadOnlyList<NetshEntry<CalloutSpec>> Callouts { get; init; } = [];

    /// <summary>Provider contexts of every type (built-in ones too: the engine holds none of its own), with Windows' ids.</summary>
    public IReadOnlyList<NetshEntry<ProviderContextSpec>> ProviderContexts { get; init; } = [];

    /// <summary>The state the dump gives built-in providers (flags, service name, ...).</summary>
    public IReadOnlyList<NetshEntry<ProviderSpec>> BuiltinProviders { get; init; } = [];

    /// <summary>The state the dump gives built-in sublayers (weight, flags, ...).</summary>
    public IReadOnlyList<NetshEntry<SublayerSpec>> BuiltinSublayers { get; init; } = [];

    /// <summary>The state the dump gives built-in callouts (flags, applicable layer, callout id).</summary>
    public IReadOnlyList<NetshEntry<CalloutSpec>> BuiltinCallouts { get; init; } = [];

    /// <summary>
    /// Sections of a state dump that are the Windows machine's run-time state, not policy (sessions, subscriptions,
    /// connected endpoints, IPsec SAs, statistics, net events, the time stamp, a trailing <c>&lt;firewallState&gt;</c>
    /// root): read without error, counted (items per section), not imported.
    /// </summary>
    public IReadOnlyDictionary<string, int> State { get; init; } = new Dictionary<string, int>();

    /// <summary>Filters, in file order, keeping Windows' filter ids and effective weights.</summary>
    public IReadOnlyList<NetshEntry<FilterSpec>> Filters { get; init; } = [];

    /// <summary>Weights the dump gives built-in sublayers, by SDK name (for <see cref="FilterEngineOptions.BuiltinSublayerWeights"/>).</summary>
    public IReadOnlyDictionary<string, ushort> BuiltinSublayerWeights { get; init; } = new Dictionary<string, ushort>();

    /// <summary>Items that could not be read into an object, with the element path and the reason.</summary>
    public IReadOnlyList<NetshSkippedItem> Skipped { get; init; } = [];

    /// <summary>Things the importer did to make the dump usable, e.g. a placeholder for a provider that filters name but the dump does not list.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The same objects as a native policy document (for <see cref="PolicyJsonWriter"/>).</summary>
    /// <returns>The document; filter ids are not part of the native format.</returns>
    public PolicyDocument ToPolicyDocument() => new()
    {
        Source = Source,
        Description = $"imported from netsh XML {Source}",
        Providers = [.. Providers.Select(e => e.Spec)],
        Sublayers = [.. Sublayers.Select(e => e.Spec)],
        Callouts = [.. Callouts.Select(e => e.Spec)],
        ProviderContexts = [.. ProviderContexts.Select(e => e.Spec)],
        Filters = [.. Filters.Select(e => e.Spec)],
    };
}
