using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Values;

namespace OpenWfp.Bfe;

/// <summary>
/// FWPM_FILTER_ENUM_TEMPLATE0 (https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_filter_enum_template0): which filters an enumeration or a change subscription returns.
/// </summary>
/// <remarks>
/// Conditions are compared as sets over the field's values (Microsoft does not define FULLY_CONTAINED and OVERLAPPING further; this is our reading): for every template
/// field, the filter's conditions on that field (OR-ed; none means every value) must contain the template's set
/// (FULLY_CONTAINED) or intersect it (OVERLAPPING). Sets are exact for equality, ranges and address masks on
/// ordered values; for other match types (flags, prefixes, security descriptors) a filter condition counts only
/// when it has the same match type and value.
/// </remarks>
public sealed record FilterEnumTemplate
{
    /// <summary>FWP_FILTER_ENUM_FLAG_BEST_TERMINATING_MATCH.</summary>
    public const uint FlagBestTerminatingMatch = 0x1;

    /// <summary>FWP_FILTER_ENUM_FLAG_SORTED.</summary>
    public const uint FlagSorted = 0x2;

    /// <summary>FWP_FILTER_ENUM_FLAG_BOOTTIME_ONLY.</summary>
    public const uint FlagBootTimeOnly = 0x4;

    /// <summary>FWP_FILTER_ENUM_FLAG_INCLUDE_BOOTTIME.</summary>
    public const uint FlagIncludeBootTime = 0x8;

    /// <summary>FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED.</summary>
    public const uint FlagIncludeDisabled = 0x10;

    /// <summary>FWP_FILTER_ENUM_FULLY_CONTAINED.</summary>
    public const uint FullyContained = 0;

    /// <summary>FWP_FILTER_ENUM_OVERLAPPING.</summary>
    public const uint Overlapping = 1;

    /// <summary>providerKey, or null for any.</summary>
    public Guid? ProviderKey { get; init; }

    /// <summary>layerKey, or null for any (WFP requires it; OpenWfp lets a template span layers).</summary>
    public Guid? LayerKey { get; init; }

    /// <summary>OpenWfp extension: only the filters of this sublayer.</summary>
    public Guid? SublayerKey { get; init; }

    /// <summary>enumType.</summary>
    public uint EnumType { get; init; } = Overlapping;

    /// <summary>flags (FWP_FILTER_ENUM_FLAG_*).</summary>
    public uint Flags { get; init; }

    /// <summary>filterCondition.</summary>
    public IReadOnlyList<FilterCondition> Conditions { get; init; } = [];

    /// <summary>actionMask: a filter is returned when <c>(action.type &amp; mask) != 0</c>; 0 stands for 0xFFFFFFFF.</summary>
    public uint ActionMask { get; init; }

    /// <summary>calloutKey, for callout filters.</summary>
    public Guid? CalloutKey { get; init; }

    /// <summary>True when a filter passes the template's key, action and condition tests.</summary>
    public bool Matches(FilterSpec filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if ((ProviderKey is { } p && filter.ProviderKey != p)
            || (LayerKey is { } l && filter.LayerKey != l)
            || (SublayerKey is { } s && filter.SublayerKey != s)
            || (CalloutKey is { } c && (!filter.Action.IsCallout || filter.Action.CalloutKey != c)))
        {
            return false;
        }

        var mask = ActionMask == 0 ? uint.MaxValue : ActionMask;
        if (((uint)filter.Action.Type & mask) == 0)
        {
            return false;
        }

        if ((Flags & FlagIncludeDisabled) == 0 && (filter.Flags & FilterFlags.Disabled) != 0)
        {
            return false;
        }

        foreach (var group in Conditions.GroupBy(t => t.FieldKey))
        {
            var filterConditions = filter.Conditions.Where(fc => fc.FieldKey == group.Key).ToList();
            if (filterConditions.Count == 0)
            {
                continue; // the filter does not constrain this field: it contains and overlaps every set
            }

            var ok = EnumType == FullyContained
                ? group.All(t => filterConditions.Exists(fc => Contains(fc, t)))
                : group.Any(t => filterConditions.Exists(fc => Overlaps(fc, t)));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The matching filters of <paramref name="source"/>, sorted and reduced as the flags say.</summary>
    public IReadOnlyList<FilterSpec> Apply(IEnumerable<FilterSpec> source, PolicySnapshot view)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(view);
        if (LayerKey is { } layerKey && LayerCatalog.ByKey(layerKey) is null)
        {
            throw new WfpException(WfpError.LayerNotFound, $"the template names layer {{{layerKey}}}, which does not exist");
        }

        var matched = source.Where(Matches);
        if ((Flags & (FlagSorted | FlagBestTerminatingMatch)) != 0)
        {
            // Evaluation order: sublayer weight, then effective weight, highest first; ties by filter id.
            matched = matched
                .OrderByDescending(f => view.SublayersByKey.GetValueOrDefault(f.SublayerKey)?.Weight ?? 0)
                .ThenByDescending(f => f.EffectiveWeight)
                .ThenBy(f => f.FilterId);
        }
        else
        {
            matched = matched.OrderBy(f => f.FilterId);
        }

        if ((Flags & FlagBestTerminatingMatch) != 0)
        {
            return [.. matched.Where(f => (f.Action.Type & ActionType.FlagTerminating) != 0).Take(1)];
        }

        return [.. matched];
    }

    private static bool Contains(FilterCondition filter, FilterCondition template) =>
        Interval(filter) is { } f && Interval(template) is { } t
            ? f.Low <= t.Low && t.High <= f.High
            : SameCondition(filter, template);

    private static bool Overlaps(FilterCondition filter, FilterCondition template) =>
        Interval(filter) is { } f && Interval(template) is { } t
            ? f.Low <= t.High && t.Low <= f.High
            : SameCondition(filter, template);

    private static bool SameCondition(FilterCondition a, FilterCondition b) => a.MatchType == b.MatchType && a.Value.Equals(b.Value);

    /// <summary>The closed interval of ordered values a condition accepts, or null when it is not one.</summary>
    private static (UInt128 Low, UInt128 High)? Interval(FilterCondition c)
    {
        var v = c.Value;
        switch (c.MatchType)
        {
            case FwpMatchType.Equal when v.Type == FwpDataType.V4AddrMask:
                var low4 = (uint)v.Value.RawUInt64 & v.V4Mask;
                return (low4, low4 | ~v.V4Mask);
            case FwpMatchType.Equal when v.Type == FwpDataType.V6AddrMask:
                var hostBits = 128 - v.V6PrefixLength;
                var mask6 = hostBits >= 128 ? UInt128.Zero : UInt128.MaxValue << hostBits;
                var low6 = v.Value.RawUInt128 & mask6;
                return (low6, low6 | ~mask6);
            case FwpMatchType.Equal when IsOrdered(v.Type):
                return (v.Value.OrderKey(), v.Value.OrderKey());
            case FwpMatchType.Range when v.Type == FwpDataType.Range && IsOrdered(v.RangeLow.Type):
                return (v.RangeLow.OrderKey(), v.RangeHigh.OrderKey());
            case FwpMatchType.Greater or FwpMatchType.GreaterOrEqual or FwpMatchType.Less or FwpMatchType.LessOrEqual when IsOrdered(v.Type):
                var k = v.Value.OrderKey();
                return c.MatchType switch
                {
                    FwpMatchType.Greater => (k + 1, UInt128.MaxValue),
                    FwpMatchType.GreaterOrEqual => (k, UInt128.MaxValue),
                    FwpMatchType.Less => (UInt128.Zero, k == 0 ? 0 : k - 1),
                    _ => (UInt128.Zero, k),
                };
            default:
                return null;
        }
    }

    private static bool IsOrdered(FwpDataType type) => FwpValue.IsOrderedScalar(type) || type == FwpDataType.ByteArray16 || type == FwpDataType.ByteArray6;
}
