using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Protocol.Tests;

/// <summary>Named sample values: at least one of every FWP_DATA_TYPE, with edge cases, and every condition value kind.</summary>
internal static class Samples
{
    public static readonly IReadOnlyDictionary<string, FwpValue> Values = new Dictionary<string, FwpValue>
    {
        ["empty"] = FwpValue.Empty,
        ["uint8 0"] = FwpValue.FromUInt8(0),
        ["uint8 max"] = FwpValue.FromUInt8(byte.MaxValue),
        ["uint16 port"] = FwpValue.FromUInt16(443),
        ["uint16 max"] = FwpValue.FromUInt16(ushort.MaxValue),
        ["uint32 address"] = FwpValue.FromUInt32(0xC0A80101),
        ["uint32 max"] = FwpValue.FromUInt32(uint.MaxValue),
        ["uint64 0"] = FwpValue.FromUInt64(0),
        ["uint64 max"] = FwpValue.FromUInt64(ulong.MaxValue),
        ["int8 min"] = FwpValue.FromInt8(sbyte.MinValue),
        ["int8 max"] = FwpValue.FromInt8(sbyte.MaxValue),
        ["int16 min"] = FwpValue.FromInt16(short.MinValue),
        ["int16 -1"] = FwpValue.FromInt16(-1),
        ["int32 min"] = FwpValue.FromInt32(int.MinValue),
        ["int32 max"] = FwpValue.FromInt32(int.MaxValue),
        ["int64 min"] = FwpValue.FromInt64(long.MinValue),
        ["int64 max"] = FwpValue.FromInt64(long.MaxValue),
        ["float 1.5"] = FwpValue.FromFloat(1.5f),
        ["float max"] = FwpValue.FromFloat(float.MaxValue),
        ["float epsilon"] = FwpValue.FromFloat(float.Epsilon),
        ["float -0"] = FwpValue.FromFloat(-0.0f),
        ["float NaN"] = FwpValue.FromFloat(float.NaN),
        ["float -inf"] = FwpValue.FromFloat(float.NegativeInfinity),
        ["double pi"] = FwpValue.FromDouble(Math.PI),
        ["double min"] = FwpValue.FromDouble(double.MinValue),
        ["double -0"] = FwpValue.FromDouble(-0.0),
        ["double NaN"] = FwpValue.FromDouble(double.NaN),
        ["double inf"] = FwpValue.FromDouble(double.PositiveInfinity),
        ["byte_array16 v6 address"] = FwpValue.FromByteArray16(Convert.FromHexString("20010db8000000000000000000000001")),
        ["byte_array16 all ones"] = FwpValue.FromByteArray16(UInt128.MaxValue),
        ["byte_array16 zero"] = FwpValue.FromByteArray16(UInt128.Zero),
        ["byte_blob empty"] = FwpValue.FromByteBlob([]),
        ["byte_blob app id"] = AppId.ValueFromPath("/usr/bin/curl"),
        ["byte_blob all bytes"] = FwpValue.FromByteBlob(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()),
        ["sid domain user"] = FwpValue.FromSid(Sid.Parse("S-1-5-21-1-2-3-1001")),
        ["sid everyone"] = FwpValue.FromSid(Sid.Everyone),
        ["sid unix user"] = FwpValue.FromSid(Sid.ForUnixUser(1000)),
        ["sid null"] = FwpValue.FromSid(Sid.Null),
        ["sd allow and deny"] = FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("O:SYG:SYD:(A;;CC;;;WD)(D;;CC;;;S-1-5-21-1-2-3-1001)")),
        ["sd protected"] = FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("D:PAI(A;OICI;CCRC;;;BA)")),
        ["sd null dacl"] = FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("D:NO_ACCESS_CONTROL")),
        ["sd empty dacl"] = FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("D:")),
        ["token information"] = FwpValue.FromToken(FwpToken.Parse("S-1-5-21-1-2-3-1001,S-1-5-32-545,S-1-15-3-1|S-1-5-12"), FwpDataType.TokenInformation),
        ["token access information root"] = FwpValue.FromToken(FwpToken.ForUnixIdentity(0, [0, 27])),
        ["token access information no groups"] = FwpValue.FromToken(new FwpToken(Sid.ForUnixUser(1000), [])),
        ["unicode_string empty"] = FwpValue.FromUnicodeString(""),
        ["unicode_string text"] = FwpValue.FromUnicodeString("h\u00e9llo \u2603 \U0001F600"),
        ["unicode_string with nul"] = FwpValue.FromUnicodeString("a\0b"),
        ["byte_array6 mac"] = FwpValue.FromByteArray6(Convert.FromHexString("0011223344ff")),
        ["byte_array6 broadcast"] = FwpValue.FromByteArray6(0xFFFF_FFFF_FFFFUL),
    };

    public static readonly IReadOnlyDictionary<string, FwpConditionValue> ConditionValues = BuildConditionValues();

    public static TheoryData<string> ValueNames => [.. Values.Keys];

    public static TheoryData<string> ConditionValueNames => [.. ConditionValues.Keys];

    private static Dictionary<string, FwpConditionValue> BuildConditionValues()
    {
        var d = new Dictionary<string, FwpConditionValue>();
        foreach (var (name, value) in Values)
        {
            d["single " + name] = FwpConditionValue.Of(value);
        }

        d["v4 mask /24"] = FwpConditionValue.V4AddressMask(0xC0A80100, 0xFFFFFF00);
        d["v4 mask /0"] = FwpConditionValue.V4AddressMask(0, 0);
        d["v4 mask /32"] = FwpConditionValue.V4AddressMask(0x08080808, uint.MaxValue);
        d["v6 mask /64"] = FwpConditionValue.V6AddressMask(Values["byte_array16 v6 address"].RawUInt128, 64);
        d["v6 mask /0"] = FwpConditionValue.V6AddressMask(UInt128.Zero, 0);
        d["v6 mask /128"] = FwpConditionValue.V6AddressMask(UInt128.MaxValue, 128);
        d["range uint16"] = FwpConditionValue.Range(FwpValue.FromUInt16(1024), FwpValue.FromUInt16(65535));
        d["range uint32"] = FwpConditionValue.Range(FwpValue.FromUInt32(0x0A000000), FwpValue.FromUInt32(0x0AFFFFFF));
        d["range uint64"] = FwpConditionValue.Range(FwpValue.FromUInt64(0), FwpValue.FromUInt64(ulong.MaxValue));
        d["range int32"] = FwpConditionValue.Range(FwpValue.FromInt32(-5), FwpValue.FromInt32(5));
        d["range double"] = FwpConditionValue.Range(FwpValue.FromDouble(-1.5), FwpValue.FromDouble(2.25));
        d["range byte_array16"] = FwpConditionValue.Range(FwpValue.FromByteArray16(UInt128.One), FwpValue.FromByteArray16(UInt128.MaxValue));
        d["range byte_array6"] = FwpConditionValue.Range(FwpValue.FromByteArray6(1), FwpValue.FromByteArray6(0xFFFF_FFFF_FFFFUL));
        d["range unicode_string"] = FwpConditionValue.Range(FwpValue.FromUnicodeString("a"), FwpValue.FromUnicodeString("m"));
        d["range byte_blob"] = FwpConditionValue.Range(FwpValue.FromByteBlob([1]), FwpValue.FromByteBlob([2, 3]));
        return d;
    }
}
