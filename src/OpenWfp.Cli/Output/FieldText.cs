using System.Globalization;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Output;

/// <summary>
/// Field and condition values as the text output shows them: as the policy format writes them, except interface
/// LUIDs, which read as their parts (<c>luid 0x0006000001000000 (iftype 6, index 1)</c>) instead of a 16-digit
/// decimal. JSON output keeps the number.
/// </summary>
internal static class FieldText
{
    // The FWPM_CONDITION_* keys whose values are NET_LUIDs (fwpmu.h; Microsoft Learn, "Filtering condition
    // identifiers"). FWPM_CONDITION_INTERFACE is an alias of IP_LOCAL_INTERFACE's key.
    private static readonly HashSet<Guid> LuidConditions =
    [
        new("4cd62a49-59c3-4969-b7f3-bda5d32890a4"), // FWPM_CONDITION_IP_LOCAL_INTERFACE
        new("618a9b6d-386b-4136-ad6e-b51587cfb1cd"), // FWPM_CONDITION_IP_ARRIVAL_INTERFACE
        new("93ae8f5b-7f6f-4719-98c8-14e97429ef04"), // FWPM_CONDITION_IP_NEXTHOP_INTERFACE
        new("1076b8a5-6323-4c5e-9810-e8d3fc9e6136"), // FWPM_CONDITION_IP_FORWARD_INTERFACE
        new("da50d5c8-fa0d-4c89-b032-6e62136d1e96"), // FWPM_CONDITION_IP_PHYSICAL_ARRIVAL_INTERFACE
        new("f09bd5ce-5150-48be-b098-c25152fb1f92"), // FWPM_CONDITION_IP_PHYSICAL_NEXTHOP_INTERFACE
    ];

    /// <summary>An incoming value.</summary>
    /// <param name="field">The layer field.</param>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Value(LayerFieldInfo field, FwpValue value) =>
        IsLuid(field, value) ? Luid(value.RawUInt64) : FieldValueParser.FormatValue(field, value);

    /// <summary>A condition's value (a range of LUIDs reads as two).</summary>
    /// <param name="field">The layer field.</param>
    /// <param name="value">The condition value.</param>
    /// <returns>The text.</returns>
    public static string Condition(LayerFieldInfo field, FwpConditionValue value) => value.Type switch
    {
        FwpDataType.Range when IsLuid(field, value.RangeLow) => $"{Luid(value.RangeLow.RawUInt64)}-{Luid(value.RangeHigh.RawUInt64)}",
        _ when IsLuid(field, value.Value) => Luid(value.Value.RawUInt64),
        _ => FieldValueParser.FormatCondition(field, value),
    };

    /// <summary>
    /// A NET_LUID by its parts (ifdef.h NET_LUID_LH: NetLuidIndex in bits 24–47, IfType in bits 48–63; the low 24
    /// bits are reserved): <c>luid 0x0006000001000000 (iftype 6, index 1)</c>. IfType is the IANA ifType
    /// (6 ethernetCsmacd, 24 softwareLoopback, 71 ieee80211, 131 tunnel).
    /// </summary>
    /// <param name="luid">The LUID.</param>
    /// <returns>The text.</returns>
    public static string Luid(ulong luid) =>
        string.Create(CultureInfo.InvariantCulture, $"luid 0x{luid:x16} (iftype {luid >> 48}, index {(luid >> 24) & 0xFF_FFFF})");

    private static bool IsLuid(LayerFieldInfo field, FwpValue value) =>
        value.Type == FwpDataType.UInt64 && field.ConditionKey is { } key && LuidConditions.Contains(key);
}
