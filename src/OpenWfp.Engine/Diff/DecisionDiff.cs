using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Diff;

/// <summary>One classification run against both policies.</summary>
/// <param name="Layer">The layer classified at.</param>
/// <param name="Values">The incoming values, by field (empty fields are absent from the classify).</param>
/// <param name="Reason">Why this classify was chosen (the filter whose conditions it was built from, or the caller's).</param>
/// <param name="Before">The decision under the first policy.</param>
/// <param name="After">The decision under the second policy.</param>
public sealed record DecisionChange(LayerInfo Layer, IReadOnlyList<(LayerFieldInfo Field, FwpValue Value)> Values, string Reason, Decision Before, Decision After)
{
    /// <summary>Whether the verdict differs (permit and block trade places; a permit and "nothing matched" do not), not only the filter that decided.</summary>
    public bool ActionChanged => Before.Verdict != After.Verdict;
}

/// <summary>A classify's outcome, with the deciding filter named by key so that two policies' filters can be compared.</summary>
/// <param name="Action">The final action; <see cref="ActionType.NoneNoMatch"/> when nothing matched (a permit).</param>
/// <param name="FilterKey">The deciding filter's key, or null when nothing matched.</param>
/// <param name="FilterName">The deciding filter's name.</param>
public sealed record Decision(ActionType Action, Guid? FilterKey, string? FilterName)
{
    /// <summary>permit or block, the way the stack sees it (no match is a permit).</summary>
    public string Verdict => Action == ActionType.Block ? "block" : "permit";
}

/// <summary>
/// Which decisions differ between two policies: a classify is run against both and the outcomes compared. The
/// classifies are either the caller's, or probes derived from the filters that changed — for each added, removed or
/// changed filter, an input that satisfies its conditions (the first condition of each field), plus an input with
/// no values at each layer touched — the inputs at which a changed filter can make a difference.
/// </summary>
public static class DecisionDiff
{
    /// <summary>Classifies one input at <paramref name="layer"/> under both policies.</summary>
    public static DecisionChange Classify(FilterEngine before, FilterEngine after, LayerInfo layer, FwpValue[] values, string reason)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(values);
        var given = new List<(LayerFieldInfo, FwpValue)>();
        foreach (var field in layer.Fields)
        {
            if (field.Index < values.Length && !values[field.Index].IsEmpty)
            {
                given.Add((field, values[field.Index]));
            }
        }

        return new DecisionChange(layer, given, reason, Decide(before, layer, values), Decide(after, layer, values));
    }

    /// <summary>
    /// The probe classifies for <paramref name="changes"/>, run against both policies; every one is returned, changed or
    /// not. A layer is touched when one of its filters changed, or something a filter depends on did: its sublayer
    /// (whose weight orders arbitration), its callout or its provider context. Every filter of a touched layer gives a
    /// probe, not only the changed ones: arbitration couples them (a sublayer moved above another turns that one's
    /// hard permit from a veto into a loser).
    /// </summary>
    public static IReadOnlyList<DecisionChange> Probe(FilterEngine before, FilterEngine after, IReadOnlyList<ObjectChange> changes)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(changes);
        var results = new List<DecisionChange>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var layers = new List<LayerInfo>();
        var touched = Affected(before, changes).Concat(Affected(after, changes)).Select(f => f.LayerKey).ToHashSet();
        var probed = before.Current.FiltersByKey.Values.Concat(after.Current.FiltersByKey.Values)
            .Where(f => touched.Contains(f.LayerKey))
            .OrderBy(f => f.LayerKey)
            .ThenByDescending(f => f.EffectiveWeight);
        foreach (var filter in probed)
        {
            if (LayerCatalog.ByKey(filter.LayerKey) is not { } layer)
            {
                continue;
            }

            if (!layers.Contains(layer))
            {
                layers.Add(layer);
            }

            var values = Satisfying(layer, filter);
            if (seen.Add(Identity(layer, values)))
            {
                results.Add(Classify(before, after, layer, values, $"conditions of filter \"{filter.DisplayData.Name}\" {{{filter.Key}}}"));
            }
        }

        foreach (var layer in layers)
        {
            var empty = new FwpValue[layer.Fields.Count];
            if (seen.Add(Identity(layer, empty)))
            {
                results.Add(Classify(before, after, layer, empty, "no values (what reaches the layer's catch-all filters)"));
            }
        }

        return results;
    }

    // The filters of one policy that changed or depend on an object that changed.
    private static IEnumerable<FilterSpec> Affected(FilterEngine engine, IReadOnlyList<ObjectChange> changes)
    {
        HashSet<Guid> Keys(ObjectKind kind) => [.. changes.Where(c => c.Kind == kind).Select(c => c.Key)];
        var filters = Keys(ObjectKind.Filter);
        var sublayers = Keys(ObjectKind.Sublayer);
        var callouts = Keys(ObjectKind.Callout);
        var contexts = Keys(ObjectKind.ProviderContext);
        return engine.Current.FiltersByKey.Values
            .Where(f => filters.Contains(f.Key)
                || sublayers.Contains(f.SublayerKey)
                || (f.Action.IsCallout && callouts.Contains(f.Action.CalloutKey))
                || (f.ProviderContextKey is { } context && contexts.Contains(context)));
    }

    /// <summary>Incoming values that satisfy the first condition of each of the filter's fields, where such a value can be built.</summary>
    public static FwpValue[] Satisfying(LayerInfo layer, FilterSpec filter)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(filter);
        var values = new FwpValue[layer.Fields.Count];
        foreach (var condition in filter.Conditions)
        {
            var index = layer.FieldIndexOf(condition.FieldKey);
            if (index < 0 || !values[index].IsEmpty)
            {
                continue;
            }

            if (ValueFor(condition) is { } value && Fit(value, layer.Fields[index].IncomingType) is { } fitted)
            {
                values[index] = fitted;
            }
        }

        return values;
    }

    private static Decision Decide(FilterEngine engine, LayerInfo layer, FwpValue[] values)
    {
        var result = engine.Classify(layer, values);
        var filter = result.FilterId == 0 ? null : engine.Current.FilterById(result.FilterId);
        return new Decision(result.Action, filter?.Key, filter?.DisplayData.Name);
    }

    // A value the condition is true for. Conditions whose truth no single value can be built for here (security
    // descriptors, NOT_PREFIX, strings compared by prefix) leave their field empty; the probe is then a near miss,
    // which still shows a decision.
    private static FwpValue? ValueFor(FilterCondition condition)
    {
        var c = condition.Value;
        switch (c.Type)
        {
            case FwpDataType.V4AddrMask:
                return FwpValue.FromUInt32((uint)(c.Value.RawUInt64 & c.V4Mask));
            case FwpDataType.V6AddrMask:
                return c.Value;
            case FwpDataType.Range:
                return c.RangeLow;
        }

        var v = c.Value;
        if (!FwpValue.IsUnsigned(v.Type))
        {
            return condition.MatchType is FwpMatchType.Equal or FwpMatchType.EqualCaseInsensitive && v.Type is FwpDataType.ByteBlob or FwpDataType.UnicodeString or FwpDataType.ByteArray16 or FwpDataType.ByteArray6 or FwpDataType.Sid
                ? v
                : null;
        }

        var raw = v.RawUInt64;
        var max = MaxOf(v.Type);
        ulong? chosen = condition.MatchType switch
        {
            FwpMatchType.Equal or FwpMatchType.GreaterOrEqual or FwpMatchType.LessOrEqual or FwpMatchType.FlagsAllSet or FwpMatchType.FlagsAnySet => raw,
            FwpMatchType.Greater => raw < max ? raw + 1 : null,
            FwpMatchType.Less => raw > 0 ? raw - 1 : null,
            FwpMatchType.NotEqual => raw < max ? raw + 1 : 0,
            FwpMatchType.FlagsNoneSet => 0,
            _ => null,
        };
        return chosen is { } n ? Unsigned(v.Type, n) : null;
    }

    // The incoming value must have the field's own type; unsigned numbers are widened or narrowed when they fit.
    private static FwpValue? Fit(FwpValue value, FwpDataType incoming)
    {
        if (value.Type == incoming)
        {
            return value;
        }

        if (FwpValue.IsUnsigned(value.Type) && FwpValue.IsUnsigned(incoming) && value.RawUInt64 <= MaxOf(incoming))
        {
            return Unsigned(incoming, value.RawUInt64);
        }

        return null;
    }

    private static ulong MaxOf(FwpDataType type) => type switch
    {
        FwpDataType.UInt8 => byte.MaxValue,
        FwpDataType.UInt16 => ushort.MaxValue,
        FwpDataType.UInt32 => uint.MaxValue,
        _ => ulong.MaxValue,
    };

    private static FwpValue Unsigned(FwpDataType type, ulong n) => type switch
    {
        FwpDataType.UInt8 => FwpValue.FromUInt8((byte)n),
        FwpDataType.UInt16 => FwpValue.FromUInt16((ushort)n),
        FwpDataType.UInt32 => FwpValue.FromUInt32((uint)n),
        _ => FwpValue.FromUInt64(n),
    };

    private static string Identity(LayerInfo layer, FwpValue[] values) =>
        layer.ShortName + "|" + string.Join('|', values.Select(v => v.IsEmpty ? "" : v.Type + ":" + v));
}
