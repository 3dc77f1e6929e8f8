using OpenWfp.Engine.Compiler;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Kernel;

/// <summary>
/// Builds a layer's <see cref="KernelForm"/> from its compiled program (docs/KERNEL-FORM.md, "Rules" and "The index"):
/// each filter's conditions on kernel fields become intervals (the program already holds them as intervals), the cross
/// product of a filter's per-field intervals becomes its rules, and the rules are placed into tuples.
/// </summary>
internal static class KernelFormCompiler
{
    public static KernelForm Compile(LayerProgram program)
    {
        var layer = program.Layer;
        var (fieldIndex, fieldType, _) = KernelForm.FieldsOf(layer);
        var kernelOf = new int[layer.Fields.Count];
        Array.Fill(kernelOf, -1);
        for (var k = 0; k < KernelForm.FieldCount; k++)
        {
            if (fieldIndex[k] >= 0)
            {
                kernelOf[fieldIndex[k]] = k;
            }
        }

        var isV6 = layer.IpVersion == Catalog.IpVersion.V6;
        var apps = new List<byte[]>();
        var appNumbers = new Dictionary<byte[], uint>(ByteArrayContent.Instance);
        var rules = new List<KernelRule>(program.FilterCount);
        var addresses = new List<UInt128>(program.FilterCount * 4);
        var intervals = new List<(UInt128 Lo, UInt128 Hi)>[KernelForm.FieldCount];
        for (var k = 0; k < intervals.Length; k++)
        {
            intervals[k] = [];
        }

        int askCallout = 0, askNonKernel = 0, askInexpressible = 0, askTooMany = 0, dropped = 0;
        var filters = program.Filters;
        var ops = program.Ops;
        var pick = new int[KernelForm.FieldCount];
        for (var rank = 0; rank < filters.Length; rank++)
        {
            ref readonly var f = ref filters[rank];
            var reason = f.Kind is FilterKind.CalloutTerminating or FilterKind.CalloutUnknown or FilterKind.CalloutInspection
                ? KernelAskReason.Callout
                : KernelAskReason.None;
            var constrained = KernelFields.None;
            var never = false;
            var i = f.OpStart;
            var end = f.OpStart + f.OpCount;
            while (i < end && !never)
            {
                var groupStart = i;
                while (!ops[i].GroupEnd)
                {
                    i++;
                }

                i++;
                var group = ops.AsSpan(groupStart, i - groupStart);
                var k = kernelOf[group[0].Field];
                if (k < 0)
                {
                    // A non-kernel field: the rule keeps its kernel fields' intervals and asks.
                    never = !CanEverMatch(group, layer.Fields[group[0].Field].IncomingType);
                    reason = reason == KernelAskReason.None ? KernelAskReason.NonKernelField : reason;
                    continue;
                }

                var list = intervals[k];
                list.Clear();
                var inexpressible = false;
                foreach (var op in group)
                {
                    inexpressible |= !AddIntervals(program, in op, k, fieldType[k], list, apps, appNumbers);
                }

                if (inexpressible)
                {
                    // One member of the OR group is beyond intervals: the field stays unconstrained (a superset).
                    reason = reason == KernelAskReason.None ? KernelAskReason.InexpressibleMatch : reason;
                    continue;
                }

                if (list.Count == 0)
                {
                    never = true;
                    continue;
                }

                // A group covering the whole domain stays a constraint: user space fails it on an FWP_EMPTY value.
                Normalize(list, merge: k != 5);
                constrained |= (KernelFields)(1 << k);
            }

            if (never)
            {
                dropped++;
                continue;
            }

            var product = 1L;
            for (var k = 0; k < KernelForm.FieldCount; k++)
            {
                if ((constrained & (KernelFields)(1 << k)) != 0)
                {
                    product *= intervals[k].Count;
                }
            }

            if (product > KernelForm.MaxRulesPerFilter)
            {
                reason = reason == KernelAskReason.None ? KernelAskReason.TooManyIntervals : reason;
                constrained = KernelFields.None;
                product = 1;
            }

            var action = reason != KernelAskReason.None ? KernelAction.Ask : f.Kind switch
            {
                FilterKind.Permit => KernelAction.Permit,
                FilterKind.HardPermit => KernelAction.HardPermit,
                _ => KernelAction.Block,
            };
            switch (reason)
            {
                case KernelAskReason.Callout:
                    askCallout += (int)product;
                    break;
                case KernelAskReason.NonKernelField:
                    askNonKernel += (int)product;
                    break;
                case KernelAskReason.InexpressibleMatch:
                    askInexpressible += (int)product;
                    break;
                case KernelAskReason.TooManyIntervals:
                    askTooMany += (int)product;
                    break;
            }

            // The cross product: one interval per constrained field, odometer-style.
            Array.Clear(pick);
            for (var n = 0; n < product; n++)
            {
                var (la, ra, lp, rp, pr, app) = (Pick(0), Pick(1), Pick(2), Pick(3), Pick(4), Pick(5));
                rules.Add(new KernelRule(
                    rank,
                    f.FilterId,
                    (byte)f.SublayerOrdinal,
                    action,
                    reason,
                    constrained,
                    (ushort)lp.Lo,
                    (ushort)lp.Hi,
                    (ushort)rp.Lo,
                    (ushort)rp.Hi,
                    (byte)pr.Lo,
                    (byte)pr.Hi,
                    (uint)app.Lo));
                addresses.Add(la.Lo);
                addresses.Add(la.Hi);
                addresses.Add(ra.Lo);
                addresses.Add(ra.Hi);
                for (var k = 0; k < KernelForm.FieldCount; k++)
                {
                    if ((constrained & (KernelFields)(1 << k)) == 0)
                    {
                        continue;
                    }

                    if (++pick[k] < intervals[k].Count)
                    {
                        break;
                    }

                    pick[k] = 0;
                }
            }

            (UInt128 Lo, UInt128 Hi) Pick(int k) => (constrained & (KernelFields)(1 << k)) != 0 ? intervals[k][pick[k]] : (UInt128.Zero, MaxOf(k, isV6));
        }

        var counters = new KernelFormCounters(rules.Count, askCallout, askNonKernel, askInexpressible, askTooMany, dropped, KernelAskAllReason.None);
        var ruleArray = rules.ToArray();
        var addressArray = addresses.ToArray();
        byte[][] appArray = [.. apps];
        if (ruleArray.Length == 0)
        {
            return KernelForm.EmptyOf(layer, counters);
        }

        var askAll = program.Sublayers.Length > KernelForm.MaxSublayers ? KernelAskAllReason.TooManySublayers
            : ruleArray.Length > KernelForm.MaxRules ? KernelAskAllReason.TooManyRules
            : KernelAskAllReason.None;
        if (askAll == KernelAskAllReason.None)
        {
            var index = TuplePlacer.Place(ruleArray, addressArray, isV6, KernelForm.MaxTuples, KernelForm.MaxBucketRules);
            if (index is { } ix)
            {
                return new KernelForm(layer, KernelFormStatus.Kernel, program.Sublayers.Length, ruleArray, addressArray, ix.Tuples, ix.Buckets, ix.Keys, ix.BucketRules, appArray, counters);
            }

            askAll = KernelAskAllReason.TooManyTuples;
        }

        return new KernelForm(layer, KernelFormStatus.AskAll, program.Sublayers.Length, ruleArray, addressArray, [], [], [], [], appArray, counters with { AskAllReason = askAll });
    }

    /// <summary>The top of a kernel field's domain.</summary>
    internal static UInt128 MaxOf(int k, bool isV6) => k switch
    {
        0 or 1 => isV6 ? UInt128.MaxValue : uint.MaxValue,
        2 or 3 => ushort.MaxValue,
        4 => byte.MaxValue,
        _ => uint.MaxValue,
    };

    /// <summary>Whether some op of an OR group on a non-kernel field can ever hold for the values the layer supplies (its incoming type or FWP_EMPTY).</summary>
    private static bool CanEverMatch(ReadOnlySpan<ConditionOp> group, FwpDataType incoming)
    {
        foreach (var op in group)
        {
            var t = (FwpDataType)op.ExpectedType;
            if (t == incoming || t == FwpDataType.Empty || (IsToken(t) && IsToken(incoming)))
            {
                return true;
            }
        }

        return false;

        static bool IsToken(FwpDataType t) => t is FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation;
    }

    /// <summary>Adds the intervals one op accepts; false when the op cannot be expressed as intervals.</summary>
    private static bool AddIntervals(LayerProgram program, in ConditionOp op, int k, FwpDataType incoming, List<(UInt128 Lo, UInt128 Hi)> list, List<byte[]> apps, Dictionary<byte[], uint> appNumbers)
    {
        var expected = (FwpDataType)op.ExpectedType;
        if (expected == FwpDataType.Empty)
        {
            return false; // matches an FWP_EMPTY value: the kernel never sees one as known
        }

        if (expected != incoming)
        {
            return true; // never matches a value the layer supplies: adds nothing
        }

        var max = MaxOf(k, incoming == FwpDataType.ByteArray16);
        UInt128 lo, hi;
        bool negated;
        switch (op.Kind)
        {
            case OpKind.InRangeRaw:
            case OpKind.OutOfRangeRaw:
                lo = program.Bounds64[op.Operand];
                hi = program.Bounds64[op.Operand + 1];
                negated = op.Kind == OpKind.OutOfRangeRaw;
                break;
            case OpKind.InRange128:
            case OpKind.OutOfRange128:
                lo = program.Bounds128[op.Operand];
                hi = program.Bounds128[op.Operand + 1];
                negated = op.Kind == OpKind.OutOfRange128;
                break;
            case OpKind.BlobEqual when k == 5:
                {
                    var blob = (byte[])program.Refs[op.Operand];
                    if (!appNumbers.TryGetValue(blob, out var n))
                    {
                        apps.Add(blob);
                        n = (uint)apps.Count;
                        appNumbers[blob] = n;
                    }

                    list.Add((n, n));
                    return true;
                }

            default:
                return false;
        }

        if (k == 5)
        {
            return false; // numeric conditions on the app id do not exist; be safe
        }

        if (!negated)
        {
            if (lo <= hi)
            {
                list.Add((lo, Min(hi, max)));
            }

            return true;
        }

        if (lo > hi)
        {
            list.Add((0, max)); // NOT of an empty interval
            return true;
        }

        if (lo > 0)
        {
            list.Add((0, lo - 1));
        }

        if (hi < max)
        {
            list.Add((hi + 1, max));
        }

        return true;

        static UInt128 Min(UInt128 a, UInt128 b) => a < b ? a : b;
    }

    /// <summary>Sorts and merges overlapping or adjacent intervals, so OR groups make as few rules as possible.</summary>
    /// <remarks>App numbers are only de-duplicated: a rule names one app, never a range of them.</remarks>
    private static void Normalize(List<(UInt128 Lo, UInt128 Hi)> list, bool merge)
    {
        if (list.Count < 2)
        {
            return;
        }

        list.Sort(static (a, b) => a.Lo.CompareTo(b.Lo));
        var w = 0;
        for (var r = 1; r < list.Count; r++)
        {
            var cur = list[w];
            var next = list[r];
            if (cur.Hi == UInt128.MaxValue || next.Lo <= cur.Hi || (merge && next.Lo == cur.Hi + 1))
            {
                list[w] = (cur.Lo, next.Hi > cur.Hi ? next.Hi : cur.Hi);
            }
            else
            {
                list[++w] = next;
            }
        }

        list.RemoveRange(w + 1, list.Count - w - 1);
    }

    private sealed class ByteArrayContent : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayContent Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => (int)System.IO.Hashing.XxHash3.HashToUInt64(obj);
    }
}
