using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Benchmarks;

/// <summary>
/// A deliberately naive classifier written straight from docs/ARBITRATION.md, The algorithm: sublayers by weight descending, filters by
/// effective weight descending (filter id ascending on ties), every condition of every filter tested with direct
/// comparisons on the management objects (field indexes resolved once up front, nothing else precomputed), the first terminating filter per sublayer, then arbitration. Static
/// PERMIT/BLOCK filters only (the benchmark policy has no callouts). The baseline for the 100× target.
/// </summary>
public sealed class NaiveClassifier
{
    private readonly (SublayerSpec Sublayer, (FilterSpec Spec, int[] FieldIndexes)[] Filters)[] _sublayers;

    /// <summary>Builds the evaluation order from committed filters (which carry FilterId and EffectiveWeight).</summary>
    public NaiveClassifier(LayerInfo layer, IEnumerable<SublayerSpec> sublayers, IEnumerable<FilterSpec> committedFilters)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var byKey = committedFilters.GroupBy(f => f.SublayerKey).ToDictionary(g => g.Key, g => g.ToArray());
        _sublayers = [.. sublayers
            .OrderByDescending(s => s.Weight).ThenBy(s => s.Key)
            .Select(s => (s, byKey.TryGetValue(s.Key, out var fs)
                ? fs.OrderByDescending(f => f.EffectiveWeight).ThenBy(f => f.FilterId)
                    .Select(f => (f, f.Conditions.Select(c => layer.FieldIndexOf(c.FieldKey)).ToArray())).ToArray()
                : []))];
    }

    /// <summary>Classifies; returns the action (NONE_NO_MATCH when no filter decided) and the deciding filter id.</summary>
    public (ActionType Action, ulong FilterId) Classify(FwpValue[] values)
    {
        var action = ActionType.NoneNoMatch;
        ulong filterId = 0;
        var canWrite = true;
        foreach (var (_, filters) in _sublayers)
        {
            foreach (var (f, fieldIndexes) in filters)
            {
                if (!Matches(f, fieldIndexes, values))
                {
                    continue;
                }

                var r = f.Action.Type;
                var hard = r == ActionType.Block || (f.Flags & FilterFlags.ClearActionRight) != 0;
                if (canWrite)
                {
                    // The reported filter is the one that set the current state (agreeing soft decisions keep the first).
                    if (action != r || hard)
                    {
                        filterId = f.FilterId;
                    }

                    action = r;
                    if (hard)
                    {
                        canWrite = false;
                    }
                }

                break; // the first terminating filter ends this sublayer
            }
        }

        return (action, filterId);
    }

    private static bool Matches(FilterSpec f, int[] fieldIndexes, FwpValue[] values)
    {
        // AND over distinct fields of OR within a field (docs/ARBITRATION.md, Matching conditions).
        var conditions = f.Conditions;
        for (var i = 0; i < conditions.Count; i++)
        {
            var key = conditions[i].FieldKey;
            var seenBefore = false;
            for (var j = 0; j < i; j++)
            {
                if (conditions[j].FieldKey == key)
                {
                    seenBefore = true;
                    break;
                }
            }

            if (seenBefore)
            {
                continue;
            }

            var any = false;
            for (var j = i; j < conditions.Count && !any; j++)
            {
                if (conditions[j].FieldKey == key)
                {
                    any = Holds(conditions[j], values[fieldIndexes[j]]);
                }
            }

            if (!any)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool Holds(FilterCondition c, FwpValue v)
    {
        var cv = c.Value;
        switch (cv.Type)
        {
            case FwpDataType.V4AddrMask:
                return v.Type == FwpDataType.UInt32 && c.MatchType == FwpMatchType.Equal
                    && ((uint)v.RawUInt64 & cv.V4Mask) == ((uint)cv.Value.RawUInt64 & cv.V4Mask);
            case FwpDataType.Range:
                if (c.MatchType != FwpMatchType.Range || v.Type != cv.RangeLow.Type)
                {
                    return false;
                }

                if (v.Type == FwpDataType.ByteBlob)
                {
                    return v.Blob.SequenceCompareTo(cv.RangeLow.Blob) >= 0 && v.Blob.SequenceCompareTo(cv.RangeHigh.Blob) <= 0;
                }

                return cv.RangeLow.RawUInt64 <= v.RawUInt64 && v.RawUInt64 <= cv.RangeHigh.RawUInt64;
            default:
                if (v.Type != cv.Type)
                {
                    return false;
                }

                var eq = v.Type == FwpDataType.ByteBlob ? v.Blob.SequenceEqual(cv.Value.Blob) : v.RawUInt64 == cv.Value.RawUInt64;
                return c.MatchType switch
                {
                    FwpMatchType.Equal => eq,
                    FwpMatchType.NotEqual => !eq,
                    FwpMatchType.Greater => v.RawUInt64 > cv.Value.RawUInt64,
                    FwpMatchType.Less => v.RawUInt64 < cv.Value.RawUInt64,
                    FwpMatchType.GreaterOrEqual => v.RawUInt64 >= cv.Value.RawUInt64,
                    FwpMatchType.LessOrEqual => v.RawUInt64 <= cv.Value.RawUInt64,
                    _ => throw new NotSupportedException($"naive classifier: match type {c.MatchType} not implemented"),
                };
        }
    }
}
