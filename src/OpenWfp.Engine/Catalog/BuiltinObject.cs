namespace OpenWfp.Engine.Catalog;

/// <summary>
/// A built-in WFP object known only by name and GUID: a sublayer, provider, provider context, callout or keying module from
/// <c>fwpmu.h</c>.
/// </summary>
public sealed class BuiltinObject
{
    internal BuiltinObject(string name, Guid key, string since, string? aliasOf)
    {
        Name = name;
        Key = key;
        Since = since;
        AliasOf = aliasOf;
    }

    /// <summary>The SDK name, e.g. <c>FWPM_SUBLAYER_UNIVERSAL</c>.</summary>
    public string Name { get; }

    /// <summary>The object's GUID.</summary>
    public Guid Key { get; }

    /// <summary>
    /// The first NTDDI version whose headers define the name (e.g. <c>WIN6</c>); empty when the source gives none
    /// (the <c>#define</c> alias <c>FWPM_SUBLAYER_EDGE_TRAVERSAL</c>).
    /// </summary>
    public string Since { get; }

    /// <summary>
    /// For a name that is a <c>#define</c> alias of another built-in object, the canonical name
    /// (e.g. <c>FWPM_SUBLAYER_EDGE_TRAVERSAL</c> → <c>FWPM_SUBLAYER_TEREDO</c>); otherwise <see langword="null"/>.
    /// </summary>
    public string? AliasOf { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
