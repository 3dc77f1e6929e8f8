namespace OpenWfp.Engine.Diff;

/// <summary>The kinds of management object a policy holds, in the order WFP adds them (a filter needs the rest).</summary>
public enum ObjectKind
{
    /// <summary>FWPM_PROVIDER0.</summary>
    Provider,

    /// <summary>FWPM_SUBLAYER0.</summary>
    Sublayer,

    /// <summary>FWPM_CALLOUT0.</summary>
    Callout,

    /// <summary>FWPM_PROVIDER_CONTEXT.</summary>
    ProviderContext,

    /// <summary>FWPM_FILTER0.</summary>
    Filter,
}

/// <summary>How an object differs between the two policies.</summary>
public enum ChangeType
{
    /// <summary>Only in the second policy.</summary>
    Added,

    /// <summary>Only in the first policy.</summary>
    Removed,

    /// <summary>In both, with different properties.</summary>
    Changed,
}

/// <summary>One object that differs.</summary>
/// <param name="Kind">The object's kind.</param>
/// <param name="Key">Its key, the identity objects are matched by.</param>
/// <param name="Name">Its display name (in the second policy when it is in both).</param>
/// <param name="Change">Added, removed or changed.</param>
/// <param name="Layer">The layer's short name, for filters and callouts.</param>
/// <param name="Fields">For a changed object, the properties that differ.</param>
public sealed record ObjectChange(ObjectKind Kind, Guid Key, string Name, ChangeType Change, string? Layer, IReadOnlyList<FieldChange> Fields);

/// <summary>One property that differs; a list property gives the items that left and the items that came instead of before/after.</summary>
/// <param name="Property">The property's name in the native policy format (docs/POLICY.md).</param>
/// <param name="Before">Its value in the first policy (null when absent or a list).</param>
/// <param name="After">Its value in the second policy (null when absent or a list).</param>
/// <param name="Removed">List items only in the first policy.</param>
/// <param name="Added">List items only in the second policy.</param>
public sealed record FieldChange(string Property, string? Before, string? After, IReadOnlyList<string> Removed, IReadOnlyList<string> Added);
