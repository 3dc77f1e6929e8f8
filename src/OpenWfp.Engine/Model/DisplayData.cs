namespace OpenWfp.Engine.Model;

/// <summary>FWPM_DISPLAY_DATA0: a name (required for filters, callouts, sublayers and providers) and a description.</summary>
/// <param name="Name">The display name.</param>
/// <param name="Description">An optional description.</param>
public sealed record DisplayData(string Name, string? Description = null)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}
