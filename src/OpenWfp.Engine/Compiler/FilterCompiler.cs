using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Compiler;

/// <summary>Builds a layer's immutable <see cref="LayerProgram"/> from validated management objects.</summary>
internal static class FilterCompiler
{
    /// <summary>Compiles the filters of one layer; null when the layer has none (layers with no filters cost nothing).</summary>
    public static LayerProgram? Compile(LayerInfo layer, IReadOnlyCollection<FilterSpec> filters, Func<Guid, SublayerSpec> sublayerOf, Func<Guid, CalloutSpec?> calloutOf, CalloutRegistry registry, Func<ulong, RuntimeFilter?> runtimeOf)
    {
        if (filters.Count == 0)
        {
            return null;
        }

        // Sublayers: weight desc, then key asc (equal weights are undefined in WFP; ours is deterministic, docs/ARBITRATION.md, Evaluation order and ties).
        var sublayerList = new List<SublayerSpec>();
        var sublayerOrdinal = new Dictionary<Guid, int>();
        var filterSublayer = new SublayerSpec[filters.Count];
        var all = new FilterSpec[filters.Count];
        var n = 0;
        foreach (var f in filters)
        {
            var s = sublayerOf(f.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : f.SublayerKey);
            all[n] = f;
            filterSublayer[n] = s;
            if (!sublayerOrdinal.ContainsKey(s.Key))
            {
                sublayerOrdinal[s.Key] = -1;
                sublayerList.Add(s);
            }

            n++;
        }

        sublayerList.Sort(static (a, b) => a.Weight != b.Weight ? b.Weight.CompareTo(a.Weight) : a.Key.CompareTo(b.Key));
        for (var i = 0; i < sublayerList.Count; i++)
        {
            sublayerOrdinal[sublayerList[i].Key] = i;
        }

        // Evaluation order: sublayer, effective weight desc, filter id asc (docs/ARBITRATION.md, Evaluation order and ties).
        var order = new int[all.Length];
        var ordinals = new int[all.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            ordinals[i] = sublayerOrdinal[filterSublayer[i].Key];
        }

        Array.Sort(order, (x, y) =>
        {
            var c = ordinals[x].CompareTo(ordinals[y]);
            if (c != 0)
            {
                return c;
            }

            c = all[y].EffectiveWeight.CompareTo(all[x].EffectiveWeight);
            return c != 0 ? c : all[x].FilterId.CompareTo(all[y].FilterId);
        });

        var compiled = new CompiledFilter[all.Length];
        var specs = new FilterSpec[all.Length];
        var sublayerEnd = new int[sublayerList.Count];
        var ops = new List<ConditionOp>(all.Length * 3);
        var opCondition = new List<int>(all.Length * 3);
        var bounds64 = new List<ulong>(all.Length * 4);
        var bounds128 = new List<UInt128>();
        var refs = new List<object>();
        var slots = new List<CalloutSlot>();
        var runtime = new List<RuntimeFilter>();
        var groupOrder = new List<int>(8);

        for (var rank = 0; rank < order.Length; rank++)
        {
            var f = all[order[rank]];
            var ordinal = ordinals[order[rank]];
            specs[rank] = f;
            sublayerEnd[ordinal] = rank + 1;

            var opStart = ops.Count;
            AppendConditions(layer, f, ops, opCondition, bounds64, bounds128, refs, groupOrder);
            var opCount = ops.Count - opStart;

            var kind = f.Action.Type switch
            {
                ActionType.Permit => (f.Flags & FilterFlags.ClearActionRight) != 0 ? FilterKind.HardPermit : FilterKind.Permit,
                ActionType.Block => FilterKind.Block,
                ActionType.CalloutTerminating => FilterKind.CalloutTerminating,
                ActionType.CalloutUnknown => FilterKind.CalloutUnknown,
                ActionType.CalloutInspection => FilterKind.CalloutInspection,
                _ => throw new InvalidOperationException($"Bug: action {f.Action.Type} passed validation."),
            };

            var calloutIndex = -1;
            if (f.Action.IsCallout)
            {
                var slot = registry.Slot(f.Action.CalloutKey);
                var callout = calloutOf(f.Action.CalloutKey);
                if (callout is not null)
                {
                    slot.CalloutId = callout.CalloutId;
                }

                calloutIndex = slots.Count;
                slots.Add(slot);
                runtime.Add(runtimeOf(f.FilterId) ?? throw new InvalidOperationException($"Bug: callout filter {f.FilterId} has no run-time copy."));
            }

            compiled[rank] = new CompiledFilter(
                f.FilterId,
                opStart,
                checked((ushort)opCount),
                (ushort)ordinal,
                kind,
                (f.Flags & FilterFlags.PermitIfCalloutUnregistered) != 0,
                (f.Flags & FilterFlags.ClearActionRight) != 0,
                calloutIndex);
        }

        var opArray = ops.ToArray();
        ulong[] bounds64Array = [.. bounds64];
        UInt128[] bounds128Array = [.. bounds128];
        object[] refArray = [.. refs];
        var tree = DecisionTreeBuilder.Build(compiled, opArray, bounds64Array, bounds128Array, refArray);
        return new LayerProgram(
            layer,
            compiled,
            sublayerEnd,
            [.. sublayerList],
            opArray,
            bounds64Array,
            bounds128Array,
            refArray,
            [.. slots],
            [.. runtime],
            tree,
            specs,
            [.. opCondition]);
    }

    // Conditions grouped by field, in order of the field's first appearance (OR within a group, AND across).
    private static void AppendConditions(LayerInfo layer, FilterSpec f, List<ConditionOp> ops, List<int> opCondition, List<ulong> bounds64, List<UInt128> bounds128, List<object> refs, List<int> groupOrder)
    {
        var conditions = f.Conditions;
        groupOrder.Clear();
        for (var i = 0; i < conditions.Count; i++)
        {
            var fi = layer.FieldIndexOf(conditions[i].FieldKey);
            if (!groupOrder.Contains(fi))
            {
                groupOrder.Add(fi);
            }
        }

        foreach (var fieldIndex in groupOrder)
        {
            var field = layer.Fields[fieldIndex];
            var last = -1;
            for (var i = 0; i < conditions.Count; i++)
            {
                if (layer.FieldIndexOf(conditions[i].FieldKey) == fieldIndex)
                {
                    last = i;
                }
            }

            for (var i = 0; i < conditions.Count; i++)
            {
                if (layer.FieldIndexOf(conditions[i].FieldKey) != fieldIndex)
                {
                    continue;
                }

                ops.Add(ConditionCompiler.Compile(conditions[i], field, i == last, bounds64, bounds128, refs));
                opCondition.Add(i);
            }
        }
    }
}
