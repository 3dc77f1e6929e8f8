using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using static OpenWfp.Testing.Policy.FilterBuilder;

namespace OpenWfp.Engine.Tests.Matching;

/// <summary>Every match type against every data type a layer field accepts (docs/ENGINE.md, "Matching"), one row each.</summary>
public class MatchTypeTests
{
    private const string C4 = "ALE_AUTH_CONNECT_V4";
    private const string C6 = "ALE_AUTH_CONNECT_V6";
    private const string Mac = "INBOUND_MAC_FRAME_ETHERNET";

    private static readonly byte[] AppCurl = AppId.FromPath("/usr/bin/curl");
    private static readonly byte[] AppWget = AppId.FromPath("/usr/bin/wget");

    public static TheoryData<string, string, string, FwpMatchType, FwpConditionValue, FwpValue, bool> Rows()
    {
        var d = new TheoryData<string, string, string, FwpMatchType, FwpConditionValue, FwpValue, bool>();
        void Add(string name, string layer, string field, FwpMatchType m, FwpConditionValue c, FwpValue v, bool expected) =>
            d.Add(name, layer, field, m, c, v, expected);

        // FWP_UINT8 (IP_PROTOCOL): every comparison, flags and range.
        var p6 = FwpConditionValue.Of(FwpValue.FromUInt8(6));
        Add("u8 equal hit", C4, "IP_PROTOCOL", FwpMatchType.Equal, p6, FwpValue.FromUInt8(6), true);
        Add("u8 equal miss", C4, "IP_PROTOCOL", FwpMatchType.Equal, p6, FwpValue.FromUInt8(17), false);
        Add("u8 not-equal", C4, "IP_PROTOCOL", FwpMatchType.NotEqual, p6, FwpValue.FromUInt8(17), true);
        Add("u8 not-equal same", C4, "IP_PROTOCOL", FwpMatchType.NotEqual, p6, FwpValue.FromUInt8(6), false);
        Add("u8 greater", C4, "IP_PROTOCOL", FwpMatchType.Greater, p6, FwpValue.FromUInt8(7), true);
        Add("u8 greater equal value", C4, "IP_PROTOCOL", FwpMatchType.Greater, p6, FwpValue.FromUInt8(6), false);
        Add("u8 less", C4, "IP_PROTOCOL", FwpMatchType.Less, p6, FwpValue.FromUInt8(5), true);
        Add("u8 less equal value", C4, "IP_PROTOCOL", FwpMatchType.Less, p6, FwpValue.FromUInt8(6), false);
        Add("u8 >= equal", C4, "IP_PROTOCOL", FwpMatchType.GreaterOrEqual, p6, FwpValue.FromUInt8(6), true);
        Add("u8 >= below", C4, "IP_PROTOCOL", FwpMatchType.GreaterOrEqual, p6, FwpValue.FromUInt8(5), false);
        Add("u8 <= equal", C4, "IP_PROTOCOL", FwpMatchType.LessOrEqual, p6, FwpValue.FromUInt8(6), true);
        Add("u8 <= above", C4, "IP_PROTOCOL", FwpMatchType.LessOrEqual, p6, FwpValue.FromUInt8(7), false);
        Add("u8 greater than max", C4, "IP_PROTOCOL", FwpMatchType.Greater, FwpConditionValue.Of(FwpValue.FromUInt8(255)), FwpValue.FromUInt8(255), false);
        Add("u8 less than zero", C4, "IP_PROTOCOL", FwpMatchType.Less, FwpConditionValue.Of(FwpValue.FromUInt8(0)), FwpValue.FromUInt8(0), false);
        Add("u8 range inside", C4, "IP_PROTOCOL", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt8(6), FwpValue.FromUInt8(17)), FwpValue.FromUInt8(17), true);
        Add("u8 range outside", C4, "IP_PROTOCOL", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt8(6), FwpValue.FromUInt8(17)), FwpValue.FromUInt8(18), false);
        Add("u8 flags-all", C4, "IP_PROTOCOL", FwpMatchType.FlagsAllSet, FwpConditionValue.Of(FwpValue.FromUInt8(0x5)), FwpValue.FromUInt8(0x7), true);
        Add("u8 flags-all partial", C4, "IP_PROTOCOL", FwpMatchType.FlagsAllSet, FwpConditionValue.Of(FwpValue.FromUInt8(0x5)), FwpValue.FromUInt8(0x4), false);
        Add("u8 flags-any", C4, "IP_PROTOCOL", FwpMatchType.FlagsAnySet, FwpConditionValue.Of(FwpValue.FromUInt8(0x5)), FwpValue.FromUInt8(0x4), true);
        Add("u8 flags-any none", C4, "IP_PROTOCOL", FwpMatchType.FlagsAnySet, FwpConditionValue.Of(FwpValue.FromUInt8(0x5)), FwpValue.FromUInt8(0x2), false);
        Add("u8 flags-none", C4, "IP_PROTOCOL", FwpMatchType.FlagsNoneSet, FwpConditionValue.Of(FwpValue.FromUInt8(0x5)), FwpValue.FromUInt8(0x2), true);
        Add("u8 flags-none some", C4, "IP_PROTOCOL", FwpMatchType.FlagsNoneSet, FwpConditionValue.Of(FwpValue.FromUInt8(0x5)), FwpValue.FromUInt8(0x1), false);

        // FWP_UINT16 (ports).
        var p443 = FwpConditionValue.Of(FwpValue.FromUInt16(443));
        Add("u16 equal", C4, "IP_REMOTE_PORT", FwpMatchType.Equal, p443, FwpValue.FromUInt16(443), true);
        Add("u16 less", C4, "IP_REMOTE_PORT", FwpMatchType.Less, p443, FwpValue.FromUInt16(80), true);
        Add("u16 range", C4, "IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(1024), FwpValue.FromUInt16(65535)), FwpValue.FromUInt16(65535), true);
        Add("u16 range low edge", C4, "IP_REMOTE_PORT", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt16(1024), FwpValue.FromUInt16(65535)), FwpValue.FromUInt16(1023), false);
        Add("u16 greater than max", C4, "IP_REMOTE_PORT", FwpMatchType.Greater, FwpConditionValue.Of(FwpValue.FromUInt16(65535)), FwpValue.FromUInt16(65535), false);

        // FWP_UINT32 (IPv4 addresses, FLAGS) and FWP_V4_ADDR_MASK.
        var net = FwpConditionValue.V4AddressMask(IPv4("10.1.0.0"), IPv4("255.255.0.0"));
        Add("v4 mask inside", C4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, net, FwpValue.FromUInt32(IPv4("10.1.200.3")), true);
        Add("v4 mask outside", C4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, net, FwpValue.FromUInt32(IPv4("10.2.0.1")), false);
        Add("v4 mask not-equal", C4, "IP_REMOTE_ADDRESS", FwpMatchType.NotEqual, net, FwpValue.FromUInt32(IPv4("10.2.0.1")), true);
        Add("v4 mask /0 any", C4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(0, 0), FwpValue.FromUInt32(IPv4("8.8.8.8")), true);
        Add("v4 mask host bits ignored", C4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(IPv4("10.1.9.9"), IPv4("255.255.0.0")), FwpValue.FromUInt32(IPv4("10.1.0.1")), true);
        Add("u32 address equal", C4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(IPv4("1.1.1.1"))), FwpValue.FromUInt32(IPv4("1.1.1.1")), true);
        Add("u32 address range any", C4, "IP_REMOTE_ADDRESS", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromUInt32(0), FwpValue.FromUInt32(uint.MaxValue)), FwpValue.FromUInt32(IPv4("200.1.1.1")), true);
        Add("u32 flags-none loopback", C4, "FLAGS", FwpMatchType.FlagsNoneSet, FwpConditionValue.Of(FwpValue.FromUInt32(0x1)), FwpValue.FromUInt32(0x20), true);
        Add("u32 flags-none loopback set", C4, "FLAGS", FwpMatchType.FlagsNoneSet, FwpConditionValue.Of(FwpValue.FromUInt32(0x1)), FwpValue.FromUInt32(0x21), false);

        // FWP_UINT64.
        Add("u64 equal", C4, "IP_LOCAL_INTERFACE", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt64(0x1_0000_0002)), FwpValue.FromUInt64(0x1_0000_0002), true);
        Add("u64 greater max", C4, "IP_LOCAL_INTERFACE", FwpMatchType.Greater, FwpConditionValue.Of(FwpValue.FromUInt64(ulong.MaxValue)), FwpValue.FromUInt64(ulong.MaxValue), false);
        Add("u64 >= max", C4, "IP_LOCAL_INTERFACE", FwpMatchType.GreaterOrEqual, FwpConditionValue.Of(FwpValue.FromUInt64(ulong.MaxValue)), FwpValue.FromUInt64(ulong.MaxValue), true);

        // FWP_BYTE_ARRAY16_TYPE and FWP_V6_ADDR_MASK.
        var fd00 = (UInt128)0xfd00_0000_0000_0000UL << 64;
        Add("v6 equal", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromByteArray16(fd00 | 1)), FwpValue.FromByteArray16(fd00 | 1), true);
        Add("v6 greater", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Greater, FwpConditionValue.Of(FwpValue.FromByteArray16(fd00)), FwpValue.FromByteArray16(fd00 | 1), true);
        Add("v6 range", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromByteArray16(UInt128.Zero), FwpValue.FromByteArray16(UInt128.MaxValue)), FwpValue.FromByteArray16(fd00), true);
        Add("v6 /8 inside", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask(fd00, 8), FwpValue.FromByteArray16(fd00 | 0xabcd), true);
        Add("v6 /8 outside", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask(fd00, 8), FwpValue.FromByteArray16((UInt128)0xfe80UL << 112), false);
        Add("v6 /128 exact", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask(fd00 | 5, 128), FwpValue.FromByteArray16(fd00 | 5), true);
        Add("v6 /0 any", C6, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V6AddressMask(fd00, 0), FwpValue.FromByteArray16(1), true);

        // FWP_BYTE_BLOB_TYPE (ALE_APP_ID): equality, order, and PREFIX meaning "ends with".
        var curl = FwpConditionValue.Of(FwpValue.FromByteBlob(AppCurl));
        Add("blob equal", C4, "ALE_APP_ID", FwpMatchType.Equal, curl, FwpValue.FromByteBlob(AppCurl), true);
        Add("blob equal other", C4, "ALE_APP_ID", FwpMatchType.Equal, curl, FwpValue.FromByteBlob(AppWget), false);
        Add("blob not-equal", C4, "ALE_APP_ID", FwpMatchType.NotEqual, curl, FwpValue.FromByteBlob(AppWget), true);
        Add("blob less", C4, "ALE_APP_ID", FwpMatchType.Less, curl, FwpValue.FromByteBlob(AppId.FromPath("/usr/bin/a")), true);
        Add("blob greater", C4, "ALE_APP_ID", FwpMatchType.Greater, curl, FwpValue.FromByteBlob(AppWget), true);
        Add("blob >=", C4, "ALE_APP_ID", FwpMatchType.GreaterOrEqual, curl, FwpValue.FromByteBlob(AppCurl), true);
        Add("blob <=", C4, "ALE_APP_ID", FwpMatchType.LessOrEqual, curl, FwpValue.FromByteBlob(AppWget), false);
        Add("blob range", C4, "ALE_APP_ID", FwpMatchType.Range, FwpConditionValue.Range(FwpValue.FromByteBlob(AppCurl), FwpValue.FromByteBlob(AppWget)), FwpValue.FromByteBlob(AppId.FromPath("/usr/bin/git")), true);
        Add("blob prefix is ends-with", C4, "ALE_APP_ID", FwpMatchType.Prefix, FwpConditionValue.Of(FwpValue.FromByteBlob(AppId.FromPath("curl"))), FwpValue.FromByteBlob(AppCurl), true);
        Add("blob prefix is not starts-with", C4, "ALE_APP_ID", FwpMatchType.Prefix, FwpConditionValue.Of(FwpValue.FromByteBlob(AppId.FromPath("/usr")[..^2])), FwpValue.FromByteBlob(AppCurl), false);
        Add("blob not-prefix", C4, "ALE_APP_ID", FwpMatchType.NotPrefix, FwpConditionValue.Of(FwpValue.FromByteBlob(AppId.FromPath("curl"))), FwpValue.FromByteBlob(AppWget), true);
        Add("blob not-prefix match", C4, "ALE_APP_ID", FwpMatchType.NotPrefix, FwpConditionValue.Of(FwpValue.FromByteBlob(AppId.FromPath("curl"))), FwpValue.FromByteBlob(AppCurl), false);

        // FWP_SID (ALE_PACKAGE_ID).
        var nullSid = FwpConditionValue.Of(FwpValue.FromSid(Sid.Parse("S-1-0-0")));
        Add("sid equal", C4, "ALE_PACKAGE_ID", FwpMatchType.Equal, nullSid, FwpValue.FromSid(Sid.Parse("S-1-0-0")), true);
        Add("sid not-equal", C4, "ALE_PACKAGE_ID", FwpMatchType.NotEqual, nullSid, FwpValue.FromSid(Sid.Parse("S-1-15-2-1")), true);
        Add("sid not-equal same", C4, "ALE_PACKAGE_ID", FwpMatchType.NotEqual, nullSid, FwpValue.FromSid(Sid.Parse("S-1-0-0")), false);

        // FWP_SECURITY_DESCRIPTOR_TYPE vs a token (ALE_USER_ID): an access check for FWP_ACTRL_MATCH_FILTER.
        var sd = FwpConditionValue.Of(FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("O:LSD:(A;;CC;;;S-1-22-1-1000)")));
        var alice = FwpValue.FromToken(FwpToken.ForUnixIdentity(1000, [1000]));
        var bob = FwpValue.FromToken(FwpToken.ForUnixIdentity(1001, [1001]));
        Add("sd grants", C4, "ALE_USER_ID", FwpMatchType.Equal, sd, alice, true);
        Add("sd denies other", C4, "ALE_USER_ID", FwpMatchType.Equal, sd, bob, false);
        Add("sd not-equal", C4, "ALE_USER_ID", FwpMatchType.NotEqual, sd, bob, true);
        Add("sd token-information type", C4, "ALE_USER_ID", FwpMatchType.Equal, sd, FwpValue.FromToken(FwpToken.ForUnixIdentity(1000, []), FwpDataType.TokenInformation), true);
        var deny = FwpConditionValue.Of(FwpValue.FromSecurityDescriptor(SecurityDescriptor.ParseSddl("O:LSD:(D;;CC;;;S-1-22-2-27)(A;;CC;;;WD)")));
        Add("sd deny ace first", C4, "ALE_USER_ID", FwpMatchType.Equal, deny, FwpValue.FromToken(FwpToken.ForUnixIdentity(1000, [27])), false);
        Add("sd allow everyone", C4, "ALE_USER_ID", FwpMatchType.Equal, deny, alice, true);

        // FWP_BYTE_ARRAY6_TYPE (MAC addresses).
        var mac = FwpConditionValue.Of(FwpValue.FromByteArray6([0x02, 0, 0, 0, 0, 0x01]));
        Add("mac equal", Mac, "MAC_REMOTE_ADDRESS", FwpMatchType.Equal, mac, FwpValue.FromByteArray6([0x02, 0, 0, 0, 0, 0x01]), true);
        Add("mac greater", Mac, "MAC_REMOTE_ADDRESS", FwpMatchType.Greater, mac, FwpValue.FromByteArray6([0x02, 0, 0, 0, 0, 0x02]), true);

        // FWP_EMPTY on both sides.
        Add("empty equal empty", C4, "IP_REMOTE_PORT", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.Empty), FwpValue.Empty, true);
        Add("empty equal value", C4, "IP_REMOTE_PORT", FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.Empty), FwpValue.FromUInt16(1), false);
        Add("value vs empty input", C4, "IP_REMOTE_PORT", FwpMatchType.NotEqual, p443, FwpValue.Empty, false);
        Add("wrong input type never matches", C4, "IP_REMOTE_PORT", FwpMatchType.NotEqual, p443, FwpValue.FromUInt32(80), false);
        return d;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Condition_MatchesPerSpec(string name, string layerName, string field, FwpMatchType match, FwpConditionValue condition, FwpValue input, bool expected)
    {
        var layer = LayerCatalog.Layer(layerName);
        var engine = new FilterEngine();
        engine.AddFilter(Filter(name, FilterAction.Permit, layer: layer, conditions: Cond(layer, field, match, condition)));
        var r = engine.Classify(layer, Input(layer, (field, input)));
        Assert.Equal(expected ? ActionType.Permit : ActionType.NoneNoMatch, r.Action);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Condition_MatchesTheSameInAnIndexedLayer(string name, string layerName, string field, FwpMatchType match, FwpConditionValue condition, FwpValue input, bool expected)
    {
        // 40 never-matching decoys make the layer big enough to be indexed (on the decoys' field; the tested filter is then a wildcard).
        var layer = LayerCatalog.Layer(layerName);
        var engine = new FilterEngine();
        using (var txn = engine.BeginTransaction())
        {
            txn.AddFilter(Filter(name, FilterAction.Permit, layer: layer, conditions: Cond(layer, field, match, condition)));
            // Decoys test a UINT32 field the input leaves EMPTY, so they never match.
            var decoy = layer.Fields.First(f => f.Name != field && f.IncomingType == FwpDataType.UInt32 && f.ConditionTypes.Contains(FwpDataType.UInt32));
            for (var i = 0; i < 40; i++)
            {
                txn.AddFilter(Filter("decoy", FilterAction.Block, layer: layer, conditions:
                    Cond(layer, decoy.Name, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt32(0xdead0000u + (uint)i)))));
            }
            txn.Commit();
        }

        var r = engine.Classify(layer, Input(layer, (field, input)));
        Assert.Equal(expected ? ActionType.Permit : ActionType.NoneNoMatch, r.Action);
    }

    [Fact]
    public void OrWithinField_AndAcrossFields()
    {
        var engine = new FilterEngine();
        engine.AddFilter(Filter("web to 10/8", FilterAction.Block, conditions:
        [
            Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(80)),
            Cond(Connect4, "IP_REMOTE_ADDRESS", FwpMatchType.Equal, FwpConditionValue.V4AddressMask(IPv4("10.0.0.0"), IPv4("255.0.0.0"))),
            Cond("IP_REMOTE_PORT", FwpMatchType.Equal, FwpValue.FromUInt16(443)),
        ]));

        ActionType Decide(ushort port, string address) => engine.Classify(Connect4, Input(Connect4,
            ("IP_REMOTE_PORT", FwpValue.FromUInt16(port)), ("IP_REMOTE_ADDRESS", FwpValue.FromUInt32(IPv4(address))))).Action;

        Assert.Equal(ActionType.Block, Decide(80, "10.1.2.3"));
        Assert.Equal(ActionType.Block, Decide(443, "10.1.2.3"));
        Assert.Equal(ActionType.NoneNoMatch, Decide(22, "10.1.2.3"));
        Assert.Equal(ActionType.NoneNoMatch, Decide(443, "11.1.2.3"));
    }

    [Fact]
    public void NoConditions_MatchesEverything()
    {
        var engine = new FilterEngine();
        engine.AddFilter(Filter("all", FilterAction.Block));
        Assert.Equal(ActionType.Block, engine.Classify(Connect4, ReadOnlySpan<FwpValue>.Empty).Action);
    }

    [Theory]
    [InlineData(FwpDataType.Int8)]
    [InlineData(FwpDataType.Int16)]
    [InlineData(FwpDataType.Int32)]
    [InlineData(FwpDataType.Int64)]
    [InlineData(FwpDataType.Float)]
    [InlineData(FwpDataType.Double)]
    [InlineData(FwpDataType.UnicodeString)]
    public void TypesNoFieldAccepts_AreTypeMismatch(FwpDataType type)
    {
        var value = type switch
        {
            FwpDataType.Int8 => FwpValue.FromInt8(-1),
            FwpDataType.Int16 => FwpValue.FromInt16(-1),
            FwpDataType.Int32 => FwpValue.FromInt32(-1),
            FwpDataType.Int64 => FwpValue.FromInt64(-1),
            FwpDataType.Float => FwpValue.FromFloat(1.5f),
            FwpDataType.Double => FwpValue.FromDouble(1.5),
            _ => FwpValue.FromUnicodeString("x"),
        };
        var engine = new FilterEngine();
        var ex = Assert.Throws<WfpException>(() => engine.AddFilter(Filter("t", FilterAction.Block, conditions: Cond("IP_REMOTE_PORT", FwpMatchType.Equal, value))));
        Assert.Equal(WfpError.TypeMismatch, ex.Error);
    }

    [Fact]
    public void OrderKey_SignedAndFloatingValues_SortNumerically()
    {
        Assert.True(FwpValue.FromInt32(-5).OrderKey() < FwpValue.FromInt32(3).OrderKey());
        Assert.True(FwpValue.FromInt64(long.MinValue).OrderKey() < FwpValue.FromInt64(-1).OrderKey());
        Assert.True(FwpValue.FromDouble(-2.5).OrderKey() < FwpValue.FromDouble(-1.0).OrderKey());
        Assert.True(FwpValue.FromDouble(-1.0).OrderKey() < FwpValue.FromDouble(0.5).OrderKey());
        Assert.True(FwpValue.FromFloat(1.5f).OrderKey() < FwpValue.FromDouble(2.0).OrderKey());
    }
}
