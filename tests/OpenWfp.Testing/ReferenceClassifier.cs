using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Testing;

/// <summary>The outcome of <see cref="ReferenceClassifier.Classify"/>: the fields of FWPS_CLASSIFY_OUT0 that arbitration sets, plus the per-sublayer terminating filters.</summary>
/// <param name="Action">The final action (PERMIT, BLOCK, or NONE_NO_MATCH when nothing decided).</param>
/// <param name="FilterId">The deciding filter's id (0 when nothing decided).</param>
/// <param name="Rights">The final rights (FWPS_RIGHT_ACTION_WRITE set = soft or no decision).</param>
/// <param name="Flags">The final classify-out flags (ABSORB kept with a callout BLOCK).</param>
/// <param name="Vetoed">True when a callout BLOCK overrode a hard PERMIT.</param>
/// <param name="Terminating">One entry per terminating result, in evaluation order (at most one per sublayer).</param>
public sealed record ReferenceResult(ActionType Action, ulong FilterId, uint Rights, uint Flags, bool Vetoed, IReadOnlyList<TerminatingFilterInfo> Terminating)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Action} filter={FilterId} rights={Rights} flags={Flags} vetoed={Vetoed} terminating=[{string.Join(", ", Terminating.Select(t => $"({t.FilterId},{t.SublayerWeight},{t.Action})"))}]";
}

/// <summary>
/// A deliberately naive classifier written from the rules in docs/ENGINE.md (matching, order and weights, arbitration), used as
/// the oracle of the differential tests. It evaluates every condition straight from its
/// <see cref="FwpConditionValue"/>: no precompilation, no index, no caching. Slow on purpose; never use it for traffic.
/// </summary>
public static class ReferenceClassifier
{
    /// <summary>Classifies <paramref name="values"/> at <paramref name="layer"/> against <paramref name="policy"/>.</summary>
    /// <param name="policy">The committed policy (normally <c>engine.Current</c>).</param>
    /// <param name="layer">The layer.</param>
    /// <param name="values">Incoming values by field index; missing trailing values are FWP_EMPTY.</param>
    /// <param name="callouts">The callout registrations (normally <c>engine.Callouts</c>).</param>
    /// <param name="metadata">Metadata handed to callouts.</param>
    public static ReferenceResult Classify(PolicySnapshot policy, LayerInfo layer, ReadOnlySpan<FwpValue> values, CalloutRegistry callouts, in ClassifyMetadata metadata = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(callouts);

        // docs/ENGINE.md, "Order and weights": sublayers by weight desc (ties: key asc), filters by effective weight desc (ties: id asc).
        var sublayers = policy.FiltersOf(layer)
            .GroupBy(f => f.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : f.SublayerKey)
            .Select(g => (Sublayer: policy.SublayersByKey[g.Key], Filters: g.OrderByDescending(f => f.EffectiveWeight).ThenBy(f => f.FilterId).ToList()))
            .OrderByDescending(s => s.Sublayer.Weight)
            .ThenBy(s => s.Sublayer.Key)
            .ToList();

        var action = ActionType.NoneNoMatch;
        ulong filterId = 0;
        uint rights = ClassifyOut.RightActionWrite;
        uint flags = 0;
        var vetoed = false;
        var terminating = new List<TerminatingFilterInfo>();

        foreach (var (sublayer, filters) in sublayers)
        {
            foreach (var filter in filters)
            {
                if (!Matches(filter, layer, values))
                {
                    continue;
                }

                var r = Evaluate(filter, layer, values, callouts, policy, in metadata, action, rights, filterId);
                if (r is not { } result)
                {
                    continue;
                }

                terminating.Add(new TerminatingFilterInfo(filter.FilterId, sublayer.Key, sublayer.Weight, result.Action));
                if ((rights & ClassifyOut.RightActionWrite) != 0)
                {
                    // The reported filter is the one that set the current state: a later soft decision that agrees
                    // keeps the first filter (as a real net event shows); a different action or a hardening one replaces it.
                    if (action != result.Action || result.Hard)
                    {
                        filterId = filter.FilterId;
                    }

                    action = result.Action;
                    flags = result.Absorb ? ClassifyOut.FlagAbsorb : 0;
                    if (result.Hard)
                    {
                        rights &= ~ClassifyOut.RightActionWrite;
                    }
                }
                else if (action == ActionType.Permit && result.Action == ActionType.Block && result.IsCalloutVeto)
                {
                    action = ActionType.Block;
                    filterId = filter.FilterId;
                    flags = result.Absorb ? ClassifyOut.FlagAbsorb : 0;
                    vetoed = true;
                }

                break;
            }
        }

        return new ReferenceResult(action, filterId, rights, flags, vetoed, terminating);
    }

    /// <summary>For every distinct field, at least one of its conditions holds (conditions on one field are OR-ed). No conditions: match.</summary>
    public static bool Matches(FilterSpec filter, LayerInfo layer, ReadOnlySpan<FwpValue> values)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(layer);
        foreach (var group in filter.Conditions.GroupBy(c => c.FieldKey))
        {
            var index = layer.FieldIndexOf(group.Key);
            var value = index >= 0 && index < values.Length ? values[index] : FwpValue.Empty;
            var any = false;
            foreach (var c in group)
            {
                if (ConditionHolds(c.MatchType, c.Value, value))
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One condition against one incoming value, by its match type.</summary>
    public static bool ConditionHolds(FwpMatchType match, FwpConditionValue condition, FwpValue value)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (value.Type == FwpDataType.Empty)
        {
            return condition.Type == FwpDataType.Empty && match == FwpMatchType.Equal;
        }

        switch (condition.Type)
        {
            case FwpDataType.Empty:
                return false;
            case FwpDataType.V4AddrMask:
                {
                    if (value.Type != FwpDataType.UInt32)
                    {
                        return false;
                    }

                    var v = (uint)value.RawUInt64;
                    var a = (uint)condition.Value.RawUInt64;
                    var m = condition.V4Mask;
                    var eq = (v & m) == (a & m);
                    return match switch
                    {
                        FwpMatchType.Equal => eq,
                        FwpMatchType.NotEqual => !eq,
                        _ => false,
                    };
                }

            case FwpDataType.V6AddrMask:
                {
                    if (value.Type != FwpDataType.ByteArray16)
                    {
                        return false;
                    }

                    var prefix = condition.V6PrefixLength;
                    var mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
                    var eq = (value.RawUInt128 & mask) == (condition.Value.RawUInt128 & mask);
                    return match switch
                    {
                        FwpMatchType.Equal => eq,
                        FwpMatchType.NotEqual => !eq,
                        _ => false,
                    };
                }

            case FwpDataType.Range:
                {
                    if (value.Type != condition.RangeLow.Type || match != FwpMatchType.Range)
                    {
                        return false;
                    }

                    return Compare(condition.RangeLow, value) <= 0 && Compare(value, condition.RangeHigh) <= 0;
                }

            case FwpDataType.SecurityDescriptor:
                {
                    if (value.Type is not (FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation) || value.Token is not { } token)
                    {
                        return false;
                    }

                    var granted = condition.Value.SecurityDescriptor!.AccessCheck(token, SecurityDescriptor.MatchFilterRight);
                    return match switch
                    {
                        FwpMatchType.Equal => granted,
                        FwpMatchType.NotEqual => !granted,
                        _ => false,
                    };
                }
        }

        var c = condition.Value;
        if (!SameType(c.Type, value.Type))
        {
            return false;
        }

        switch (match)
        {
            case FwpMatchType.Equal:
                return AreEqual(value, c);
            case FwpMatchType.NotEqual:
                return !AreEqual(value, c);
            case FwpMatchType.Greater:
                return Compare(value, c) > 0;
            case FwpMatchType.Less:
                return Compare(value, c) < 0;
            case FwpMatchType.GreaterOrEqual:
                return Compare(value, c) >= 0;
            case FwpMatchType.LessOrEqual:
                return Compare(value, c) <= 0;
            case FwpMatchType.FlagsAllSet:
                return (value.RawUInt64 & c.RawUInt64) == c.RawUInt64;
            case FwpMatchType.FlagsAnySet:
                return (value.RawUInt64 & c.RawUInt64) != 0;
            case FwpMatchType.FlagsNoneSet:
                return (value.RawUInt64 & c.RawUInt64) == 0;
            case FwpMatchType.EqualCaseInsensitive:
                return value.String is { } s && c.String is { } cs && string.Equals(s, cs, StringComparison.OrdinalIgnoreCase);
            case FwpMatchType.Prefix:
                return EndsWith(value, c);
            case FwpMatchType.NotPrefix:
                return !EndsWith(value, c);
            default:
                return false;
        }
    }

    private static bool SameType(FwpDataType a, FwpDataType b) =>
        a == b || (a is FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation && b is FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation);

    private static bool EndsWith(FwpValue value, FwpValue suffix) => value.Type switch
    {
        FwpDataType.ByteBlob => value.Blob.EndsWith(suffix.Blob),
        FwpDataType.UnicodeString => value.String!.EndsWith(suffix.String!, StringComparison.Ordinal),
        _ => false,
    };

    private static bool AreEqual(FwpValue a, FwpValue b) => a.Type switch
    {
        FwpDataType.ByteBlob => a.Blob.SequenceEqual(b.Blob),
        FwpDataType.UnicodeString => string.Equals(a.String, b.String, StringComparison.Ordinal),
        FwpDataType.Sid => a.Sid! == b.Sid!,
        FwpDataType.SecurityDescriptor => a.SecurityDescriptor!.Equals(b.SecurityDescriptor),
        FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation => a.Token!.Equals(b.Token),
        _ => Compare(a, b) == 0,
    };

    /// <summary>Orders two values of the same type (numbers by value, arrays and blobs byte-wise, strings ordinally).</summary>
    private static int Compare(FwpValue a, FwpValue b) => a.Type switch
    {
        FwpDataType.UInt8 or FwpDataType.UInt16 or FwpDataType.UInt32 or FwpDataType.UInt64 or FwpDataType.ByteArray6 => a.RawUInt64.CompareTo(b.RawUInt64),
        FwpDataType.Int8 or FwpDataType.Int16 or FwpDataType.Int32 or FwpDataType.Int64 => a.AsInt64.CompareTo(b.AsInt64),
        FwpDataType.Float or FwpDataType.Double => a.AsDouble.CompareTo(b.AsDouble),
        FwpDataType.ByteArray16 => a.RawUInt128.CompareTo(b.RawUInt128),
        FwpDataType.ByteBlob => a.Blob.SequenceCompareTo(b.Blob),
        FwpDataType.UnicodeString => string.CompareOrdinal(a.String, b.String),
        FwpDataType.Sid => a.Sid!.CompareTo(b.Sid),
        _ => a.Equals(b) ? 0 : 1,
    };

    private readonly record struct Outcome(ActionType Action, bool Hard, bool Absorb, bool IsCalloutVeto);

    /// <summary>What the filter answers (its action, or its callout's): null when it does not terminate.</summary>
    private static Outcome? Evaluate(FilterSpec filter, LayerInfo layer, ReadOnlySpan<FwpValue> values, CalloutRegistry callouts, PolicySnapshot policy, in ClassifyMetadata metadata, ActionType currentAction, uint currentRights, ulong currentFilterId)
    {
        var clearRight = (filter.Flags & FilterFlags.ClearActionRight) != 0;
        switch (filter.Action.Type)
        {
            case ActionType.Permit:
                return new Outcome(ActionType.Permit, clearRight, false, false);
            case ActionType.Block:
                return new Outcome(ActionType.Block, true, false, false);
        }

        var type = filter.Action.Type;
        var callout = callouts.IsRegistered(filter.Action.CalloutKey) ? callouts.Slot(filter.Action.CalloutKey).Callout : null;
        if (type == ActionType.CalloutInspection)
        {
            if (callout is not null)
            {
                var runtimeFilter = policy.RuntimeFilters[filter.FilterId];
                var copy = new ClassifyOut { ActionType = currentAction, Rights = currentRights, FilterId = currentFilterId };
                try
                {
                    callout.Classify(new CalloutClassifyContext(layer, values, in metadata, default(LayerData), runtimeFilter, 0), ref copy);
                }
                catch (Exception)
                {
                    // An inspection callout's result (or failure) never decides.
                }
            }

            return null;
        }

        if (callout is not null)
        {
            var runtimeFilter = policy.RuntimeFilters[filter.FilterId];
            var copy = new ClassifyOut { ActionType = currentAction, Rights = currentRights, FilterId = currentFilterId };
            var faulted = false;
            try
            {
                callout.Classify(new CalloutClassifyContext(layer, values, in metadata, default(LayerData), runtimeFilter, 0), ref copy);
            }
            catch (Exception)
            {
                faulted = true;
            }

            if (!faulted)
            {
                if (copy.ActionType is ActionType.Permit or ActionType.Block)
                {
                    var hard = (copy.Rights & ClassifyOut.RightActionWrite) == 0;
                    var absorb = copy.ActionType == ActionType.Block && (copy.Flags & ClassifyOut.FlagAbsorb) != 0;
                    return new Outcome(copy.ActionType, hard, absorb, true);
                }

                if (type == ActionType.CalloutUnknown && copy.ActionType is ActionType.Continue or ActionType.None or ActionType.NoneNoMatch)
                {
                    return null;
                }
            }

            // An exception or an illegal answer: behave as if unregistered (fall through).
        }

        return (filter.Flags & FilterFlags.PermitIfCalloutUnregistered) != 0
            ? new Outcome(ActionType.Permit, clearRight, false, false)
            : new Outcome(ActionType.Block, true, false, false);
    }
}
