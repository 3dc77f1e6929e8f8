using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Bfe.Persistence;

/// <summary>
/// The store's own serialized form of the engine's policy objects: one JSON object per provider, sublayer, callout,
/// provider context or filter, with the FWPM_* structure's members under their own names. It belongs to the store
/// alone (schema version <see cref="SqlitePolicyStore.SchemaVersion"/>): the management API's messages may change
/// without touching a file already on disk.
/// </summary>
/// <remarks>
/// <para>GUIDs are lower-case "D" text; an optional key that is absent is left out. Byte arrays are base64. A value
/// (FWP_VALUE0) is <c>{"type": N, …}</c> with one member for its payload: <c>uint</c> (unsigned integers),
/// <c>int</c> (signed), <c>real</c> (FLOAT/DOUBLE as round-trip text, so NaN and infinities survive), <c>hex</c>
/// (BYTE_ARRAY16 and BYTE_ARRAY6, network order), <c>base64</c> (BYTE_BLOB), <c>text</c> (UNICODE_STRING; a SID as
/// S-1-…; a security descriptor as SDDL) or <c>token</c> (<c>{"user", "groups", "restricted"}</c>). A condition value
/// adds <c>high</c> (FWP_RANGE_TYPE), <c>v4Mask</c> or <c>v6PrefixLength</c>.</para>
/// <para>Reading is strict: a missing or mistyped member, or a value that does not fit its type, is a
/// <see cref="FormatException"/> naming the member, which the store reports as a row that does not parse.</para>
/// </remarks>
internal static class StoredObjectJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };

    /// <summary>A provider's JSON.</summary>
    public static byte[] Write(ProviderSpec provider) => WriteObject(provider, static (w, p) =>
    {
        Common(w, p.Key, p.DisplayData, (uint)p.Flags, providerKey: null, p.ProviderData);
        if (p.ServiceName is { } service)
        {
            w.WriteString("serviceName", service);
        }
    });

    /// <summary>A sublayer's JSON.</summary>
    public static byte[] Write(SublayerSpec sublayer) => WriteObject(sublayer, static (w, s) =>
    {
        Common(w, s.Key, s.DisplayData, (uint)s.Flags, s.ProviderKey, s.ProviderData);
        w.WriteNumber("weight", s.Weight);
    });

    /// <summary>A callout's JSON.</summary>
    public static byte[] Write(CalloutSpec callout) => WriteObject(callout, static (w, c) =>
    {
        Common(w, c.Key, c.DisplayData, (uint)c.Flags, c.ProviderKey, c.ProviderData);
        w.WriteString("applicableLayer", Key(c.ApplicableLayer));
        w.WriteNumber("calloutId", c.CalloutId);
    });

    /// <summary>A provider context's JSON.</summary>
    public static byte[] Write(ProviderContextSpec context) => WriteObject(context, static (w, c) =>
    {
        Common(w, c.Key, c.DisplayData, (uint)c.Flags, c.ProviderKey, c.ProviderData);
        w.WriteNumber("type", (uint)c.Type);
        if (c.Data is { } data)
        {
            w.WriteBase64String("data", data);
        }

        // Rows written before provider contexts kept their policy tree have no "policy": read back as null.
        if (c.Policy is { } policy)
        {
            w.WritePropertyName("policy");
            WriteNode(w, policy);
        }

        w.WriteNumber("providerContextId", c.ProviderContextId);
    });

    /// <summary>A filter's JSON.</summary>
    public static byte[] Write(FilterSpec filter) => WriteObject(filter, static (w, f) =>
    {
        Common(w, f.Key, f.DisplayData, (uint)f.Flags, f.ProviderKey, f.ProviderData);
        w.WriteString("layerKey", Key(f.LayerKey));
        w.WriteString("subLayerKey", Key(f.SublayerKey));
        w.WritePropertyName("weight");
        WriteValue(w, f.Weight);
        w.WriteStartArray("conditions");
        foreach (var c in f.Conditions)
        {
            w.WriteStartObject();
            w.WriteString("fieldKey", Key(c.FieldKey));
            w.WriteNumber("matchType", (uint)c.MatchType);
            w.WritePropertyName("value");
            WriteConditionValue(w, c.Value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("action");
        w.WriteNumber("type", (uint)f.Action.Type);
        if (f.Action.CalloutKey != Guid.Empty)
        {
            w.WriteString("calloutKey", Key(f.Action.CalloutKey));
        }

        w.WriteEndObject();
        w.WriteNumber("rawContext", f.RawContext);
        if (f.ProviderContextKey is { } contextKey)
        {
            w.WriteString("providerContextKey", Key(contextKey));
        }

        w.WriteNumber("filterId", f.FilterId);
        w.WriteNumber("effectiveWeight", f.EffectiveWeight);
    });

    /// <summary>A provider from its JSON.</summary>
    /// <exception cref="FormatException">The JSON is not a provider this store wrote.</exception>
    public static ProviderSpec ReadProvider(ReadOnlySpan<byte> json) => Read(json, static o => new ProviderSpec
    {
        Key = RequiredKey(o, "key"),
        DisplayData = Display(o),
        Flags = (ProviderFlags)UInt32(o, "flags"),
        ProviderData = OptionalBytes(o, "providerData"),
        ServiceName = OptionalString(o, "serviceName"),
    });

    /// <summary>A sublayer from its JSON.</summary>
    /// <exception cref="FormatException">The JSON is not a sublayer this store wrote.</exception>
    public static SublayerSpec ReadSublayer(ReadOnlySpan<byte> json) => Read(json, static o => new SublayerSpec
    {
        Key = RequiredKey(o, "key"),
        DisplayData = Display(o),
        Flags = (SublayerFlags)UInt32(o, "flags"),
        ProviderKey = OptionalKey(o, "providerKey"),
        ProviderData = OptionalBytes(o, "providerData"),
        Weight = checked((ushort)Number(o, "weight", ushort.MaxValue)),
    });

    /// <summary>A callout from its JSON.</summary>
    /// <exception cref="FormatException">The JSON is not a callout this store wrote.</exception>
    public static CalloutSpec ReadCallout(ReadOnlySpan<byte> json) => Read(json, static o => new CalloutSpec
    {
        Key = RequiredKey(o, "key"),
        DisplayData = Display(o),
        Flags = (CalloutFlags)UInt32(o, "flags"),
        ProviderKey = OptionalKey(o, "providerKey"),
        ProviderData = OptionalBytes(o, "providerData"),
        ApplicableLayer = RequiredKey(o, "applicableLayer"),
        CalloutId = UInt32(o, "calloutId"),
    });

    /// <summary>A provider context from its JSON.</summary>
    /// <exception cref="FormatException">The JSON is not a provider context this store wrote.</exception>
    public static ProviderContextSpec ReadProviderContext(ReadOnlySpan<byte> json) => Read(json, static o => new ProviderContextSpec
    {
        Key = RequiredKey(o, "key"),
        DisplayData = Display(o),
        Flags = (ProviderContextFlags)UInt32(o, "flags"),
        ProviderKey = OptionalKey(o, "providerKey"),
        ProviderData = OptionalBytes(o, "providerData"),
        Type = (ProviderContextType)UInt32(o, "type"),
        Data = OptionalBytes(o, "data"),
        Policy = o.TryGetProperty("policy", out var policy) && policy.ValueKind == JsonValueKind.Object ? ReadNode(policy) : null,
        ProviderContextId = Number(o, "providerContextId", ulong.MaxValue),
    });

    // A provider context's policy tree: {"n": name, "t": text} for a leaf, {"n", "c": [...], "l": true} otherwise.
    private static void WriteNode(Utf8JsonWriter w, ProviderContextNode node)
    {
        w.WriteStartObject();
        w.WriteString("n", node.Name);
        if (node.Children.Count == 0)
        {
            w.WriteString("t", node.Text);
        }
        else
        {
            if (node.IsList)
            {
                w.WriteBoolean("l", true);
            }

            w.WriteStartArray("c");
            foreach (var c in node.Children)
            {
                WriteNode(w, c);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static ProviderContextNode ReadNode(JsonElement o)
    {
        var name = o.GetProperty("n").GetString() ?? throw new FormatException("a policy node without a name");
        if (!o.TryGetProperty("c", out var children))
        {
            return new ProviderContextNode(name, o.TryGetProperty("t", out var t) ? t.GetString() ?? "" : "");
        }

        var list = new List<ProviderContextNode>();
        foreach (var c in children.EnumerateArray())
        {
            list.Add(ReadNode(c));
        }

        return new ProviderContextNode(name, list, o.TryGetProperty("l", out var l) && l.ValueKind == JsonValueKind.True);
    }

    /// <summary>A filter from its JSON.</summary>
    /// <exception cref="FormatException">The JSON is not a filter this store wrote.</exception>
    public static FilterSpec ReadFilter(ReadOnlySpan<byte> json) => Read(json, static o =>
    {
        var conditionsJson = Member(o, "conditions", JsonValueKind.Array);
        var conditions = new FilterCondition[conditionsJson.GetArrayLength()];
        var i = 0;
        foreach (var c in conditionsJson.EnumerateArray())
        {
            Expect(c, JsonValueKind.Object, $"conditions[{i}]");
            conditions[i++] = new FilterCondition(
                RequiredKey(c, "fieldKey"),
                (FwpMatchType)UInt32(c, "matchType"),
                ReadConditionValue(Member(c, "value", JsonValueKind.Object)));
        }

        var action = Member(o, "action", JsonValueKind.Object);
        return new FilterSpec
        {
            Key = RequiredKey(o, "key"),
            DisplayData = Display(o),
            Flags = (FilterFlags)UInt32(o, "flags"),
            ProviderKey = OptionalKey(o, "providerKey"),
            ProviderData = OptionalBytes(o, "providerData"),
            LayerKey = RequiredKey(o, "layerKey"),
            SublayerKey = RequiredKey(o, "subLayerKey"),
            Weight = ReadValue(Member(o, "weight", JsonValueKind.Object)),
            Conditions = conditions,
            Action = new FilterAction((ActionType)UInt32(action, "type"), OptionalKey(action, "calloutKey") ?? Guid.Empty),
            RawContext = Number(o, "rawContext", ulong.MaxValue),
            ProviderContextKey = OptionalKey(o, "providerContextKey"),
            FilterId = Number(o, "filterId", ulong.MaxValue),
            EffectiveWeight = Number(o, "effectiveWeight", ulong.MaxValue),
        };
    });

    /// <summary>The key a stored object's JSON names, without reading the rest (for the row/object key check).</summary>
    /// <exception cref="FormatException">The JSON has no key.</exception>
    public static Guid ReadKey(ReadOnlySpan<byte> json) => Read(json, static o => RequiredKey(o, "key"));

    private static string Key(Guid key) => key.ToString("D");

    private static byte[] WriteObject<T>(T item, Action<Utf8JsonWriter, T> body)
    {
        ArgumentNullException.ThrowIfNull(item);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            body(w, item);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Common(Utf8JsonWriter w, Guid key, DisplayData display, uint flags, Guid? providerKey, byte[]? providerData)
    {
        w.WriteString("key", Key(key));
        w.WriteString("name", display.Name);
        if (display.Description is { } description)
        {
            w.WriteString("description", description);
        }

        w.WriteNumber("flags", flags);
        if (providerKey is { } provider)
        {
            w.WriteString("providerKey", Key(provider));
        }

        if (providerData is not null)
        {
            w.WriteBase64String("providerData", providerData);
        }
    }

    private static void WriteConditionValue(Utf8JsonWriter w, FwpConditionValue value)
    {
        w.WriteStartObject();
        w.WriteNumber("type", (uint)value.Type);
        w.WritePropertyName("value");
        WriteValue(w, value.Value);
        switch (value.Type)
        {
            case FwpDataType.Range:
                w.WritePropertyName("high");
                WriteValue(w, value.RangeHigh);
                break;
            case FwpDataType.V4AddrMask:
                w.WriteNumber("v4Mask", value.V4Mask);
                break;
            case FwpDataType.V6AddrMask:
                w.WriteNumber("v6PrefixLength", value.V6PrefixLength);
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, FwpValue value)
    {
        w.WriteStartObject();
        w.WriteNumber("type", (uint)value.Type);
        switch (value.Type)
        {
            case FwpDataType.Empty:
                break;
            case FwpDataType.UInt8 or FwpDataType.UInt16 or FwpDataType.UInt32 or FwpDataType.UInt64:
                w.WriteNumber("uint", value.RawUInt64);
                break;
            case FwpDataType.Int8 or FwpDataType.Int16 or FwpDataType.Int32 or FwpDataType.Int64:
                w.WriteNumber("int", value.AsInt64);
                break;
            case FwpDataType.Float or FwpDataType.Double:
                w.WriteString("real", value.AsDouble.ToString("R", CultureInfo.InvariantCulture));
                break;
            case FwpDataType.ByteArray16:
                {
                    Span<byte> bytes = stackalloc byte[16];
                    BinaryPrimitives.WriteUInt128BigEndian(bytes, value.RawUInt128);
                    w.WriteString("hex", Convert.ToHexStringLower(bytes));
                    break;
                }

            case FwpDataType.ByteArray6:
                {
                    Span<byte> bytes = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64BigEndian(bytes, value.RawUInt64);
                    w.WriteString("hex", Convert.ToHexStringLower(bytes[2..]));
                    break;
                }

            case FwpDataType.ByteBlob:
                w.WriteBase64String("base64", value.Blob);
                break;
            case FwpDataType.UnicodeString:
                w.WriteString("text", value.String);
                break;
            case FwpDataType.Sid:
                w.WriteString("text", value.Sid!.ToString());
                break;
            case FwpDataType.SecurityDescriptor:
                w.WriteString("text", value.SecurityDescriptor!.ToSddl());
                break;
            case FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation:
                {
                    var token = value.Token!;
                    w.WriteStartObject("token");
                    w.WriteString("user", token.User.ToString());
                    WriteSids(w, "groups", token.Groups);
                    WriteSids(w, "restricted", token.RestrictedSids);
                    w.WriteEndObject();
                    break;
                }

            default:
                throw new ArgumentException($"FWP_DATA_TYPE {(uint)value.Type} is not a single data type; it cannot be stored as a value.", nameof(value));
        }

        w.WriteEndObject();
    }

    private static void WriteSids(Utf8JsonWriter w, string name, IReadOnlyList<Sid> sids)
    {
        w.WriteStartArray(name);
        foreach (var sid in sids)
        {
            w.WriteStringValue(sid.ToString());
        }

        w.WriteEndArray();
    }

    private static T Read<T>(ReadOnlySpan<byte> json, Func<JsonElement, T> read)
    {
        var reader = new Utf8JsonReader(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON ({e.Message.ReplaceLineEndings(" ")})", e);
        }

        using (document)
        {
            Expect(document.RootElement, JsonValueKind.Object, "the row");
            try
            {
                return read(document.RootElement);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException or InvalidOperationException)
            {
                throw new FormatException(e.Message.ReplaceLineEndings(" "), e);
            }
        }
    }

    private static FwpConditionValue ReadConditionValue(JsonElement o)
    {
        var type = (FwpDataType)UInt32(o, "type");
        var value = ReadValue(Member(o, "value", JsonValueKind.Object));
        switch (type)
        {
            case FwpDataType.Range:
                return FwpConditionValue.Range(value, ReadValue(Member(o, "high", JsonValueKind.Object)));
            case FwpDataType.V4AddrMask:
                Require(value.Type == FwpDataType.UInt32, "an FWP_V4_ADDR_MASK address must be FWP_UINT32");
                return FwpConditionValue.V4AddressMask((uint)value.RawUInt64, UInt32(o, "v4Mask"));
            case FwpDataType.V6AddrMask:
                Require(value.Type == FwpDataType.ByteArray16, "an FWP_V6_ADDR_MASK address must be FWP_BYTE_ARRAY16_TYPE");
                return FwpConditionValue.V6AddressMask(value.RawUInt128, (byte)Number(o, "v6PrefixLength", 128));
            default:
                Require(value.Type == type, $"condition value type {(uint)type} holds a value of type {(uint)value.Type}");
                return FwpConditionValue.Of(value);
        }
    }

    private static FwpValue ReadValue(JsonElement o)
    {
        var type = (FwpDataType)UInt32(o, "type");
        switch (type)
        {
            case FwpDataType.Empty:
                return FwpValue.Empty;
            case FwpDataType.UInt8:
                return FwpValue.FromUInt8((byte)Number(o, "uint", byte.MaxValue));
            case FwpDataType.UInt16:
                return FwpValue.FromUInt16((ushort)Number(o, "uint", ushort.MaxValue));
            case FwpDataType.UInt32:
                return FwpValue.FromUInt32((uint)Number(o, "uint", uint.MaxValue));
            case FwpDataType.UInt64:
                return FwpValue.FromUInt64(Number(o, "uint", ulong.MaxValue));
            case FwpDataType.Int8:
                return FwpValue.FromInt8(checked((sbyte)Signed(o)));
            case FwpDataType.Int16:
                return FwpValue.FromInt16(checked((short)Signed(o)));
            case FwpDataType.Int32:
                return FwpValue.FromInt32(checked((int)Signed(o)));
            case FwpDataType.Int64:
                return FwpValue.FromInt64(Signed(o));
            case FwpDataType.Float:
                return FwpValue.FromFloat((float)Real(o));
            case FwpDataType.Double:
                return FwpValue.FromDouble(Real(o));
            case FwpDataType.ByteArray16:
                return FwpValue.FromByteArray16(Hex(o, 16));
            case FwpDataType.ByteArray6:
                return FwpValue.FromByteArray6(Hex(o, 6));
            case FwpDataType.ByteBlob:
                return FwpValue.FromByteBlob(Member(o, "base64", JsonValueKind.String).GetBytesFromBase64());
            case FwpDataType.UnicodeString:
                return FwpValue.FromUnicodeString(Text(o, "text"));
            case FwpDataType.Sid:
                return FwpValue.FromSid(ParseSid(Text(o, "text"), "text"));
            case FwpDataType.SecurityDescriptor:
                {
                    var sddl = Text(o, "text");
                    Require(SecurityDescriptor.TryParseSddl(sddl, out var sd, out var error), $"'text' is not a security descriptor ({error})");
                    return FwpValue.FromSecurityDescriptor(sd!);
                }

            case FwpDataType.TokenInformation or FwpDataType.TokenAccessInformation:
                {
                    var token = Member(o, "token", JsonValueKind.Object);
                    return FwpValue.FromToken(new FwpToken(ParseSid(Text(token, "user"), "token.user"), Sids(token, "groups"), Sids(token, "restricted")), type);
                }

            default:
                throw new FormatException($"unknown value type {(uint)type}");
        }
    }

    private static List<Sid> Sids(JsonElement o, string name)
    {
        var list = new List<Sid>();
        foreach (var e in Member(o, name, JsonValueKind.Array).EnumerateArray())
        {
            Expect(e, JsonValueKind.String, name);
            list.Add(ParseSid(e.GetString()!, name));
        }

        return list;
    }

    private static Sid ParseSid(string text, string member)
    {
        Require(Sid.TryParse(text, out var sid), $"'{member}' is not a SID");
        return sid!;
    }

    private static byte[] Hex(JsonElement o, int length)
    {
        var text = Text(o, "hex");
        Require(text.Length == 2 * length, $"'hex' must have {2 * length} digits");
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new FormatException("'hex' is not hexadecimal");
        }
    }

    private static double Real(JsonElement o)
    {
        var text = Text(o, "real");
        Require(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value), "'real' is not a number");
        return value;
    }

    private static long Signed(JsonElement o)
    {
        var e = Member(o, "int", JsonValueKind.Number);
        Require(e.TryGetInt64(out var value), "'int' is not a 64-bit integer");
        return value;
    }

    private static DisplayData Display(JsonElement o) => new(Text(o, "name"), OptionalString(o, "description"));

    private static uint UInt32(JsonElement o, string name) => (uint)Number(o, name, uint.MaxValue);

    private static ulong Number(JsonElement o, string name, ulong max)
    {
        var e = Member(o, name, JsonValueKind.Number);
        Require(e.TryGetUInt64(out var value) && value <= max, $"'{name}' is not an integer from 0 to {max}");
        return value;
    }

    private static string Text(JsonElement o, string name) => Member(o, name, JsonValueKind.String).GetString()!;

    private static string? OptionalString(JsonElement o, string name) =>
        o.TryGetProperty(name, out _) ? Text(o, name) : null;

    private static byte[]? OptionalBytes(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out _))
        {
            return null;
        }

        Require(Member(o, name, JsonValueKind.String).TryGetBytesFromBase64(out var bytes), $"'{name}' is not base64");
        return bytes;
    }

    private static Guid RequiredKey(JsonElement o, string name)
    {
        Require(Guid.TryParseExact(Text(o, name), "D", out var key), $"'{name}' is not a GUID");
        return key;
    }

    private static Guid? OptionalKey(JsonElement o, string name) =>
        o.TryGetProperty(name, out _) ? RequiredKey(o, name) : null;

    private static JsonElement Member(JsonElement o, string name, JsonValueKind kind)
    {
        if (!o.TryGetProperty(name, out var e))
        {
            throw new FormatException($"'{name}' is missing");
        }

        Expect(e, kind, $"'{name}'");
        return e;
    }

    private static void Expect(JsonElement e, JsonValueKind kind, string what)
    {
        if (e.ValueKind != kind)
        {
            throw new FormatException($"{what} is {e.ValueKind}, not {kind}");
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FormatException(problem);
        }
    }
}
