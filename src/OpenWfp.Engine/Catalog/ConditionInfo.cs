using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Catalog;

/// <summary>A filtering condition identifier (<c>FWPM_CONDITION_*</c>) and the value types its conditions accept.</summary>
public sealed class ConditionInfo
{
    internal ConditionInfo(string name, Guid key, FwpDataType[] valueTypes, string? aliasOf, string? since)
    {
        Name = name;
        Key = key;
        ValueTypes = Array.AsReadOnly(valueTypes);
        AliasOf = aliasOf;
        Since = since;
    }

    /// <summary>The SDK name, e.g. <c>FWPM_CONDITION_IP_REMOTE_ADDRESS</c>.</summary>
    public string Name { get; }

    /// <summary>The condition GUID (the <c>fieldKey</c> of a filter condition). Aliases share their target's GUID.</summary>
    public Guid Key { get; }

    /// <summary>
    /// The documented value types a filter condition on this field may carry, in source order; empty for the
    /// reserved conditions, whose types are undocumented.
    /// </summary>
    public IReadOnlyList<FwpDataType> ValueTypes { get; }

    /// <summary>
    /// For a <c>#define</c> alias (e.g. <c>FWPM_CONDITION_ICMP_TYPE</c>), the canonical name it stands for
    /// (<c>FWPM_CONDITION_IP_LOCAL_PORT</c>); otherwise <see langword="null"/>.
    /// </summary>
    public string? AliasOf { get; }

    /// <summary>The first NTDDI version whose headers define the GUID; <see langword="null"/> for aliases (not given by the source).</summary>
    public string? Since { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
