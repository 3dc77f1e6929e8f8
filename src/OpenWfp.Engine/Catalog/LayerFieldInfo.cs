using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Catalog;

/// <summary>
/// One data field of a run-time filtering layer: an entry of the layer's <c>FWPS_FIELDS_*</c> enum, i.e. a slot of
/// the incoming value array the stack passes to classification.
/// </summary>
public sealed class LayerFieldInfo
{
    internal LayerFieldInfo(
        int index,
        string fwpsName,
        string name,
        string? conditionName,
        Guid? conditionKey,
        string? conditionAliasOf,
        FwpDataType incomingType,
        string? incomingTypeNote,
        FwpDataType[] conditionTypes,
        string since,
        string? note)
    {
        Index = index;
        FwpsName = fwpsName;
        Name = name;
        ConditionName = conditionName;
        ConditionKey = conditionKey;
        ConditionAliasOf = conditionAliasOf;
        IncomingType = incomingType;
        IncomingTypeNote = incomingTypeNote;
        ConditionTypes = Array.AsReadOnly(conditionTypes);
        Since = since;
        Note = note;
    }

    /// <summary>The FWPS field index: the position of this field in the layer's incoming value array.</summary>
    public int Index { get; }

    /// <summary>The <c>FWPS_FIELD_*</c> enumerator name, e.g. <c>FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_ADDRESS</c>.</summary>
    public string FwpsName { get; }

    /// <summary>
    /// True for IPv4 address fields (FWP_UINT32 in host order, printed dotted): exactly the fields whose conditions
    /// may be FWP_V4_ADDR_MASK values.
    /// </summary>
    public bool IsIPv4Address => ConditionTypes.Contains(FwpDataType.V4AddrMask);

    /// <summary>The field name without the layer prefix, e.g. <c>IP_REMOTE_ADDRESS</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// The <c>FWPM_CONDITION_*</c> name filters use for this field, or <see langword="null"/> for reserved fields.
    /// May be non-null while <see cref="ConditionKey"/> is null when the header defines no GUID for the name.
    /// </summary>
    public string? ConditionName { get; }

    /// <summary>The condition GUID that selects this field, or <see langword="null"/> when there is none (reserved fields).</summary>
    public Guid? ConditionKey { get; }

    /// <summary>
    /// When <see cref="ConditionName"/> is a <c>#define</c> alias, the canonical condition name
    /// (e.g. <c>FWPM_CONDITION_IP_LOCAL_PORT</c> for <c>ICMP_TYPE</c>); otherwise <see langword="null"/>.
    /// </summary>
    public string? ConditionAliasOf { get; }

    /// <summary>
    /// The type of the run-time value the stack supplies for this field (<see cref="FwpDataType.Empty"/> for reserved
    /// fields). Inferred, not from a header; see <see cref="IncomingTypeNote"/>.
    /// </summary>
    public FwpDataType IncomingType { get; }

    /// <summary>
    /// The source's annotation when its incoming type was not a plain type name (e.g.
    /// <c>"FWP_TOKEN_INFORMATION_TYPE (inferred)"</c>); otherwise <see langword="null"/>.
    /// </summary>
    public string? IncomingTypeNote { get; }

    /// <summary>The value types a filter condition on this field may carry at this layer, in source order (empty if undocumented).</summary>
    public IReadOnlyList<FwpDataType> ConditionTypes { get; }

    /// <summary>The first NTDDI version whose headers define the field, e.g. <c>WIN6</c>.</summary>
    public string Since { get; }

    /// <summary>A remark from the source about the field (e.g. that it is reserved), or <see langword="null"/>.</summary>
    public string? Note { get; }

    /// <inheritdoc/>
    public override string ToString() => FwpsName;
}
