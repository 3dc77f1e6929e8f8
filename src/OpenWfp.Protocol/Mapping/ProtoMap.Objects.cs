using Google.Protobuf;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Mapping;

public static partial class ProtoMap
{
    private const string ZeroGuidText = "00000000-0000-0000-0000-000000000000";

    /// <summary>A required key as text: canonical "D" form, <see cref="Guid.Empty"/> as "".</summary>
    /// <param name="key">The key.</param>
    /// <returns>The text.</returns>
    public static string KeyToProto(Guid key) => key == Guid.Empty ? "" : key.ToString("D");

    /// <summary>An optional key as text: null as "", <see cref="Guid.Empty"/> as zeros, others in canonical "D" form.</summary>
    /// <param name="key">The key, or null.</param>
    /// <returns>The text.</returns>
    public static string KeyToProto(Guid? key) => key switch
    {
        null => "",
        { } k when k == Guid.Empty => ZeroGuidText,
        { } k => k.ToString("D"),
    };

    /// <summary>A required key from the wire: "" is <see cref="Guid.Empty"/>.</summary>
    /// <param name="text">The GUID in "D" form, with or without braces.</param>
    /// <param name="path">The field, for error messages.</param>
    /// <returns>The key.</returns>
    /// <exception cref="WfpException">FWP_E_INVALID_PARAMETER: the text is not a GUID.</exception>
    public static Guid ParseKey(string? text, string path)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Guid.Empty;
        }

        if (Guid.TryParseExact(text, "D", out var key) || Guid.TryParseExact(text, "B", out key))
        {
            return key;
        }

        throw WireErrors.Invalid(path, $"'{Shorten(text)}' is not a GUID (expected the form 01234567-89ab-cdef-0123-456789abcdef)");
    }

    /// <summary>An optional key from the wire: "" is null.</summary>
    /// <param name="text">The GUID in "D" form, with or without braces, or "".</param>
    /// <param name="path">The field, for error messages.</param>
    /// <returns>The key, or null.</returns>
    /// <exception cref="WfpException">FWP_E_INVALID_PARAMETER: the text is not a GUID.</exception>
    public static Guid? ParseOptionalKey(string? text, string path) =>
        string.IsNullOrEmpty(text) ? null : ParseKey(text, path);

    /// <summary>Display data as a message (null description as "").</summary>
    /// <param name="displayData">The display data.</param>
    /// <returns>The message.</returns>
    public static P.DisplayData ToProto(DisplayData displayData)
    {
        ArgumentNullException.ThrowIfNull(displayData);
        return new P.DisplayData { Name = displayData.Name ?? "", Description = displayData.Description ?? "" };
    }

    /// <summary>Display data from the wire; a missing message is an empty name (the engine rejects it where a name is required).</summary>
    /// <param name="displayData">The message, or null.</param>
    /// <returns>The display data; an empty description is null.</returns>
    public static DisplayData ToDisplayData(P.DisplayData? displayData) =>
        displayData is null
            ? new DisplayData("")
            : new DisplayData(displayData.Name, displayData.Description.Length == 0 ? null : displayData.Description);

    /// <summary>An engine condition as a <see cref="P.FilterCondition"/>.</summary>
    /// <param name="condition">The condition.</param>
    /// <returns>The message.</returns>
    public static P.FilterCondition ToProto(FilterCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return new P.FilterCondition
        {
            FieldKey = KeyToProto(condition.FieldKey),
            MatchType = (uint)condition.MatchType,
            Value = ToProto(condition.Value),
        };
    }

    /// <summary>A <see cref="P.FilterCondition"/> from the wire. The match type is taken as is; the engine checks it.</summary>
    /// <param name="condition">The message.</param>
    /// <param name="path">The message's place, for error messages (e.g. <c>filter.conditions[2]</c>).</param>
    /// <returns>The condition.</returns>
    /// <exception cref="WfpException">The message is missing or malformed.</exception>
    public static FilterCondition ToCondition(P.FilterCondition? condition, string path = "condition")
    {
        if (condition is null)
        {
            throw WireErrors.Missing(path);
        }

        var field = ParseKey(condition.FieldKey, path + ".field_key");
        var value = ToConditionValue(condition.Value, path + ".value");
        return new FilterCondition(field, (FwpMatchType)condition.MatchType, value);
    }

    /// <summary>An engine filter as a <see cref="P.Filter"/> (FWPM_FILTER0), outputs included.</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>The message.</returns>
    public static P.Filter ToProto(FilterSpec filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var p = new P.Filter
        {
            Key = KeyToProto(filter.Key),
            DisplayData = ToProto(filter.DisplayData),
            Flags = (uint)filter.Flags,
            ProviderKey = KeyToProto(filter.ProviderKey),
            ProviderData = ToBytes(filter.ProviderData),
            LayerKey = KeyToProto(filter.LayerKey),
            SublayerKey = KeyToProto(filter.SublayerKey),
            Weight = ToProto(filter.Weight),
            RawContext = filter.RawContext,
            ProviderContextKey = KeyToProto(filter.ProviderContextKey),
            FilterId = filter.FilterId,
            EffectiveWeight = filter.EffectiveWeight,
        };
        if (filter.Action is { } action)
        {
            p.Action = new P.FilterAction { Type = (uint)action.Type, CalloutKey = KeyToProto(action.CalloutKey) };
        }

        if (filter.Conditions is { } conditions)
        {
            foreach (var c in conditions)
            {
                p.Conditions.Add(ToProto(c));
            }
        }

        return p;
    }

    /// <summary>A <see cref="P.Filter"/> from the wire. A missing weight is FWP_EMPTY; a missing action is an error.</summary>
    /// <param name="filter">The message.</param>
    /// <returns>The filter.</returns>
    /// <exception cref="WfpException">The message is missing or malformed; the detail names the field under <c>filter.</c>.</exception>
    public static FilterSpec ToSpec(P.Filter? filter)
    {
        const string Root = "filter";
        if (filter is null)
        {
            throw WireErrors.Missing(Root);
        }

        if (filter.Action is null)
        {
            throw WireErrors.Missing(Root + ".action");
        }

        var conditions = new FilterCondition[filter.Conditions.Count];
        for (var i = 0; i < conditions.Length; i++)
        {
            conditions[i] = ToCondition(filter.Conditions[i], $"{Root}.conditions[{i}]");
        }

        return new FilterSpec
        {
            Key = ParseKey(filter.Key, Root + ".key"),
            DisplayData = ToDisplayData(filter.DisplayData),
            Flags = (FilterFlags)filter.Flags,
            ProviderKey = ParseOptionalKey(filter.ProviderKey, Root + ".provider_key"),
            ProviderData = FromBytes(filter.ProviderData),
            LayerKey = ParseKey(filter.LayerKey, Root + ".layer_key"),
            SublayerKey = ParseKey(filter.SublayerKey, Root + ".sublayer_key"),
            Weight = filter.Weight is null ? FwpValue.Empty : ToValue(filter.Weight, Root + ".weight"),
            Conditions = conditions,
            Action = new FilterAction((ActionType)filter.Action.Type, ParseKey(filter.Action.CalloutKey, Root + ".action.callout_key")),
            RawContext = filter.RawContext,
            ProviderContextKey = ParseOptionalKey(filter.ProviderContextKey, Root + ".provider_context_key"),
            FilterId = filter.FilterId,
            EffectiveWeight = filter.EffectiveWeight,
        };
    }

    /// <summary>An engine provider as a <see cref="P.Provider"/> (FWPM_PROVIDER0).</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The message. <see cref="ProviderSpec.IsBuiltin"/> has no field and is not sent.</returns>
    public static P.Provider ToProto(ProviderSpec provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return new P.Provider
        {
            Key = KeyToProto(provider.Key),
            DisplayData = ToProto(provider.DisplayData),
            Flags = (uint)provider.Flags,
            ProviderData = ToBytes(provider.ProviderData),
            ServiceName = provider.ServiceName ?? "",
        };
    }

    /// <summary>A <see cref="P.Provider"/> from the wire.</summary>
    /// <param name="provider">The message.</param>
    /// <returns>The provider (an empty service name is null).</returns>
    /// <exception cref="WfpException">The message is missing or malformed.</exception>
    public static ProviderSpec ToSpec(P.Provider? provider)
    {
        const string Root = "provider";
        if (provider is null)
        {
            throw WireErrors.Missing(Root);
        }

        return new ProviderSpec
        {
            Key = ParseKey(provider.Key, Root + ".key"),
            DisplayData = ToDisplayData(provider.DisplayData),
            Flags = (ProviderFlags)provider.Flags,
            ProviderData = FromBytes(provider.ProviderData),
            ServiceName = provider.ServiceName.Length == 0 ? null : provider.ServiceName,
        };
    }

    /// <summary>An engine sublayer as a <see cref="P.Sublayer"/> (FWPM_SUBLAYER0).</summary>
    /// <param name="sublayer">The sublayer.</param>
    /// <returns>The message. <see cref="SublayerSpec.IsBuiltin"/> has no field and is not sent.</returns>
    public static P.Sublayer ToProto(SublayerSpec sublayer)
    {
        ArgumentNullException.ThrowIfNull(sublayer);
        return new P.Sublayer
        {
            Key = KeyToProto(sublayer.Key),
            DisplayData = ToProto(sublayer.DisplayData),
            Flags = (uint)sublayer.Flags,
            ProviderKey = KeyToProto(sublayer.ProviderKey),
            ProviderData = ToBytes(sublayer.ProviderData),
            Weight = sublayer.Weight,
        };
    }

    /// <summary>A <see cref="P.Sublayer"/> from the wire.</summary>
    /// <param name="sublayer">The message.</param>
    /// <returns>The sublayer.</returns>
    /// <exception cref="WfpException">The message is missing or malformed (a weight above 65535 is FWP_E_OUT_OF_BOUNDS).</exception>
    public static SublayerSpec ToSpec(P.Sublayer? sublayer)
    {
        const string Root = "sublayer";
        if (sublayer is null)
        {
            throw WireErrors.Missing(Root);
        }

        if (sublayer.Weight > ushort.MaxValue)
        {
            throw WireErrors.Error(WfpError.OutOfBounds, Root + ".weight", $"{sublayer.Weight} does not fit the UINT16 weight");
        }

        return new SublayerSpec
        {
            Key = ParseKey(sublayer.Key, Root + ".key"),
            DisplayData = ToDisplayData(sublayer.DisplayData),
            Flags = (SublayerFlags)sublayer.Flags,
            ProviderKey = ParseOptionalKey(sublayer.ProviderKey, Root + ".provider_key"),
            ProviderData = FromBytes(sublayer.ProviderData),
            Weight = (ushort)sublayer.Weight,
        };
    }

    /// <summary>An engine callout as a <see cref="P.Callout"/> (FWPM_CALLOUT0).</summary>
    /// <param name="callout">The callout.</param>
    /// <returns>The message. <see cref="CalloutSpec.IsBuiltin"/> has no field and is not sent.</returns>
    public static P.Callout ToProto(CalloutSpec callout)
    {
        ArgumentNullException.ThrowIfNull(callout);
        return new P.Callout
        {
            Key = KeyToProto(callout.Key),
            DisplayData = ToProto(callout.DisplayData),
            Flags = (uint)callout.Flags,
            ProviderKey = KeyToProto(callout.ProviderKey),
            ProviderData = ToBytes(callout.ProviderData),
            ApplicableLayer = KeyToProto(callout.ApplicableLayer),
            CalloutId = callout.CalloutId,
        };
    }

    /// <summary>A <see cref="P.Callout"/> from the wire.</summary>
    /// <param name="callout">The message.</param>
    /// <returns>The callout.</returns>
    /// <exception cref="WfpException">The message is missing or malformed.</exception>
    public static CalloutSpec ToSpec(P.Callout? callout)
    {
        const string Root = "callout";
        if (callout is null)
        {
            throw WireErrors.Missing(Root);
        }

        return new CalloutSpec
        {
            Key = ParseKey(callout.Key, Root + ".key"),
            DisplayData = ToDisplayData(callout.DisplayData),
            Flags = (CalloutFlags)callout.Flags,
            ProviderKey = ParseOptionalKey(callout.ProviderKey, Root + ".provider_key"),
            ProviderData = FromBytes(callout.ProviderData),
            ApplicableLayer = ParseKey(callout.ApplicableLayer, Root + ".applicable_layer"),
            CalloutId = callout.CalloutId,
        };
    }

    /// <summary>An engine provider context as a <see cref="P.ProviderContext"/> (FWPM_PROVIDER_CONTEXT).</summary>
    /// <param name="context">The provider context.</param>
    /// <returns>The message.</returns>
    public static P.ProviderContext ToProto(ProviderContextSpec context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new P.ProviderContext
        {
            Key = KeyToProto(context.Key),
            DisplayData = ToProto(context.DisplayData),
            Flags = (uint)context.Flags,
            ProviderKey = KeyToProto(context.ProviderKey),
            ProviderData = ToBytes(context.ProviderData),
            Type = (uint)context.Type,
            Data = ToBytes(context.Data),
            ProviderContextId = context.ProviderContextId,
            Policy = context.Policy is { } policy ? ToProto(policy) : null,
        };
    }

    private static P.ProviderContextNode ToProto(ProviderContextNode node)
    {
        var message = new P.ProviderContextNode { Name = node.Name, Text = node.Text, IsList = node.IsList };
        foreach (var c in node.Children)
        {
            message.Children.Add(ToProto(c));
        }

        return message;
    }

    private static ProviderContextNode ToNode(P.ProviderContextNode node, string path)
    {
        if (node.Name.Length == 0)
        {
            throw WireErrors.Missing(path + ".name");
        }

        return node.Children.Count == 0
            ? new ProviderContextNode(node.Name, node.Text)
            : new ProviderContextNode(node.Name, [.. node.Children.Select((c, i) => ToNode(c, $"{path}.children[{i}]"))], node.IsList);
    }

    /// <summary>A <see cref="P.ProviderContext"/> from the wire. The type is taken as is; the engine checks it.</summary>
    /// <param name="context">The message.</param>
    /// <returns>The provider context.</returns>
    /// <exception cref="WfpException">The message is missing or malformed.</exception>
    public static ProviderContextSpec ToSpec(P.ProviderContext? context)
    {
        const string Root = "provider_context";
        if (context is null)
        {
            throw WireErrors.Missing(Root);
        }

        return new ProviderContextSpec
        {
            Key = ParseKey(context.Key, Root + ".key"),
            DisplayData = ToDisplayData(context.DisplayData),
            Flags = (ProviderContextFlags)context.Flags,
            ProviderKey = ParseOptionalKey(context.ProviderKey, Root + ".provider_key"),
            ProviderData = FromBytes(context.ProviderData),
            Type = (ProviderContextType)context.Type,
            Data = context.Type == (uint)ProviderContextType.General ? FromBytes(context.Data) ?? [] : FromBytes(context.Data),
            Policy = context.Policy is { } policy ? ToNode(policy, Root + ".policy") : null,
            ProviderContextId = context.ProviderContextId,
        };
    }

    private static ByteString ToBytes(byte[]? bytes) => bytes is null || bytes.Length == 0 ? ByteString.Empty : ByteString.CopyFrom(bytes);

    private static byte[]? FromBytes(ByteString bytes) => bytes.IsEmpty ? null : bytes.ToByteArray();

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
