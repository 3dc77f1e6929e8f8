using System.Numerics;

namespace OpenWfp.Engine.Values;

/// <summary>
/// FWP_CONDITION_VALUE0: the operand of a filter condition. Besides every <see cref="FwpValue"/> type it can hold
/// an IPv4 address and mask (FWP_V4_ADDR_MASK), an IPv6 address and prefix length (FWP_V6_ADDR_MASK) or an
/// inclusive range of two values (FWP_RANGE_TYPE).
/// </summary>
public sealed class FwpConditionValue : IEquatable<FwpConditionValue>
{
    private FwpConditionValue(FwpDataType type, FwpValue value, FwpValue high = default, uint v4Mask = 0, byte v6PrefixLength = 0)
    {
        Type = type;
        Value = value;
        RangeHigh = high;
        V4Mask = v4Mask;
        V6PrefixLength = v6PrefixLength;
    }

    /// <summary>The condition value's FWP_DATA_TYPE (may be a mask or range type).</summary>
    public FwpDataType Type { get; }

    /// <summary>The single value; for a range its low end; for an address mask the address (UINT32 or BYTE_ARRAY16).</summary>
    public FwpValue Value { get; }

    /// <summary>The range's high end (FWP_RANGE_TYPE only).</summary>
    public FwpValue RangeHigh { get; }

    /// <summary>The range's low end (FWP_RANGE_TYPE only).</summary>
    public FwpValue RangeLow => Value;

    /// <summary>The IPv4 mask in host order (FWP_V4_ADDR_MASK only).</summary>
    public uint V4Mask { get; }

    /// <summary>The IPv6 prefix length (FWP_V6_ADDR_MASK only).</summary>
    public byte V6PrefixLength { get; }

    /// <summary>A condition value of one of the single types.</summary>
    public static FwpConditionValue Of(FwpValue value) => new(value.Type, value);

    /// <summary>An FWP_V4_ADDR_MASK value (address and mask in host order).</summary>
    public static FwpConditionValue V4AddressMask(uint address, uint mask) =>
        new(FwpDataType.V4AddrMask, FwpValue.FromUInt32(address), default, mask);

    /// <summary>An FWP_V6_ADDR_MASK value (address in network order as a big-endian number, prefix length).</summary>
    public static FwpConditionValue V6AddressMask(UInt128 address, byte prefixLength) =>
        new(FwpDataType.V6AddrMask, FwpValue.FromByteArray16(address), default, 0, prefixLength);

    /// <summary>An FWP_RANGE_TYPE value (inclusive).</summary>
    public static FwpConditionValue Range(FwpValue low, FwpValue high) => new(FwpDataType.Range, low, high);

    /// <summary>True when a V4 mask is contiguous (ones then zeros), as WFP requires (else FWP_E_INVALID_NET_MASK).</summary>
    public static bool IsContiguousMask(uint mask) => mask == 0 || BitOperations.LeadingZeroCount(~mask) + BitOperations.TrailingZeroCount(mask) == 32;

    /// <inheritdoc/>
    public bool Equals(FwpConditionValue? other) =>
        other is not null && Type == other.Type && Value.Equals(other.Value) && RangeHigh.Equals(other.RangeHigh)
        && V4Mask == other.V4Mask && V6PrefixLength == other.V6PrefixLength;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as FwpConditionValue);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Value, RangeHigh, V4Mask, V6PrefixLength);

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        FwpDataType.V4AddrMask => $"{FwpValueFormatter.FormatIPv4((uint)Value.RawUInt64)}/{FwpValueFormatter.FormatIPv4(V4Mask)}",
        FwpDataType.V6AddrMask => $"{FwpValueFormatter.FormatIPv6(Value.RawUInt128)}/{V6PrefixLength}",
        FwpDataType.Range => $"{Value}-{RangeHigh}",
        _ => Value.ToString(),
    };
}
