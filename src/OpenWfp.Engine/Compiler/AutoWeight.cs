using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Compiler;

/// <summary>
/// Effective weights (docs/ARBITRATION.md, Weights). FWP_UINT64 is used as is; FWP_EMPTY and FWP_UINT8 ranges get an automatic
/// low part. Windows' own auto-weight algorithm is undocumented and differs between builds (docs/ARBITRATION.md, Auto-weight), so this one
/// is ours, with the properties observed on Windows:
/// <list type="bullet">
/// <item>no conditions → 0; always below 2^60 (FWPM_AUTO_WEIGHT_MAX);</item>
/// <item>each field adds its own 4-bit "specificity" (0..15) into the nibble of its slot, so more constrained
///   fields never weigh less, and a more specific condition on a field weighs more;</item>
/// <item>a full-range ("any") condition adds nothing, as in Windows dumps;</item>
/// <item>slots follow Windows' observed priorities: remote address highest, then local address, ports,
///   protocol, application, user, package; any other field shares the lowest slots (saturating, never carrying).</item>
/// </list>
/// </summary>
public static class AutoWeight
{
    /// <summary>FWPM_AUTO_WEIGHT_BITS (fwpmu.h).</summary>
    public const int AutoWeightBits = 60;

    /// <summary>FWPM_AUTO_WEIGHT_MAX = MAXUINT64 &gt;&gt; 4 (fwpmu.h).</summary>
    public const ulong AutoWeightMax = ulong.MaxValue >> 4;

    /// <summary>FWPM_WEIGHT_RANGE_MAX = MAXUINT64 &gt;&gt; 60 (fwpmu.h).</summary>
    public const ulong WeightRangeMax = ulong.MaxValue >> 60;

    /// <summary>FWPM_WEIGHT_RANGE_IPSEC (fwpmu.h).</summary>
    public const ulong WeightRangeIpsec = 0x0;

    /// <summary>FWPM_WEIGHT_RANGE_IKE_EXEMPTIONS (fwpmu.h).</summary>
    public const ulong WeightRangeIkeExemptions = 0xc;

    private static readonly string[] SlotOrder =
    [
        "IP_REMOTE_ADDRESS", "IP_LOCAL_ADDRESS", "IP_REMOTE_PORT", "IP_LOCAL_PORT", "IP_PROTOCOL", "ALE_APP_ID",
        "ALE_USER_ID", "ALE_PACKAGE_ID", "IP_LOCAL_INTERFACE", "ALE_REMOTE_USER_ID", "ALE_REMOTE_MACHINE_ID",
        "FLAGS", "DIRECTION",
    ];

    /// <summary>The effective weight of a filter from its weight and conditions. Call only for validated filters.</summary>
    public static ulong Compute(LayerInfo layer, FwpValue weight, IReadOnlyList<FilterCondition> conditions)
    {
        switch (weight.Type)
        {
            case FwpDataType.UInt64:
                return weight.RawUInt64;
            case FwpDataType.UInt8:
                return (weight.RawUInt64 << AutoWeightBits) | Score(layer, conditions);
            default:
                return Score(layer, conditions);
        }
    }

    /// <summary>The automatic part: &lt; 2^60, 0 for no conditions.</summary>
    public static ulong Score(LayerInfo layer, IReadOnlyList<FilterCondition> conditions)
    {
        Span<byte> nibbles = stackalloc byte[15];
        var seen = new HashSet<int>();
        foreach (var c in conditions)
        {
            var fi = layer.FieldIndexOf(c.FieldKey);
            if (fi < 0 || !seen.Add(fi))
            {
                continue;
            }

            var field = layer.Fields[fi];
            var specificity = 15;
            foreach (var other in conditions)
            {
                if (layer.FieldIndexOf(other.FieldKey) == fi)
                {
                    // An OR group is at most as specific as its least specific member.
                    specificity = Math.Min(specificity, Specificity(other));
                }
            }

            var slot = Slot(field.Name);
            nibbles[slot] = (byte)Math.Min(15, nibbles[slot] + specificity);
        }

        ulong score = 0;
        for (var i = 0; i < nibbles.Length; i++)
        {
            score |= (ulong)nibbles[i] << (4 * i);
        }

        return score;
    }

    private static int Slot(string fieldName)
    {
        var i = Array.IndexOf(SlotOrder, fieldName);
        return i < 0 ? 0 : 14 - i;
    }

    /// <summary>0 (matches anything) .. 15 (one exact value) for one condition.</summary>
    internal static int Specificity(FilterCondition c)
    {
        if (c.Value.Type == FwpDataType.Empty)
        {
            return 15;
        }

        if (ConditionCompiler.TryInterval(c, out var lo, out var hi, out var negated))
        {
            var plain = c.Value.Type switch
            {
                FwpDataType.V4AddrMask => FwpDataType.UInt32,
                FwpDataType.V6AddrMask => FwpDataType.ByteArray16,
                FwpDataType.Range => c.Value.RangeLow.Type,
                _ => c.Value.Type,
            };
            var bits = ConditionCompiler.DomainBits(plain);
            if (lo > hi)
            {
                return 15; // matches nothing: as specific as it gets
            }

            var size = hi - lo;
            var log2 = size == UInt128.MaxValue ? 128 : (int)UInt128.Log2(size + 1);
            if (size == 0)
            {
                log2 = 0;
            }

            var covered = negated ? bits : Math.Min(log2, bits);
            return negated ? 1 : (int)Math.Round(15.0 * (bits - covered) / bits);
        }

        return c.MatchType switch
        {
            FwpMatchType.Equal or FwpMatchType.EqualCaseInsensitive => 15,
            FwpMatchType.Prefix => 8,
            FwpMatchType.FlagsAllSet or FwpMatchType.FlagsAnySet or FwpMatchType.FlagsNoneSet => 4,
            FwpMatchType.NotEqual or FwpMatchType.NotPrefix => 1,
            _ => 6,
        };
    }
}
