namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>An item of a netsh XML dump that was not imported, and why.</summary>
/// <param name="Path">The element path of the item (and of the offending element inside it, when known).</param>
/// <param name="Name">The item's display name, when it has one.</param>
/// <param name="Reason">Why it was not imported.</param>
/// <param name="Error">The engine's FWP_E_* name when the engine rejected the object; null for parse problems.</param>
public sealed record NetshSkippedItem(string Path, string? Name, string Reason, string? Error = null)
{
    /// <summary>One line: path, name, reason and error name.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        Path + (string.IsNullOrEmpty(Name) ? "" : $" \"{Name}\"") + ": " + Reason + (Error is null ? "" : $" [{Error}]");
}
