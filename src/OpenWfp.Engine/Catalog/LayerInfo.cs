namespace OpenWfp.Engine.Catalog;

/// <summary>
/// A built-in filtering layer: its management identity (<c>FWPM_LAYER_*</c> GUID), run-time identity
/// (<c>FWPS_LAYER_*</c> id) and the ordered data fields classification sees.
/// </summary>
public sealed class LayerInfo
{
    private const string NamePrefix = "FWPM_LAYER_";
    private const string ConditionPrefix = "FWPM_CONDITION_";

    private readonly LayerFieldInfo[] _fields;
    private readonly Guid[] _conditionKeys;

    internal LayerInfo(
        Guid key,
        string name,
        string fwpsName,
        ushort layerId,
        bool isKernel,
        bool isDiscard,
        IpVersion ipVersion,
        LayerDirection direction,
        string family,
        string since,
        string fieldEnum,
        string? note,
        LayerFieldInfo[] fields,
        uint metadataFields,
        string[] metadataFieldNames)
    {
        Key = key;
        Name = name;
        ShortName = name.StartsWith(NamePrefix, StringComparison.Ordinal) ? name[NamePrefix.Length..] : name;
        FwpsName = fwpsName;
        LayerId = layerId;
        IsKernel = isKernel;
        IsDiscard = isDiscard;
        IpVersion = ipVersion;
        Direction = direction;
        Family = family;
        Since = since;
        FieldEnum = fieldEnum;
        Note = note;
        _fields = fields;
        Fields = Array.AsReadOnly(fields);
        MetadataFields = metadataFields;
        MetadataFieldNames = Array.AsReadOnly(metadataFieldNames);

        _conditionKeys = new Guid[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (fields[i].Index != i)
            {
                throw new InvalidOperationException($"{name}: field {fields[i].FwpsName} has index {fields[i].Index}, expected {i}.");
            }

            _conditionKeys[i] = fields[i].ConditionKey ?? Guid.Empty;
        }
    }

    /// <summary>The layer GUID (<c>FWPM_LAYER0.layerKey</c>).</summary>
    public Guid Key { get; }

    /// <summary>The SDK name, e.g. <c>FWPM_LAYER_ALE_AUTH_CONNECT_V4</c>.</summary>
    public string Name { get; }

    /// <summary>The name without the <c>FWPM_LAYER_</c> prefix, e.g. <c>ALE_AUTH_CONNECT_V4</c>.</summary>
    public string ShortName { get; }

    /// <summary>The run-time layer name, e.g. <c>FWPS_LAYER_ALE_AUTH_CONNECT_V4</c>.</summary>
    public string FwpsName { get; }

    /// <summary>The run-time layer id (<c>FWPS_BUILTIN_LAYERS</c> value, <c>FWPM_LAYER0.layerId</c>).</summary>
    public ushort LayerId { get; }

    /// <summary><see langword="true"/> for a kernel-mode (stack) layer, <see langword="false"/> for a user-mode (BFE) layer.</summary>
    public bool IsKernel { get; }

    /// <summary><see langword="true"/> for a <c>*_DISCARD</c> layer, which sees traffic another layer dropped.</summary>
    public bool IsDiscard { get; }

    /// <summary>The IP version the layer is specific to.</summary>
    public IpVersion IpVersion { get; }

    /// <summary>The direction of the traffic the layer classifies.</summary>
    public LayerDirection Direction { get; }

    /// <summary>A short human-readable description of the layer's place in the stack.</summary>
    public string Family { get; }

    /// <summary>
    /// The first NTDDI version whose headers define the layer GUID, e.g. <c>WIN6</c>; empty for a layer the SDK does
    /// not define (see <see cref="Note"/>).
    /// </summary>
    public string Since { get; }

    /// <summary>
    /// The <c>FWPS_FIELDS_*</c> enum that lists the fields (discard layers share their base layer's enum); empty when
    /// the SDK has none and the fields come from what Windows reports (see <see cref="Note"/>).
    /// </summary>
    public string FieldEnum { get; }

    /// <summary>
    /// Where the layer comes from when not only from the SDK headers, e.g. that it was observed in
    /// <c>netsh wfp show state</c> output of a named Windows build; otherwise <see langword="null"/>.
    /// </summary>
    public string? Note { get; }

    /// <summary>The layer's data fields, in FWPS index order (<c>Fields[i].Index == i</c>).</summary>
    public IReadOnlyList<LayerFieldInfo> Fields { get; }

    /// <summary>
    /// The OR of the metadata flags the layer can supply (<c>FWPS_METADATA_FIELD_*</c>, or
    /// <c>FWPS_L2_METADATA_FIELD_*</c> for the vSwitch layers; see <see cref="MetadataFieldNames"/>); 0 if none are listed.
    /// Availability at a given classification is conditional.
    /// </summary>
    public uint MetadataFields { get; }

    /// <summary>The names of the metadata flags OR-ed into <see cref="MetadataFields"/>, in source order.</summary>
    public IReadOnlyList<string> MetadataFieldNames { get; }

    /// <summary>
    /// The index of the field selected by condition GUID <paramref name="conditionKey"/> (alias GUIDs are the same
    /// GUIDs), or -1 when the layer has no such field. Does not allocate.
    /// </summary>
    /// <param name="conditionKey">A condition GUID (<c>FWPM_FILTER_CONDITION0.fieldKey</c>).</param>
    /// <returns>The field index, or -1.</returns>
    public int FieldIndexOf(Guid conditionKey)
    {
        if (conditionKey == Guid.Empty)
        {
            return -1;
        }

        var keys = _conditionKeys;
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] == conditionKey)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The field with this name (as <see cref="FindField"/> reads it); throws when the layer has none.</summary>
    public LayerFieldInfo Field(string name) =>
        FindField(name) ?? throw new KeyNotFoundException($"layer {ShortName} has no field '{name}'");

    /// <summary>
    /// Finds a field by name, case-insensitively. Accepts the field name (<c>IP_REMOTE_ADDRESS</c>), the FWPS name
    /// (<c>FWPS_FIELD_..._IP_REMOTE_ADDRESS</c>, including FWPS <c>#define</c> aliases), the condition name with or
    /// without the <c>FWPM_CONDITION_</c> prefix, a condition alias name (<c>ICMP_TYPE</c>, resolved through its
    /// GUID) or a condition GUID in text form, with or without braces.
    /// </summary>
    /// <param name="name">The name or GUID text.</param>
    /// <returns>The field, or <see langword="null"/> when the layer has no field by that name.</returns>
    public LayerFieldInfo? FindField(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = name.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        foreach (var field in _fields)
        {
            if (string.Equals(field.Name, text, StringComparison.OrdinalIgnoreCase)
                || string.Equals(field.FwpsName, text, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }

        if (LayerCatalog.FwpsFieldAliases.TryGetValue(text, out var aliasTarget))
        {
            foreach (var field in _fields)
            {
                if (string.Equals(field.FwpsName, aliasTarget, StringComparison.Ordinal))
                {
                    return field;
                }
            }
        }

        var bare = text.StartsWith(ConditionPrefix, StringComparison.OrdinalIgnoreCase) ? text[ConditionPrefix.Length..] : text;
        foreach (var field in _fields)
        {
            if (field.ConditionName is { } conditionName
                && conditionName.Length == ConditionPrefix.Length + bare.Length
                && conditionName.EndsWith(bare, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }

        var key = LayerCatalog.TryFindCondition(text, out var condition)
            ? condition.Key
            : Guid.TryParse(text, out var parsed) ? parsed : Guid.Empty;
        var index = FieldIndexOf(key);
        return index < 0 ? null : _fields[index];
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
