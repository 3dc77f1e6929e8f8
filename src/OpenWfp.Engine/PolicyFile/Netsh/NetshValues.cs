using System.Globalization;
using System.Text;
using System.Xml.Linq;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>netsh's value elements (<c>&lt;type&gt;</c> plus <c>&lt;uint16&gt;</c>, <c>&lt;byteBlob&gt;</c>, …) read and written.</summary>
internal static class NetshValues
{
    private static readonly (FwpDataType Type, string Element)[] Elements =
    [
        (FwpDataType.UInt8, "uint8"), (FwpDataType.UInt16, "uint16"), (FwpDataType.UInt32, "uint32"), (FwpDataType.UInt64, "uint64"),
        (FwpDataType.Int8, "int8"), (FwpDataType.Int16, "int16"), (FwpDataType.Int32, "int32"), (FwpDataType.Int64, "int64"),
        (FwpDataType.Float, "float32"), (FwpDataType.Double, "double64"), (FwpDataType.ByteArray16, "byteArray16"),
        (FwpDataType.ByteBlob, "byteBlob"), (FwpDataType.Sid, "sid"), (FwpDataType.SecurityDescriptor, "sd"),
        (FwpDataType.TokenInformation, "tokenInformation"), (FwpDataType.TokenAccessInformation, "tokenAccessInformation"),
        (FwpDataType.UnicodeString, "unicodeString"), (FwpDataType.ByteArray6, "byteArray6"),
        (FwpDataType.V4AddrMask, "v4AddrMask"), (FwpDataType.V6AddrMask, "v6AddrMask"), (FwpDataType.Range, "rangeValue"),
    ];

    public static string ElementOf(FwpDataType type)
    {
        foreach (var (t, e) in Elements)
        {
            if (t == type)
            {
                return e;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(type), type, "no netsh element for this type");
    }

    private static bool TryTypeOfElement(string element, out FwpDataType type)
    {
        foreach (var (t, e) in Elements)
        {
            if (e == element)
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>Reads an FWP_VALUE0 written as <c>&lt;type&gt;</c> plus one value element.</summary>
    public static FwpValue ReadValue(XElement container, string path)
    {
        var type = ReadType(container, path);
        if (type > FwpDataType.SingleDataTypeMax)
        {
            throw new NetshItemException(path + "/type", $"{PolicyNames.DataTypeName(type)} is not allowed here (only in a condition value)");
        }

        return ReadScalar(container, type, path);
    }

    /// <summary>Reads an FWP_CONDITION_VALUE0 (<c>&lt;conditionValue&gt;</c>).</summary>
    public static FwpConditionValue ReadCondition(XElement container, string path)
    {
        var type = ReadType(container, path);
        switch (type)
        {
            case FwpDataType.V4AddrMask:
                {
                    var (e, p) = ValueElement(container, type, path);
                    var addr = Ipv4(Child(e, "addr", p), p + "/addr");
                    var mask = Ipv4(Child(e, "mask", p), p + "/mask");
                    return FwpConditionValue.V4AddressMask(addr, mask);
                }

            case FwpDataType.V6AddrMask:
                {
                    var (e, p) = ValueElement(container, type, path);
                    var addrText = Child(e, "addr", p).Value.Trim();
                    if (!AddressText.TryParseIPv6(addrText, out var addr))
                    {
                        throw new NetshItemException(p + "/addr", $"\"{addrText}\" is not an IPv6 address");
                    }

                    var prefixText = Child(e, "prefixLength", p).Value.Trim();
                    if (!byte.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 128)
                    {
                        throw new NetshItemException(p + "/prefixLength", $"\"{prefixText}\" is not a prefix length 0..128");
                    }

                    return FwpConditionValue.V6AddressMask(addr, prefix);
                }

            case FwpDataType.Range:
                {
                    var (e, p) = ValueElement(container, type, path);
                    var low = ReadValue(Child(e, "valueLow", p), p + "/valueLow");
                    var high = ReadValue(Child(e, "valueHigh", p), p + "/valueHigh");
                    return FwpConditionValue.Range(low, high);
                }

            default:
                return FwpConditionValue.Of(ReadScalar(container, type, path));
        }
    }

    private static FwpDataType ReadType(XElement container, string path)
    {
        var typeElement = container.Element("type") ?? throw new NetshItemException(path, "missing <type>");
        var text = typeElement.Value.Trim();
        if (!text.StartsWith("FWP_", StringComparison.Ordinal) || !PolicyNames.TryParseDataType(text, out var type))
        {
            throw new NetshItemException(path + "/type", $"unknown data type \"{text}\"");
        }

        return type;
    }

    private static (XElement Element, string Path) ValueElement(XElement container, FwpDataType type, string path)
    {
        XElement? found = null;
        foreach (var e in container.Elements())
        {
            var name = e.Name.LocalName;
            if (name == "type")
            {
                continue;
            }

            if (!TryTypeOfElement(name, out var elementType))
            {
                throw new NetshItemException(path + "/" + name, $"unknown value element <{name}>");
            }

            if (elementType != type)
            {
                throw new NetshItemException(path + "/" + name, $"<{name}> does not hold a {PolicyNames.DataTypeName(type)}");
            }

            found = e;
        }

        return found is null
            ? throw new NetshItemException(path, $"missing <{ElementOf(type)}> for type {PolicyNames.DataTypeName(type)}")
            : (found, path + "/" + found.Name.LocalName);
    }

    private static FwpValue ReadScalar(XElement container, FwpDataType type, string path)
    {
        if (type == FwpDataType.Empty)
        {
            var extra = container.Elements().FirstOrDefault(e => e.Name.LocalName != "type");
            return extra is null ? FwpValue.Empty : throw new NetshItemException(path + "/" + extra.Name.LocalName, $"FWP_EMPTY has no value, but <{extra.Name.LocalName}> is given");
        }

        var (e, p) = ValueElement(container, type, path);
        var text = e.Value.Trim();
        switch (type)
        {
            case FwpDataType.UInt8:
                return FwpValue.FromUInt8((byte)Unsigned(text, byte.MaxValue, type, p));
            case FwpDataType.UInt16:
                return FwpValue.FromUInt16((ushort)Unsigned(text, ushort.MaxValue, type, p));
            case FwpDataType.UInt32:
                return AddressText.TryParseIPv4(text, out var v4) ? FwpValue.FromUInt32(v4) : FwpValue.FromUInt32((uint)Unsigned(text, uint.MaxValue, type, p));
            case FwpDataType.UInt64:
                return FwpValue.FromUInt64(Unsigned(text, ulong.MaxValue, type, p));
            case FwpDataType.Int8:
                return FwpValue.FromInt8((sbyte)Signed(text, sbyte.MinValue, sbyte.MaxValue, type, p));
            case FwpDataType.Int16:
                return FwpValue.FromInt16((short)Signed(text, short.MinValue, short.MaxValue, type, p));
            case FwpDataType.Int32:
                return FwpValue.FromInt32((int)Signed(text, int.MinValue, int.MaxValue, type, p));
            case FwpDataType.Int64:
                return FwpValue.FromInt64(Signed(text, long.MinValue, long.MaxValue, type, p));
            case FwpDataType.Float:
                return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? FwpValue.FromFloat(f) : throw NotA(text, type, p);
            case FwpDataType.Double:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? FwpValue.FromDouble(d) : throw NotA(text, type, p);
            case FwpDataType.ByteArray16:
                if (AddressText.TryParseIPv6(text, out var v6))
                {
                    return FwpValue.FromByteArray16(v6);
                }

                return text.Length == 32 && TryHex(text, out var raw16) ? FwpValue.FromByteArray16(raw16) : throw NotA(text, type, p);
            case FwpDataType.ByteArray6:
                return AddressText.TryParseMac(text, out var mac) ? FwpValue.FromByteArray6(mac) : throw NotA(text, type, p);
            case FwpDataType.ByteBlob:
                {
                    var dataElement = e.Element("data");
                    var hex = (dataElement?.Value ?? "").Trim();
                    return TryHex(hex, out var bytes) ? FwpValue.FromByteBlob(bytes) : throw new NetshItemException(p + "/data", $"\"{Clip(hex)}\" is not hex bytes");
                }

            case FwpDataType.Sid:
                return Sid.TryParse(text, out var sid) && sid is not null ? FwpValue.FromSid(sid) : throw NotA(text, type, p);
            case FwpDataType.SecurityDescriptor:
                return SecurityDescriptor.TryParseSddl(text, out var sd, out var why) && sd is not null
                    ? FwpValue.FromSecurityDescriptor(sd)
                    : throw new NetshItemException(p, $"\"{Clip(text)}\" is not an SDDL security descriptor ({why})");
            case FwpDataType.UnicodeString:
                return FwpValue.FromUnicodeString(e.Value);
            default:
                throw new NetshItemException(p, $"values of type {PolicyNames.DataTypeName(type)} cannot be represented");
        }
    }

    /// <summary>Writes <c>&lt;type&gt;</c> and the value element of <paramref name="value"/> into <paramref name="container"/>.</summary>
    public static XElement WriteValue(XElement container, FwpValue value, bool addressField)
    {
        container.Add(new XElement("type", PolicyNames.DataTypeName(value.Type)));
        if (value.Type != FwpDataType.Empty)
        {
            container.Add(ScalarElement(value, addressField));
        }

        return container;
    }

    /// <summary>Writes a condition value into <paramref name="container"/>.</summary>
    public static XElement WriteCondition(XElement container, FwpConditionValue value, bool addressField)
    {
        switch (value.Type)
        {
            case FwpDataType.V4AddrMask:
                container.Add(
                    new XElement("type", PolicyNames.DataTypeName(value.Type)),
                    new XElement("v4AddrMask", new XElement("addr", FwpValueFormatter.FormatIPv4((uint)value.Value.RawUInt64)), new XElement("mask", FwpValueFormatter.FormatIPv4(value.V4Mask))));
                return container;
            case FwpDataType.V6AddrMask:
                container.Add(
                    new XElement("type", PolicyNames.DataTypeName(value.Type)),
                    new XElement("v6AddrMask", new XElement("addr", FwpValueFormatter.FormatIPv6(value.Value.RawUInt128)), new XElement("prefixLength", value.V6PrefixLength.ToString(CultureInfo.InvariantCulture))));
                return container;
            case FwpDataType.Range:
                container.Add(
                    new XElement("type", PolicyNames.DataTypeName(value.Type)),
                    new XElement("rangeValue", WriteValue(new XElement("valueLow"), value.RangeLow, addressField), WriteValue(new XElement("valueHigh"), value.RangeHigh, addressField)));
                return container;
            default:
                return WriteValue(container, value.Value, addressField);
        }
    }

    private static XElement ScalarElement(FwpValue value, bool addressField)
    {
        var name = ElementOf(value.Type);
        var inv = CultureInfo.InvariantCulture;
        return value.Type switch
        {
            FwpDataType.UInt8 or FwpDataType.UInt16 or FwpDataType.UInt64 => new XElement(name, value.RawUInt64.ToString(inv)),
            FwpDataType.UInt32 => new XElement(name, addressField ? FwpValueFormatter.FormatIPv4((uint)value.RawUInt64) : value.RawUInt64.ToString(inv)),
            FwpDataType.Int8 or FwpDataType.Int16 or FwpDataType.Int32 or FwpDataType.Int64 => new XElement(name, value.AsInt64.ToString(inv)),
            FwpDataType.Float => new XElement(name, ((float)value.AsDouble).ToString("R", inv)),
            FwpDataType.Double => new XElement(name, value.AsDouble.ToString("R", inv)),
            FwpDataType.ByteArray16 => new XElement(name, FwpValueFormatter.FormatIPv6(value.RawUInt128)),
            FwpDataType.ByteArray6 => new XElement(name, FwpValueFormatter.FormatMac(value.RawUInt64)),
            FwpDataType.ByteBlob => BlobElement(name, value.Blob),
            FwpDataType.Sid => new XElement(name, value.Sid!.ToString()),
            FwpDataType.SecurityDescriptor => new XElement(name, value.SecurityDescriptor!.ToSddl()),
            FwpDataType.UnicodeString => new XElement(name, value.String),
            _ => throw new NotSupportedException($"values of type {PolicyNames.DataTypeName(value.Type)} cannot be written as netsh XML"),
        };
    }

    /// <summary>A <c>{data, asString}</c> element as netsh writes byte blobs.</summary>
    public static XElement BlobElement(string name, ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        return new XElement(name, new XElement("data", Convert.ToHexStringLower(bytes)), new XElement("asString", text.ToString()));
    }

    /// <summary>Whether a layer field holds an IPv4 address (netsh prints those dotted).</summary>
    public static bool IsAddressField(LayerInfo? layer, Guid conditionKey)
    {
        if (layer is null || layer.FieldIndexOf(conditionKey) is not (var i and >= 0))
        {
            return false;
        }

        return layer.Fields[i].IsIPv4Address;
    }

    public static bool TryHex(string text, out byte[] bytes)
    {
        var s = text.Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
        bytes = [];
        if ((s.Length & 1) != 0)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(s);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static XElement Child(XElement e, string name, string path) =>
        e.Element(name) ?? throw new NetshItemException(path, $"missing <{name}>");

    private static uint Ipv4(XElement e, string path)
    {
        var text = e.Value.Trim();
        if (AddressText.TryParseIPv4(text, out var v))
        {
            return v;
        }

        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out v) ? v : throw new NetshItemException(path, $"\"{Clip(text)}\" is not an IPv4 address");
    }

    public static ulong Unsigned(string text, ulong max, FwpDataType type, string path)
    {
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || v > max)
        {
            throw NotA(text, type, path);
        }

        return v;
    }

    private static long Signed(string text, long min, long max, FwpDataType type, string path) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : throw NotA(text, type, path);

    private static NetshItemException NotA(string text, FwpDataType type, string path) =>
        new(path, $"\"{Clip(text)}\" does not fit {PolicyNames.DataTypeName(type)}");

    private static string Clip(string text) => text.Length <= 60 ? text : text[..57] + "…";
}
