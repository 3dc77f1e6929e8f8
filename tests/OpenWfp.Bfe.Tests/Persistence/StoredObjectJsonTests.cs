using OpenWfp.Bfe.Persistence;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Bfe.Tests.Persistence;

public sealed class StoredObjectJsonTests
{
    public static TheoryData<string, FwpConditionValue> EveryValueType => new()
    {
        { "empty", FwpConditionValue.Of(FwpValue.Empty) },
        { "uint8", FwpConditionValue.Of(FwpValue.FromUInt8(255)) },
        { "uint16", FwpConditionValue.Of(FwpValue.FromUInt16(65535)) },
        { "uint32", FwpConditionValue.Of(FwpValue.FromUInt32(uint.MaxValue)) },
        { "uint64", FwpConditionValue.Of(FwpValue.FromUInt64(ulong.MaxValue)) },
        { "int8", FwpConditionValue.Of(FwpValue.FromInt8(sbyte.MinValue)) },
        { "int16", FwpConditionValue.Of(FwpValue.FromInt16(short.MinValue)) },
        { "int32", FwpConditionValue.Of(FwpValue.FromInt32(int.MinValue)) },
        { "int64", FwpConditionValue.Of(FwpValue.FromInt64(long.MinValue)) },
        { "float", FwpConditionValue.Of(FwpValue.FromFloat(0.1f)) },
        { "float NaN", FwpConditionValue.Of(FwpValue.FromFloat(float.NaN)) },
        { "double -inf", FwpConditionValue.Of(FwpValue.FromDouble(double.NegativeInfinity)) },
        { "double", FwpConditionValue.Of(FwpValue.FromDouble(Math.PI)) },
        { "byte array16", FwpConditionValue.Of(FwpValue.FromByteArray16(UInt128.MaxValue - 7)) },
        { "byte array6", FwpConditionValue.Of(FwpValue.FromByteArray6(0x0200_5e00_0001UL)) },
        { "blob", FwpConditionValue.Of(FwpValue.FromByteBlob("/usr/bin/curl\0"u8.ToArray())) },
        { "empty blob", FwpConditionValue.Of(FwpValue.FromByteBlob([])) },
        { "string", FwpConditionValue.Of(FwpValue.FromUnicodeString("naïve \"quoted\" \\ text")) },
        { "sid", FwpConditionValue.Of(FwpValue.FromSid(Sid.Parse("S-1-5-32-544"))) },
        { "security descriptor", FwpConditionValue.Of(FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("O:SYG:SYD:(A;;CC;;;WD)"))) },
        { "token information", FwpConditionValue.Of(FwpValue.FromToken(new FwpToken(Sid.Parse("S-1-5-21-7"), [Sid.Parse("S-1-1-0")]), FwpDataType.TokenInformation)) },
        { "range", FwpConditionValue.Range(FwpValue.FromUInt32(10), FwpValue.FromUInt32(20)) },
        { "v4 mask", FwpConditionValue.V4AddressMask(0xC0A8_0000, 0xFFFF_0000) },
        { "v6 mask", FwpConditionValue.V6AddressMask(UInt128.One << 127, 1) },
    };

    [Theory]
    [MemberData(nameof(EveryValueType))]
    public void Filter_ConditionOfEachValueType_ComesBackEqual(string name, FwpConditionValue value)
    {
        var filter = Policies.Filter(1) with { Conditions = [new FilterCondition(Guid.NewGuid(), FwpMatchType.Equal, value)] };

        var back = StoredObjectJson.ReadFilter(StoredObjectJson.Write(filter));

        Assert.True(SpecComparer<FilterSpec>.Instance.Equals(filter, back), $"{name}: {value} came back as {back.Conditions[0].Value}");
    }

    [Fact]
    public void Filter_OptionalMembersLeftOut_ComeBackAbsent()
    {
        var filter = new FilterSpec { Key = Policies.Key(9), DisplayData = new("bare"), LayerKey = Guid.NewGuid() };

        var back = StoredObjectJson.ReadFilter(StoredObjectJson.Write(filter));

        Assert.True(SpecComparer<FilterSpec>.Instance.Equals(filter, back));
        Assert.Null(back.ProviderKey);
        Assert.Null(back.ProviderContextKey);
        Assert.Null(back.ProviderData);
        Assert.Null(back.DisplayData.Description);
        Assert.Equal(Guid.Empty, back.Action.CalloutKey);
    }

    [Theory]
    [InlineData("""{"key":"00000001-9a3e-4c1b-8f00-5d2e7a6b1c0d","name":"s","flags":0,"weight":65536}""", "'weight' is not an integer from 0 to 65535")]
    [InlineData("""{"key":"not a guid","name":"s","flags":0,"weight":1}""", "'key' is not a GUID")]
    [InlineData("""{"key":"00000001-9a3e-4c1b-8f00-5d2e7a6b1c0d","name":"s","flags":-1,"weight":1}""", "'flags' is not an integer from 0 to 4294967295")]
    [InlineData("""{"key":"00000001-9a3e-4c1b-8f00-5d2e7a6b1c0d","flags":0,"weight":1}""", "'name' is missing")]
    [InlineData("""[1,2]""", "the row is Array, not Object")]
    [InlineData("""{"key":""", "not JSON")]
    public void Sublayer_Malformed_IsAFormatExceptionNamingTheProblem(string json, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => StoredObjectJson.ReadSublayer(System.Text.Encoding.UTF8.GetBytes(json)));

        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConditionValue_TypeDisagreeingWithItsValue_IsRefused()
    {
        var json = System.Text.Encoding.UTF8.GetString(StoredObjectJson.Write(Policies.Filter(1) with
        {
            Conditions = [new FilterCondition(Guid.NewGuid(), FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt8(1)))],
        }));
        var bad = json.Replace("\"conditions\":[{\"fieldKey\"", "\"conditions\":[{\"x\":0,\"fieldKey\"", StringComparison.Ordinal)
            .Replace("\"value\":{\"type\":1,\"value\":{\"type\":1,", "\"value\":{\"type\":2,\"value\":{\"type\":1,", StringComparison.Ordinal);
        Assert.NotEqual(json, bad);

        var ex = Assert.Throws<FormatException>(() => StoredObjectJson.ReadFilter(System.Text.Encoding.UTF8.GetBytes(bad)));

        Assert.Contains("condition value type 2 holds a value of type 1", ex.Message, StringComparison.Ordinal);
    }
}
