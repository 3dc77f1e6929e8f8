namespace OpenWfp.Engine.Model;

/// <summary>FWPM_PROVIDER0: a management grouping of objects; no effect on classification.</summary>
public sealed record ProviderSpec
{
    /// <summary>providerKey; <see cref="Guid.Empty"/> asks the engine to generate one.</summary>
    public Guid Key { get; init; }

    /// <summary>displayData (name required).</summary>
    public DisplayData DisplayData { get; init; } = new("");

    /// <summary>flags.</summary>
    public ProviderFlags Flags { get; init; }

    /// <summary>providerData (opaque).</summary>
    public byte[]? ProviderData { get; init; }

    /// <summary>serviceName.</summary>
    public string? ServiceName { get; init; }

    /// <summary>True for the built-in providers of the catalog (cannot be added or deleted).</summary>
    public bool IsBuiltin { get; init; }
}
