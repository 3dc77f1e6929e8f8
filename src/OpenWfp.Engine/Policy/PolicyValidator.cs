using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Policy;

/// <summary>
/// Add-time checks, in the order and with the codes docs/ERRORS.md gives. Every error of one object is collected
/// so a user sees them all at once; the object is rejected if there is any.
/// </summary>
internal static class PolicyValidator
{
    public static List<WfpErrorDetail> ValidateProvider(ProviderSpec p, IPolicyView s, bool keepState = false)
    {
        var e = new List<WfpErrorDetail>();
        if (p.Key != Guid.Empty && s.Providers.ContainsKey(p.Key))
        {
            e.Add(new(WfpError.AlreadyExists, "providerKey", $"a provider with key {{{p.Key}}} already exists"));
        }

        RequireName(p.DisplayData, e);
        if (keepState)
        {
            return e;
        }

        if ((p.Flags & ProviderFlags.Disabled) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", "FWPM_PROVIDER_FLAG_DISABLED is output only and may not be set on add"));
        }

        if ((p.Flags & ~(ProviderFlags.Persistent | ProviderFlags.Disabled)) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", $"unknown provider flags 0x{(uint)p.Flags:x}"));
        }

        return e;
    }

    public static List<WfpErrorDetail> ValidateSublayer(SublayerSpec sl, IPolicyView s)
    {
        var e = new List<WfpErrorDetail>();
        if (sl.Key != Guid.Empty && s.Sublayers.ContainsKey(sl.Key))
        {
            e.Add(new(WfpError.AlreadyExists, "subLayerKey", $"a sublayer with key {{{sl.Key}}} already exists"));
        }

        RequireName(sl.DisplayData, e);
        if ((sl.Flags & ~SublayerFlags.Persistent) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", $"unknown sublayer flags 0x{(uint)sl.Flags:x}"));
        }

        CheckProvider(sl.ProviderKey, s, e);
        if (sl.ProviderKey is { } pk && s.Providers.TryGetValue(pk, out var provider))
        {
            CheckLifetime((sl.Flags & SublayerFlags.Persistent) != 0, "provider", provider.IsBuiltin || (provider.Flags & ProviderFlags.Persistent) != 0, e);
        }

        if (s.Sublayers.Count >= 65536)
        {
            e.Add(new(WfpError.TooManySublayers, "subLayerKey", "at most 2^16 sublayers can exist"));
        }

        return e;
    }

    public static List<WfpErrorDetail> ValidateCallout(CalloutSpec c, IPolicyView s, bool keepState = false)
    {
        var e = new List<WfpErrorDetail>();
        if (c.Key != Guid.Empty && s.Callouts.ContainsKey(c.Key))
        {
            e.Add(new(WfpError.AlreadyExists, "calloutKey", $"a callout with key {{{c.Key}}} already exists"));
        }

        RequireName(c.DisplayData, e);
        if (!keepState && (c.Flags & CalloutFlags.Registered) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", "FWPM_CALLOUT_FLAG_REGISTERED is output only and may not be set on add"));
        }

        if (!keepState && (c.Flags & ~(CalloutFlags.Persistent | CalloutFlags.UsesProviderContext | CalloutFlags.Registered)) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", $"unknown callout flags 0x{(uint)c.Flags:x}"));
        }

        if (LayerCatalog.ByKey(c.ApplicableLayer) is null)
        {
            e.Add(new(WfpError.LayerNotFound, "applicableLayer", $"no layer has key {{{c.ApplicableLayer}}}"));
        }

        CheckProvider(c.ProviderKey, s, e);
        if (c.ProviderKey is { } pk && s.Providers.TryGetValue(pk, out var provider))
        {
            CheckLifetime((c.Flags & CalloutFlags.Persistent) != 0, "provider", provider.IsBuiltin || (provider.Flags & ProviderFlags.Persistent) != 0, e);
        }

        return e;
    }

    public static List<WfpErrorDetail> ValidateProviderContext(ProviderContextSpec pc, IPolicyView s)
    {
        var e = new List<WfpErrorDetail>();
        if (pc.Key != Guid.Empty && s.ProviderContexts.ContainsKey(pc.Key))
        {
            e.Add(new(WfpError.AlreadyExists, "providerContextKey", $"a provider context with key {{{pc.Key}}} already exists"));
        }

        if ((uint)pc.Type > (uint)ProviderContextType.NetworkConnectionPolicy)
        {
            e.Add(new(WfpError.InvalidParameter, "type", $"unknown provider context type {(uint)pc.Type}"));
        }

        CheckProvider(pc.ProviderKey, s, e);
        return e;
    }

    public static List<WfpErrorDetail> ValidateFilter(FilterSpec f, IPolicyView s, bool keepState, out LayerInfo? layer)
    {
        var e = new List<WfpErrorDetail>();

        // flags / reserved
        if ((f.Flags & FilterFlags.Persistent) != 0 && (f.Flags & FilterFlags.BootTime) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", "PERSISTENT and BOOTTIME cannot be combined"));
        }

        if (!keepState && (f.Flags & FilterFlags.Disabled) != 0)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", "FWPM_FILTER_FLAG_DISABLED is output only and may not be set on add"));
        }

        if (!keepState && (uint)f.Flags > 0x7fff)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", $"unknown filter flags 0x{(uint)f.Flags & ~0x7fffu:x}"));
        }

        if (f.Key != Guid.Empty && s.Filters.ContainsKey(f.Key))
        {
            e.Add(new(WfpError.AlreadyExists, "filterKey", $"a filter with key {{{f.Key}}} already exists"));
        }

        if (f.FilterId != 0 && s.FilterKeyById.ContainsKey(f.FilterId))
        {
            e.Add(new(WfpError.AlreadyExists, "filterId", $"filter id {f.FilterId} is already in use"));
        }

        RequireName(f.DisplayData, e);

        // layer
        layer = LayerCatalog.ByKey(f.LayerKey);
        if (layer is null)
        {
            e.Add(new(WfpError.LayerNotFound, "layerKey", $"no layer has key {{{f.LayerKey}}}"));
        }
        else if ((f.Flags & FilterFlags.BootTime) != 0 && !layer.IsKernel)
        {
            e.Add(new(WfpError.InvalidFlags, "flags", $"BOOTTIME filters are for kernel layers only; {layer.ShortName} is a user-mode layer"));
        }

        // sublayer
        var sublayerKey = f.SublayerKey == Guid.Empty ? LayerCatalog.SublayerUniversal : f.SublayerKey;
        var persistent = (f.Flags & (FilterFlags.Persistent | FilterFlags.BootTime)) != 0;
        if (!s.Sublayers.TryGetValue(sublayerKey, out var sublayer))
        {
            e.Add(new(WfpError.SublayerNotFound, "subLayerKey", $"no sublayer has key {{{sublayerKey}}}"));
        }
        else
        {
            CheckLifetime(persistent, "sublayer", sublayer.IsBuiltin || (sublayer.Flags & SublayerFlags.Persistent) != 0, e);
        }

        // provider
        CheckProvider(f.ProviderKey, s, e);
        if (f.ProviderKey is { } pk && s.Providers.TryGetValue(pk, out var provider))
        {
            CheckLifetime(persistent, "provider", provider.IsBuiltin || (provider.Flags & ProviderFlags.Persistent) != 0, e);
        }

        // action and callout
        var action = f.Action;
        if (action is null)
        {
            e.Add(new(WfpError.NullPointer, "action", "the action is missing"));
        }
        else if (action.Type is not (ActionType.Block or ActionType.Permit or ActionType.CalloutTerminating or ActionType.CalloutInspection or ActionType.CalloutUnknown))
        {
            e.Add(new(WfpError.InvalidActionType, "action.type", $"action type 0x{(uint)action.Type:x} is not BLOCK, PERMIT or a CALLOUT_* type"));
        }
        else if (action.IsCallout)
        {
            if (!s.Callouts.TryGetValue(action.CalloutKey, out var callout))
            {
                e.Add(new(WfpError.CalloutNotFound, "action.calloutKey", $"no callout has key {{{action.CalloutKey}}}"));
            }
            else
            {
                if (layer is not null && callout.ApplicableLayer != Guid.Empty && callout.ApplicableLayer != layer.Key)
                {
                    var other = LayerCatalog.ByKey(callout.ApplicableLayer)?.ShortName ?? $"{{{callout.ApplicableLayer}}}";
                    e.Add(new(WfpError.IncompatibleLayer, "action.calloutKey", $"callout \"{callout.DisplayData.Name}\" applies to layer {other}, not {layer.ShortName}"));
                }

                CheckLifetime(persistent, "callout", callout.IsBuiltin || (callout.Flags & CalloutFlags.Persistent) != 0, e);
            }
        }

        if ((f.Flags & FilterFlags.PermitIfCalloutUnregistered) != 0 && action is not null
            && action.Type is not (ActionType.CalloutTerminating or ActionType.CalloutUnknown))
        {
            e.Add(new(WfpError.InvalidFlags, "flags", "PERMIT_IF_CALLOUT_UNREGISTERED needs a CALLOUT_TERMINATING or CALLOUT_UNKNOWN action"));
        }

        // provider context
        if ((f.Flags & FilterFlags.HasProviderContext) != 0)
        {
            if (f.ProviderContextKey is not { } ck)
            {
                e.Add(new(WfpError.ProviderContextNotFound, "providerContextKey", "HAS_PROVIDER_CONTEXT is set but no provider context key is given"));
            }
            else if (!s.ProviderContexts.ContainsKey(ck))
            {
                e.Add(new(WfpError.ProviderContextNotFound, "providerContextKey", $"no provider context has key {{{ck}}}"));
            }
        }

        // conditions
        if (f.Conditions is null)
        {
            e.Add(new(WfpError.NullPointer, "filterCondition", "the condition list is missing"));
        }
        else if (layer is not null)
        {
            for (var i = 0; i < f.Conditions.Count; i++)
            {
                ValidateCondition(layer, f.Conditions[i], $"filterCondition[{i}]", e);
            }
        }

        // weight
        switch (f.Weight.Type)
        {
            case FwpDataType.Empty:
            case FwpDataType.UInt64:
                break;
            case FwpDataType.UInt8:
                if (f.Weight.RawUInt64 > 15)
                {
                    e.Add(new(WfpError.InvalidWeight, "weight", $"an FWP_UINT8 weight range is 0..15, got {f.Weight.RawUInt64}"));
                }

                break;
            default:
                e.Add(new(WfpError.InvalidWeight, "weight", $"weight must be FWP_EMPTY, FWP_UINT8 or FWP_UINT64, got {TypeName(f.Weight.Type)}"));
                break;
        }

        return e;
    }

    public static void ValidateCondition(LayerInfo layer, FilterCondition? c, string member, List<WfpErrorDetail> e)
    {
        if (c is null || c.Value is null)
        {
            e.Add(new(WfpError.NullPointer, member, "the condition or its value is missing"));
            return;
        }

        var fi = layer.FieldIndexOf(c.FieldKey);
        if (fi < 0)
        {
            var name = LayerCatalog.ConditionNameOf(c.FieldKey) ?? $"{{{c.FieldKey}}}";
            e.Add(new(WfpError.ConditionNotFound, member + ".fieldKey", $"layer {layer.ShortName} has no field {name}"));
            return;
        }

        var field = layer.Fields[fi];
        var v = c.Value;
        var m = c.MatchType;
        var where = $"{member} ({field.Name})";
        if ((uint)m > (uint)FwpMatchType.NotPrefix)
        {
            e.Add(new(WfpError.InvalidParameter, where + ".matchType", $"unknown match type {(uint)m}"));
            return;
        }

        switch (v.Type)
        {
            case FwpDataType.Empty:
                if (m != FwpMatchType.Equal)
                {
                    e.Add(new(WfpError.MatchTypeMismatch, where + ".matchType", $"an FWP_EMPTY value can only be matched with FWP_MATCH_EQUAL, not {MatchName(m)}"));
                }

                return;

            case FwpDataType.Range:
                if (m != FwpMatchType.Range)
                {
                    e.Add(new(WfpError.MatchTypeMismatch, where + ".matchType", $"an FWP_RANGE_TYPE value needs FWP_MATCH_RANGE, not {MatchName(m)}"));
                }

                if (v.RangeLow.Type != v.RangeHigh.Type)
                {
                    e.Add(new(WfpError.TypeMismatch, where + ".conditionValue", $"range ends have different types ({TypeName(v.RangeLow.Type)}, {TypeName(v.RangeHigh.Type)})"));
                    return;
                }

                if (!Allowed(field, v.RangeLow.Type))
                {
                    e.Add(TypeMismatch(where, field, v.RangeLow.Type));
                    return;
                }

                if (!IsSortable(v.RangeLow.Type))
                {
                    e.Add(new(WfpError.MatchTypeMismatch, where + ".matchType", $"{TypeName(v.RangeLow.Type)} values have no order, so no range"));
                    return;
                }

                if (Compare(v.RangeLow, v.RangeHigh) > 0)
                {
                    e.Add(new(WfpError.InvalidRange, where + ".conditionValue", $"range low {v.RangeLow} is above high {v.RangeHigh}"));
                }

                return;

            case FwpDataType.V4AddrMask:
            case FwpDataType.V6AddrMask:
                if (!Allowed(field, v.Type))
                {
                    e.Add(TypeMismatch(where, field, v.Type));
                    return;
                }

                if (m is not (FwpMatchType.Equal or FwpMatchType.NotEqual))
                {
                    e.Add(new(WfpError.MatchTypeMismatch, where + ".matchType", $"an address mask can only be matched with EQUAL or NOT_EQUAL, not {MatchName(m)}"));
                }

                if (v.Type == FwpDataType.V4AddrMask && !FwpConditionValue.IsContiguousMask(v.V4Mask))
                {
                    e.Add(new(WfpError.InvalidNetMask, where + ".conditionValue", $"mask {FwpValueFormatter.FormatIPv4(v.V4Mask)} is not contiguous"));
                }

                if (v.Type == FwpDataType.V6AddrMask && v.V6PrefixLength > 128)
                {
                    e.Add(new(WfpError.InvalidNetMask, where + ".conditionValue", $"IPv6 prefix length {v.V6PrefixLength} is above 128"));
                }

                return;
        }

        if (v.Type > FwpDataType.ByteArray6)
        {
            e.Add(new(WfpError.TypeMismatch, where + ".conditionValue", $"unknown value type 0x{(uint)v.Type:x}"));
            return;
        }

        if (!Allowed(field, v.Type))
        {
            e.Add(TypeMismatch(where, field, v.Type));
            return;
        }

        if (v.Value.Reference is null && v.Type is FwpDataType.ByteBlob or FwpDataType.UnicodeString or FwpDataType.Sid or FwpDataType.SecurityDescriptor)
        {
            e.Add(new(WfpError.NullPointer, where + ".conditionValue", $"the {TypeName(v.Type)} value is missing"));
            return;
        }

        var ok = m switch
        {
            FwpMatchType.Equal => true,
            FwpMatchType.NotEqual => true, // Windows Firewall's own filters use NOT_EQUAL on FWP_SID (ALE_PACKAGE_ID ≠ S-1-0-0 in netsh dumps)
            FwpMatchType.Greater or FwpMatchType.Less or FwpMatchType.GreaterOrEqual or FwpMatchType.LessOrEqual => IsSortable(v.Type),
            FwpMatchType.Range => false,
            FwpMatchType.FlagsAllSet or FwpMatchType.FlagsAnySet or FwpMatchType.FlagsNoneSet => FwpValue.IsUnsigned(v.Type),
            FwpMatchType.EqualCaseInsensitive => v.Type == FwpDataType.UnicodeString,
            FwpMatchType.Prefix or FwpMatchType.NotPrefix => v.Type is FwpDataType.ByteBlob or FwpDataType.UnicodeString,
            _ => false,
        };
        if (!ok)
        {
            var why = m == FwpMatchType.Range ? "FWP_MATCH_RANGE needs an FWP_RANGE_TYPE value" : $"{MatchName(m)} does not apply to {TypeName(v.Type)}";
            e.Add(new(WfpError.MatchTypeMismatch, where + ".matchType", why));
        }
    }

    public static string TypeName(FwpDataType t) => t switch
    {
        FwpDataType.Empty => "FWP_EMPTY",
        FwpDataType.ByteArray16 => "FWP_BYTE_ARRAY16_TYPE",
        FwpDataType.ByteBlob => "FWP_BYTE_BLOB_TYPE",
        FwpDataType.Sid => "FWP_SID",
        FwpDataType.SecurityDescriptor => "FWP_SECURITY_DESCRIPTOR_TYPE",
        FwpDataType.TokenInformation => "FWP_TOKEN_INFORMATION_TYPE",
        FwpDataType.TokenAccessInformation => "FWP_TOKEN_ACCESS_INFORMATION_TYPE",
        FwpDataType.UnicodeString => "FWP_UNICODE_STRING_TYPE",
        FwpDataType.ByteArray6 => "FWP_BYTE_ARRAY6_TYPE",
        FwpDataType.V4AddrMask => "FWP_V4_ADDR_MASK",
        FwpDataType.V6AddrMask => "FWP_V6_ADDR_MASK",
        FwpDataType.Range => "FWP_RANGE_TYPE",
        _ => "FWP_" + t.ToString().ToUpperInvariant(),
    };

    public static string MatchName(FwpMatchType m) => m switch
    {
        FwpMatchType.Equal => "FWP_MATCH_EQUAL",
        FwpMatchType.Greater => "FWP_MATCH_GREATER",
        FwpMatchType.Less => "FWP_MATCH_LESS",
        FwpMatchType.GreaterOrEqual => "FWP_MATCH_GREATER_OR_EQUAL",
        FwpMatchType.LessOrEqual => "FWP_MATCH_LESS_OR_EQUAL",
        FwpMatchType.Range => "FWP_MATCH_RANGE",
        FwpMatchType.FlagsAllSet => "FWP_MATCH_FLAGS_ALL_SET",
        FwpMatchType.FlagsAnySet => "FWP_MATCH_FLAGS_ANY_SET",
        FwpMatchType.FlagsNoneSet => "FWP_MATCH_FLAGS_NONE_SET",
        FwpMatchType.EqualCaseInsensitive => "FWP_MATCH_EQUAL_CASE_INSENSITIVE",
        FwpMatchType.NotEqual => "FWP_MATCH_NOT_EQUAL",
        FwpMatchType.Prefix => "FWP_MATCH_PREFIX",
        FwpMatchType.NotPrefix => "FWP_MATCH_NOT_PREFIX",
        _ => $"match type {(uint)m}",
    };

    private static bool IsSortable(FwpDataType t) => FwpValue.IsOrderedScalar(t) || t is FwpDataType.ByteBlob or FwpDataType.UnicodeString;

    private static bool Allowed(LayerFieldInfo field, FwpDataType t)
    {
        foreach (var allowed in field.ConditionTypes)
        {
            if (allowed == t)
            {
                return true;
            }
        }

        return false;
    }

    private static WfpErrorDetail TypeMismatch(string where, LayerFieldInfo field, FwpDataType t) =>
        new(WfpError.TypeMismatch, where + ".conditionValue", $"{field.Name} takes {string.Join(" or ", field.ConditionTypes.Select(TypeName))}, not {TypeName(t)}");

    private static int Compare(FwpValue a, FwpValue b)
    {
        if (FwpValue.IsOrderedScalar(a.Type))
        {
            return a.OrderKey().CompareTo(b.OrderKey());
        }

        return a.Type switch
        {
            FwpDataType.ByteBlob => a.Blob.SequenceCompareTo(b.Blob),
            FwpDataType.UnicodeString => string.CompareOrdinal(a.String, b.String),
            _ => 0,
        };
    }

    private static void RequireName(DisplayData? d, List<WfpErrorDetail> e)
    {
        if (d is null || string.IsNullOrWhiteSpace(d.Name))
        {
            e.Add(new(WfpError.NullDisplayName, "displayData.name", "a display name is required"));
        }
    }

    private static void CheckProvider(Guid? providerKey, IPolicyView s, List<WfpErrorDetail> e)
    {
        if (providerKey is { } pk && !s.Providers.ContainsKey(pk))
        {
            e.Add(new(WfpError.ProviderNotFound, "providerKey", $"no provider has key {{{pk}}}"));
        }
    }

    // Association rule (docs/ERRORS.md, Lifetimes and references): a persistent object may not reference an object with a shorter lifetime.
    private static void CheckLifetime(bool persistent, string what, bool targetPersistentOrBuiltin, List<WfpErrorDetail> e)
    {
        if (persistent && !targetPersistentOrBuiltin)
        {
            e.Add(new(WfpError.LifetimeMismatch, what + "Key", $"a persistent object cannot reference a non-persistent {what}"));
        }
    }
}
