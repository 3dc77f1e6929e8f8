using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>What an import added to an engine, and every item it could not.</summary>
public sealed class NetshImportResult
{
    /// <summary>The file name as the user gave it.</summary>
    public string Source { get; init; } = "netsh";

    /// <summary>Providers added.</summary>
    public int Providers { get; init; }

    /// <summary>Sublayers added.</summary>
    public int Sublayers { get; init; }

    /// <summary>Callouts added.</summary>
    public int Callouts { get; init; }

    /// <summary>Provider contexts added.</summary>
    public int ProviderContexts { get; init; }

    /// <summary>Built-in providers, sublayers and callouts whose state (flags, ids, weights) came from the dump.</summary>
    public int BuiltinObjects { get; init; }

    /// <summary>Run-time state sections read and not imported (name: items).</summary>
    public IReadOnlyDictionary<string, int> State { get; init; } = new Dictionary<string, int>();

    /// <summary>Filters added.</summary>
    public int Filters { get; init; }

    /// <summary>Built-in sublayers whose weight came from the dump.</summary>
    public int BuiltinSublayerWeights { get; init; }

    /// <summary>The filters as the engine stored them.</summary>
    public IReadOnlyList<FilterSpec> StoredFilters { get; init; } = [];

    /// <summary>Items not imported: unreadable ones and ones the engine rejected (with the FWP_E_* name).</summary>
    public IReadOnlyList<NetshSkippedItem> Skipped { get; init; } = [];

    /// <summary>Repairs the importer made (placeholders and the like).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
