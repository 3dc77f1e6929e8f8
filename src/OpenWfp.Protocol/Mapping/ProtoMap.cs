using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Mapping;

/// <summary>
/// Lossless conversion between the engine's object model (<c>OpenWfp.Engine.Model</c>, <c>OpenWfp.Engine.Values</c>)
/// and the messages of <c>openwfp.bfe.v1</c>, both ways.
/// </summary>
/// <remarks>
/// <para>
/// <c>ToProto</c> takes engine objects, which are trusted, and cannot fail on anything the engine's factories build.
/// <c>ToValue</c>, <c>ToConditionValue</c>, <c>ToCondition</c> and <c>ToSpec</c> take messages from the wire and
/// throw only <see cref="WfpException"/>, whose detail names the offending field by its proto path
/// (<c>filter.conditions[2].value: FWP_BYTE_ARRAY16_TYPE needs 16 bytes, got 4</c>). They reject what the model
/// cannot represent or what would otherwise be dropped silently; rules about meaning (unknown flags, match types,
/// action types, a missing display name, a prefix length above 128, …) are the engine's, which reports them when
/// the object is added.
/// </para>
/// <para>
/// Errors: a GUID that does not parse, a byte string of the wrong length, a SID or SDDL that does not parse, or a
/// member that does not belong to the value's type → <c>FWP_E_INVALID_PARAMETER</c>; an unknown FWP_DATA_TYPE number →
/// <c>FWP_E_INVALID_ENUMERATOR</c>; a value whose <c>data</c> case does not fit its type, or a condition value whose
/// value has another type → <c>FWP_E_TYPE_MISMATCH</c>; a number too large for its type →
/// <c>FWP_E_OUT_OF_BOUNDS</c>; a missing message or member that has no default → <c>FWP_E_NULL_POINTER</c>; an IPv6
/// prefix length above 255 → <c>FWP_E_INVALID_NET_MASK</c>.
/// </para>
/// <para>
/// Keys: a GUID travels as its canonical "D" text in lower case; a required key that is <see cref="Guid.Empty"/> is
/// the empty string, and an optional key that is null is the empty string (a non-null optional
/// <see cref="Guid.Empty"/> is written as zeros, so that it too survives the round trip). Reading accepts the "D"
/// form with or without braces, in either case. Byte strings: null and empty are both the empty byte string, read
/// back as null. Descriptions and service names: null and empty are both "", read back as null.
/// </para>
/// </remarks>
public static partial class ProtoMap
{
    /// <summary>The highest single FWP_DATA_TYPE a <see cref="P.Value"/> can carry (FWP_BYTE_ARRAY6_TYPE).</summary>
    private const uint MaxSingleType = (uint)FwpDataType.ByteArray6;

    /// <summary>An engine value as a <see cref="P.Value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The message; its <c>data</c> case is set for every type but FWP_EMPTY.</returns>
    /// <exception cref="ArgumentException">The value's type is not a single data type (only possible for a corrupt value).</exception>
    public static P.Value ToProto(FwpValue value)
    {
        var p = new P.Value { Type = (uint)value.Type };
        switch (value.Type)
        {
            case FwpDataType.Empty:
                break;
            case FwpDataType.UInt8:
            case FwpDataType.UInt16:
            case FwpDataType.UInt32:
            case FwpDataType.UInt64:
                p.Uint = value.RawUInt64;
                break;
            case FwpDataType.Int8:
            case FwpDataType.Int16:
            case FwpDataType.Int32:
            case FwpDataType.Int64:
                p.Int = value.AsInt64;
                break;
            case FwpDataType.Float:
            case FwpDataType.Double:
                p.Real = value.AsDouble;
                break;
            case FwpDataType.ByteArray16:
                {
                    var bytes = new byte[16];
                    BinaryPrimitives.WriteUInt128BigEndian(bytes, value.RawUInt128);
                    p.Bytes = ByteString.CopyFrom(bytes);
                    break;
                }

            case FwpDataType.ByteArray6:
                {
                    Span<byte> bytes = stackalloc byte[6];
                    var v = value.RawUInt64;
                    for (var i = 5; i >= 0; i--)
                    {
                        bytes[i] = (byte)v;
                        v >>= 8;
                    }

                    p.Bytes = ByteString.CopyFrom(bytes);
                    break;
                }

            case FwpDataType.ByteBlob:
                p.Bytes = ByteString.CopyFrom(value.Blob);
                break;
            case FwpDataType.UnicodeString:
                p.Text = value.String ?? "";
                break;
            case FwpDataType.Sid:
                p.Text = value.Sid?.ToString() ?? "";
                break;
            case FwpDataType.SecurityDescriptor:
                p.Text = value.SecurityDescriptor?.ToSddl() ?? "";
                break;
            case FwpDataType.TokenInformation:
            case FwpDataType.TokenAccessInformation:
                p.Token = value.Token is { } token ? ToProto(token) : new P.Token();
                break;
            default:
                throw new ArgumentException($"{TypeName(value.Type)} is not a single data type.", nameof(value));
        }

        return p;
    }

    /// <summary>A token as a <see cref="P.Token"/> (SIDs as S-1-… text).</summary>
    /// <param name="token">The token.</param>
    /// <returns>The message.</returns>
    public static P.Token ToProto(FwpToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var p = new P.Token { User = token.User.ToString() };
        foreach (var sid in token.Groups)
        {
            p.Groups.Add(sid.ToString());
        }

        foreach (var sid in token.RestrictedSids)
        {
            p.Restricted.Add(sid.ToString());
        }

        p.Claims = token.Claims.ToString();
        return p;
    }

    /// <summary>A <see cref="P.Value"/> from the wire as an engine value.</summary>
    /// <param name="value">The message.</param>
    /// <param name="path">The message's place, for error messages (e.g. <c>filter.weight</c>).</param>
    /// <returns>The value.</returns>
    /// <exception cref="WfpException">The message is missing or malformed (see the type remarks).</exception>
    public static FwpValue ToValue(P.Value? value, string path = "value")
    {
        if (value is null)
        {
            throw WireErrors.Missing(path);
        }

        if (value.Type > MaxSingleType)
        {
            var why = value.Type is >= (uint)FwpDataType.V4AddrMask and <= (uint)FwpDataType.Range
                ? $"{TypeName((FwpDataType)value.Type)} is only for condition values"
                : $"unknown FWP_DATA_TYPE {FormatType(value.Type)} (a value is FWP_EMPTY 0 … FWP_BYTE_ARRAY6_TYPE 18)";
            throw WireErrors.Error(WfpError.InvalidEnumerator, path + ".type", why);
        }

        var type = (FwpDataType)value.Type;
        var expected = ExpectedCase(type);
        if (value.DataCase != expected)
        {
            if (value.DataCase == P.Value.DataOneofCase.None)
            {
                throw WireErrors.Error(WfpError.NullPointer, path, $"{TypeName(type)} needs the '{CaseName(expected)}' member, which is not set");
            }

            var need = expected == P.Value.DataOneofCase.None ? "no member" : $"the '{CaseName(expected)}' member";
            throw WireErrors.Error(WfpError.TypeMismatch, path, $"{TypeName(type)} takes {need}, not '{CaseName(value.DataCase)}'");
        }

        switch (type)
        {
            case FwpDataType.Empty:
                return FwpValue.Empty;
            case FwpDataType.UInt8:
                return FwpValue.FromUInt8((byte)CheckUnsigned(value.Uint, byte.MaxValue, type, path));
            case FwpDataType.UInt16:
                return FwpValue.FromUInt16((ushort)CheckUnsigned(value.Uint, ushort.MaxValue, type, path));
            case FwpDataType.UInt32:
                return FwpValue.FromUInt32((uint)CheckUnsigned(value.Uint, uint.MaxValue, type, path));
            case FwpDataType.UInt64:
                return FwpValue.FromUInt64(value.Uint);
            case FwpDataType.Int8:
                return FwpValue.FromInt8((sbyte)CheckSigned(value.Int, sbyte.MinValue, sbyte.MaxValue, type, path));
            case FwpDataType.Int16:
                return FwpValue.FromInt16((short)CheckSigned(value.Int, short.MinValue, short.MaxValue, type, path));
            case FwpDataType.Int32:
                return FwpValue.FromInt32((int)CheckSigned(value.Int, int.MinValue, int.MaxValue, type, path));
            case FwpDataType.Int64:
                return FwpValue.FromInt64(value.Int);
            case FwpDataType.Float:
                {
                    var f = (float)value.Real;
                    if (float.IsInfinity(f) && !double.IsInfinity(value.Real))
                    {
                        throw WireErrors.Error(WfpError.OutOfBounds, path, $"{value.Real.ToString("R", CultureInfo.InvariantCulture)} does not fit FWP_FLOAT");
                    }

                    return FwpValue.FromFloat(f);
                }

            case FwpDataType.Double:
                return FwpValue.FromDouble(value.Real);
            case FwpDataType.ByteArray16:
                CheckLength(value.Bytes, 16, type, path);
                return FwpValue.FromByteArray16(value.Bytes.Span);
            case FwpDataType.ByteArray6:
                CheckLength(value.Bytes, 6, type, path);
                return FwpValue.FromByteArray6(value.Bytes.Span);
            case FwpDataType.ByteBlob:
                return FwpValue.FromByteBlob(value.Bytes.ToByteArray());
            case FwpDataType.UnicodeString:
                return FwpValue.FromUnicodeString(value.Text);
            case FwpDataType.Sid:
                return FwpValue.FromSid(ParseSid(value.Text, path));
            case FwpDataType.SecurityDescriptor:
                if (!SecurityDescriptor.TryParseSddl(value.Text, out var sd, out var error))
                {
                    throw WireErrors.Invalid(path, $"not a security descriptor in SDDL: {error}");
                }

                return FwpValue.FromSecurityDescriptor(sd!);
            default: // TokenInformation, TokenAccessInformation
                return FwpValue.FromToken(ToToken(value.Token, path + ".token"), type);
        }
    }

    /// <summary>A <see cref="P.Token"/> from the wire.</summary>
    /// <param name="token">The message.</param>
    /// <param name="path">The message's place, for error messages.</param>
    /// <returns>The token.</returns>
    /// <exception cref="WfpException">The message is missing, has no user, or holds a SID that does not parse.</exception>
    public static FwpToken ToToken(P.Token? token, string path = "token")
    {
        if (token is null)
        {
            throw WireErrors.Missing(path);
        }

        if (token.User.Length == 0)
        {
            throw WireErrors.Missing(path + ".user");
        }

        var user = ParseSid(token.User, path + ".user");
        var groups = new List<Sid>(token.Groups.Count);
        for (var i = 0; i < token.Groups.Count; i++)
        {
            groups.Add(ParseSid(token.Groups[i], $"{path}.groups[{i}]"));
        }

        var restricted = new List<Sid>(token.Restricted.Count);
        for (var i = 0; i < token.Restricted.Count; i++)
        {
            restricted.Add(ParseSid(token.Restricted[i], $"{path}.restricted[{i}]"));
        }

        ClaimSet? claims = null;
        if (token.Claims.Length != 0)
        {
            try
            {
                claims = ClaimSet.Parse(token.Claims);
            }
            catch (FormatException e)
            {
                throw WireErrors.Invalid(path + ".claims", e.Message);
            }
        }

        return new FwpToken(user, groups, restricted, claims);
    }

    /// <summary>An engine condition value as a <see cref="P.ConditionValue"/>.</summary>
    /// <param name="value">The condition value.</param>
    /// <returns>The message; <c>value</c> is always set, <c>range_high</c> only for FWP_RANGE_TYPE.</returns>
    public static P.ConditionValue ToProto(FwpConditionValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var p = new P.ConditionValue { Type = (uint)value.Type, Value = ToProto(value.Value) };
        switch (value.Type)
        {
            case FwpDataType.Range:
                p.RangeHigh = ToProto(value.RangeHigh);
                break;
            case FwpDataType.V4AddrMask:
                p.V4Mask = value.V4Mask;
                break;
            case FwpDataType.V6AddrMask:
                p.V6PrefixLength = value.V6PrefixLength;
                break;
        }

        return p;
    }

    /// <summary>A <see cref="P.ConditionValue"/> from the wire as an engine condition value.</summary>
    /// <param name="value">The message.</param>
    /// <param name="path">
    /// The message's place, for error messages. A single-type value's errors name this path; a mask's or range's
    /// name <c>path.value</c> or <c>path.range_high</c>.
    /// </param>
    /// <returns>The condition value.</returns>
    /// <exception cref="WfpException">The message is missing or malformed (see the type remarks).</exception>
    public static FwpConditionValue ToConditionValue(P.ConditionValue? value, string path = "condition_value")
    {
        if (value is null)
        {
            throw WireErrors.Missing(path);
        }

        var t = value.Type;
        if (t <= MaxSingleType)
        {
            RejectMember(value.RangeHigh is not null, path, "range_high", "FWP_RANGE_TYPE");
            RejectMember(value.V4Mask != 0, path, "v4_mask", "FWP_V4_ADDR_MASK");
            RejectMember(value.V6PrefixLength != 0, path, "v6_prefix_length", "FWP_V6_ADDR_MASK");
            if (value.Value is null)
            {
                if (t == (uint)FwpDataType.Empty)
                {
                    return FwpConditionValue.Of(FwpValue.Empty);
                }

                throw WireErrors.Missing(path + ".value");
            }

            CheckInnerType(value.Value, (FwpDataType)t, path);
            return FwpConditionValue.Of(ToValue(value.Value, path));
        }

        switch ((FwpDataType)t)
        {
            case FwpDataType.V4AddrMask:
                {
                    RejectMember(value.RangeHigh is not null, path, "range_high", "FWP_RANGE_TYPE");
                    RejectMember(value.V6PrefixLength != 0, path, "v6_prefix_length", "FWP_V6_ADDR_MASK");
                    var address = RequireInner(value.Value, FwpDataType.UInt32, "FWP_V4_ADDR_MASK", path + ".value");
                    return FwpConditionValue.V4AddressMask((uint)address.RawUInt64, value.V4Mask);
                }

            case FwpDataType.V6AddrMask:
                {
                    RejectMember(value.RangeHigh is not null, path, "range_high", "FWP_RANGE_TYPE");
                    RejectMember(value.V4Mask != 0, path, "v4_mask", "FWP_V4_ADDR_MASK");
                    var address = RequireInner(value.Value, FwpDataType.ByteArray16, "FWP_V6_ADDR_MASK", path + ".value");
                    if (value.V6PrefixLength > byte.MaxValue)
                    {
                        throw WireErrors.Error(WfpError.InvalidNetMask, path + ".v6_prefix_length", $"IPv6 prefix length {value.V6PrefixLength} is above 128");
                    }

                    return FwpConditionValue.V6AddressMask(address.RawUInt128, (byte)value.V6PrefixLength);
                }

            case FwpDataType.Range:
                {
                    RejectMember(value.V4Mask != 0, path, "v4_mask", "FWP_V4_ADDR_MASK");
                    RejectMember(value.V6PrefixLength != 0, path, "v6_prefix_length", "FWP_V6_ADDR_MASK");
                    if (value.Value is null)
                    {
                        throw WireErrors.Error(WfpError.NullPointer, path + ".value", "FWP_RANGE_TYPE needs the low end in 'value'");
                    }

                    if (value.RangeHigh is null)
                    {
                        throw WireErrors.Error(WfpError.NullPointer, path + ".range_high", "FWP_RANGE_TYPE needs the high end in 'range_high'");
                    }

                    var low = ToValue(value.Value, path + ".value");
                    var high = ToValue(value.RangeHigh, path + ".range_high");
                    return FwpConditionValue.Range(low, high);
                }

            default:
                throw WireErrors.Error(
                    WfpError.InvalidEnumerator,
                    path + ".type",
                    $"unknown FWP_DATA_TYPE {FormatType(t)} (a condition value is 0 … 18, FWP_V4_ADDR_MASK 0x100, FWP_V6_ADDR_MASK 0x101 or FWP_RANGE_TYPE 0x102)");
        }
    }

    /// <summary>The Windows name of a data type (<c>FWP_UINT16</c>, <c>FWP_BYTE_ARRAY16_TYPE</c>, …).</summary>
    /// <param name="type">The type.</param>
    /// <returns>The name, or the number in hex for an unknown type.</returns>
    public static string TypeName(FwpDataType type) => type switch
    {
        FwpDataType.Empty => "FWP_EMPTY",
        FwpDataType.UInt8 => "FWP_UINT8",
        FwpDataType.UInt16 => "FWP_UINT16",
        FwpDataType.UInt32 => "FWP_UINT32",
        FwpDataType.UInt64 => "FWP_UINT64",
        FwpDataType.Int8 => "FWP_INT8",
        FwpDataType.Int16 => "FWP_INT16",
        FwpDataType.Int32 => "FWP_INT32",
        FwpDataType.Int64 => "FWP_INT64",
        FwpDataType.Float => "FWP_FLOAT",
        FwpDataType.Double => "FWP_DOUBLE",
        FwpDataType.ByteArray16 => "FWP_BYTE_ARRAY16_TYPE",
        FwpDataType.ByteBlob => "FWP_BYTE_BLOB_TYPE",
        FwpDataType.Sid => "FWP_SID",
        FwpDataType.SecurityDescriptor => "FWP_SECURITY_DESCRIPTOR_TYPE",
        FwpDataType.TokenInformation => "FWP_TOKEN_INFORMATION_TYPE",
        FwpDataType.TokenAccessInformation => "FWP_TOKEN_ACCESS_INFORMATION_TYPE",
        FwpDataType.UnicodeString => "FWP_UNICODE_STRING_TYPE",
        FwpDataType.ByteArray6 => "FWP_BYTE_ARRAY6_TYPE",
        FwpDataType.SingleDataTypeMax => "FWP_SINGLE_DATA_TYPE_MAX",
        FwpDataType.V4AddrMask => "FWP_V4_ADDR_MASK",
        FwpDataType.V6AddrMask => "FWP_V6_ADDR_MASK",
        FwpDataType.Range => "FWP_RANGE_TYPE",
        _ => FormatType((uint)type),
    };

    private static string FormatType(uint type) => type <= 0xff
        ? type.ToString(CultureInfo.InvariantCulture)
        : "0x" + type.ToString("x", CultureInfo.InvariantCulture);

    private static P.Value.DataOneofCase ExpectedCase(FwpDataType type) => type switch
    {
        FwpDataType.Empty => P.Value.DataOneofCase.None,
        FwpDataType.UInt8 or FwpDataType.UInt16 or FwpDataType.UInt32 or FwpDataType.UInt64 => P.Value.DataOneofCase.Uint,
        FwpDataType.Int8 or FwpDataType.Int16 or FwpDataType.Int32 or FwpDataType.Int64 => P.Value.DataOneofCase.Int,
        FwpDataType.Float or FwpDataType.Double => P.Value.DataOneofCase.Real,
        FwpDataType.ByteArray16 or FwpDataType.ByteArray6 or FwpDataType.ByteBlob => P.Value.DataOneofCase.Bytes,
        FwpDataType.UnicodeString or FwpDataType.Sid or FwpDataType.SecurityDescriptor => P.Value.DataOneofCase.Text,
        _ => P.Value.DataOneofCase.Token,
    };

    private static string CaseName(P.Value.DataOneofCase c) => c switch
    {
        P.Value.DataOneofCase.Uint => "uint",
        P.Value.DataOneofCase.Int => "int",
        P.Value.DataOneofCase.Real => "real",
        P.Value.DataOneofCase.Bytes => "bytes",
        P.Value.DataOneofCase.Text => "text",
        P.Value.DataOneofCase.Token => "token",
        _ => "(none)",
    };

    private static ulong CheckUnsigned(ulong value, ulong max, FwpDataType type, string path)
    {
        if (value > max)
        {
            throw WireErrors.Error(WfpError.OutOfBounds, path, $"{value.ToString(CultureInfo.InvariantCulture)} does not fit {TypeName(type)}");
        }

        return value;
    }

    private static long CheckSigned(long value, long min, long max, FwpDataType type, string path)
    {
        if (value < min || value > max)
        {
            throw WireErrors.Error(WfpError.OutOfBounds, path, $"{value.ToString(CultureInfo.InvariantCulture)} does not fit {TypeName(type)}");
        }

        return value;
    }

    private static void CheckLength(ByteString bytes, int length, FwpDataType type, string path)
    {
        if (bytes.Length != length)
        {
            throw WireErrors.Invalid(path, $"{TypeName(type)} needs {length} bytes, got {bytes.Length}");
        }
    }

    private static Sid ParseSid(string text, string path)
    {
        try
        {
            return Sid.Parse(text);
        }
        catch (FormatException e)
        {
            throw WireErrors.Invalid(path, $"not a SID: {e.Message}");
        }
    }

    private static void RejectMember(bool present, string path, string member, string onlyFor)
    {
        if (present)
        {
            throw WireErrors.Invalid(path + "." + member, $"'{member}' is only for {onlyFor}");
        }
    }

    private static void CheckInnerType(P.Value inner, FwpDataType outer, string path)
    {
        if (inner.Type != (uint)outer)
        {
            throw WireErrors.Error(
                WfpError.TypeMismatch,
                path + ".value.type",
                $"the condition value is {TypeName(outer)} but its value is {TypeName((FwpDataType)inner.Type)}");
        }
    }

    private static FwpValue RequireInner(P.Value? inner, FwpDataType needed, string outerName, string path)
    {
        if (inner is null)
        {
            throw WireErrors.Error(WfpError.NullPointer, path, $"{outerName} needs the address in 'value'");
        }

        if (inner.Type != (uint)needed)
        {
            throw WireErrors.Error(WfpError.TypeMismatch, path + ".type", $"{outerName} needs an {TypeName(needed)} address, not {TypeName((FwpDataType)inner.Type)}");
        }

        return ToValue(inner, path);
    }
}
