namespace OpenWfp.Engine.Model;

/// <summary>FWPM_SUBLAYER0: a partition of every layer for arbitration; higher weight is evaluated first.</summary>
public sealed record SublayerSpec
{
    /// <summary>subLayerKey; <see cref="Guid.Empty"/> asks the engine to generate one.</summary>
    public Guid Key { get; init; }

    /// <summary>displayData (name required).</summary>
    public DisplayData DisplayData { get; init; } = new("");

    /// <summary>flags.</summary>
    public SublayerFlags Flags { get; init; }

    /// <summary>providerKey, optional.</summary>
    public Guid? ProviderKey { get; init; }

    /// <summary>providerData (opaque).</summary>
    public byte[]? ProviderData { get; init; }

    /// <summary>weight: higher is evaluated first.</summary>
    public ushort Weight { get; init; }

    /// <summary>True for the built-in sublayers of the catalog.</summary>
    public bool IsBuiltin { get; init; }
}
