using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Tests;

public class FieldValueParserTests
{
    private static LayerFieldInfo F(string layer, string field) => LayerCatalog.Layer(layer).Field(field);

    [Theory]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", "10.1.2.3", FwpDataType.UInt32, 0x0A010203UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", "0x0a010203", FwpDataType.UInt32, 0x0A010203UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "443", FwpDataType.UInt16, 443UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "0xFFFF", FwpDataType.UInt16, 65535UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", "TCP", FwpDataType.UInt8, 6UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", "udp", FwpDataType.UInt8, 17UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", "icmp", FwpDataType.UInt8, 1UL)]
    [InlineData("ALE_AUTH_CONNECT_V6", "IP_PROTOCOL", "icmpv6", FwpDataType.UInt8, 58UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", "255", FwpDataType.UInt8, 255UL)]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_LOCAL_INTERFACE", "18446744073709551615", FwpDataType.UInt64, ulong.MaxValue)]
    [InlineData("ALE_AUTH_CONNECT_V4", "FLAGS", "0x40", FwpDataType.UInt32, 0x40UL)]
    [InlineData("INBOUND_MAC_FRAME_ETHERNET", "INTERFACE_MAC_ADDRESS", "aa:bb:cc:dd:ee:ff", FwpDataType.ByteArray6, 0xAABBCCDDEEFFUL)]
    [InlineData("INBOUND_MAC_FRAME_ETHERNET", "INTERFACE_MAC_ADDRESS", "00-11-22-33-44-55", FwpDataType.ByteArray6, 0x001122334455UL)]
    public void ParseIncoming_Numbers(string layer, string field, string text, FwpDataType type, ulong raw)
    {
        var v = FieldValueParser.ParseIncoming(F(layer, field), text);
        Assert.Equal(type, v.Type);
        Assert.Equal(raw, v.RawUInt64);
    }

    [Theory]
    [InlineData("2001:db8::1", "20010db8000000000000000000000001")]
    [InlineData("::", "00000000000000000000000000000000")]
    [InlineData("::1", "00000000000000000000000000000001")]
    [InlineData("fe80::", "fe800000000000000000000000000000")]
    [InlineData("1:2:3:4:5:6:7:8", "00010002000300040005000600070008")]
    [InlineData("::ffff:192.0.2.1", "00000000000000000000ffffc0000201")]
    public void ParseIncoming_IPv6_NetworkOrder(string text, string hex)
    {
        var v = FieldValueParser.ParseIncoming(F("ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS"), text);
        Assert.Equal(FwpDataType.ByteArray16, v.Type);
        Assert.Equal(FwpValue.FromByteArray16(Convert.FromHexString(hex)), v);
    }

    [Fact]
    public void ParseIncoming_AppId_Sid_Token_Empty()
    {
        var app = FieldValueParser.ParseIncoming(F("ALE_AUTH_CONNECT_V4", "ALE_APP_ID"), "/usr/bin/curl");
        Assert.Equal(AppId.ValueFromPath("/usr/bin/curl"), app);
        var sid = FieldValueParser.ParseIncoming(F("ALE_AUTH_CONNECT_V4", "ALE_PACKAGE_ID"), "S-1-15-2-1");
        Assert.Equal(FwpDataType.Sid, sid.Type);
        Assert.Equal(Sid.Parse("S-1-15-2-1"), sid.Sid);
        var token = FieldValueParser.ParseIncoming(F("ALE_AUTH_CONNECT_V4", "ALE_USER_ID"), "S-1-5-21-1-2-3-1001,S-1-5-32-545");
        Assert.Equal(FwpDataType.TokenAccessInformation, token.Type);
        Assert.True(token.Token!.Contains(Sid.Parse("S-1-5-32-545")));
        Assert.True(FieldValueParser.ParseIncoming(F("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT"), "empty").IsEmpty);
    }

    [Fact]
    public void ParseScalar_OtherTypes()
    {
        var field = F("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT");
        Assert.Equal(FwpValue.FromInt8(-128), FieldValueParser.ParseScalar(field, FwpDataType.Int8, "-128"));
        Assert.Equal(FwpValue.FromInt16(short.MaxValue), FieldValueParser.ParseScalar(field, FwpDataType.Int16, "32767"));
        Assert.Equal(FwpValue.FromInt32(-5), FieldValueParser.ParseScalar(field, FwpDataType.Int32, "-5"));
        Assert.Equal(FwpValue.FromInt64(long.MinValue), FieldValueParser.ParseScalar(field, FwpDataType.Int64, "-9223372036854775808"));
        Assert.Equal(FwpValue.FromFloat(1.5f), FieldValueParser.ParseScalar(field, FwpDataType.Float, "1.5"));
        Assert.Equal(FwpValue.FromDouble(-2.25), FieldValueParser.ParseScalar(field, FwpDataType.Double, "-2.25"));
        Assert.Equal(FwpValue.FromUnicodeString("Hello"), FieldValueParser.ParseScalar(field, FwpDataType.UnicodeString, "Hello"));
        Assert.Equal(FwpValue.FromByteBlob([1, 2, 0xab]), FieldValueParser.ParseScalar(F("ALE_AUTH_CONNECT_V4", "PEER_NAME"), FwpDataType.ByteBlob, "0x0102ab"));
        Assert.Equal(FwpDataType.SecurityDescriptor, FieldValueParser.ParseScalar(field, FwpDataType.SecurityDescriptor, "O:BAD:(A;;CC;;;WD)").Type);
    }

    [Theory]
    [InlineData("IP_REMOTE_ADDRESS", "equal", "10.0.0.0/8", FwpDataType.V4AddrMask)]
    [InlineData("IP_REMOTE_ADDRESS", "equal", "10.0.0.0/255.0.0.0", FwpDataType.V4AddrMask)]
    [InlineData("IP_REMOTE_ADDRESS", "equal", "10.0.0.1", FwpDataType.UInt32)]
    [InlineData("IP_REMOTE_ADDRESS", "range", "10.0.0.1-10.0.0.9", FwpDataType.Range)]
    [InlineData("IP_REMOTE_PORT", "range", "1024-65535", FwpDataType.Range)]
    [InlineData("IP_REMOTE_PORT", "equal", "empty", FwpDataType.Empty)]
    [InlineData("ALE_USER_ID", "equal", "O:SYG:SYD:(A;;CC;;;BA)", FwpDataType.SecurityDescriptor)]
    public void ParseCondition_PicksType(string field, string match, string text, FwpDataType type)
    {
        Assert.True(PolicyNames.TryParseMatchType(match, out var m));
        var f = F("ALE_AUTH_CONNECT_V4", field);
        var v = FieldValueParser.ParseCondition(f, m, text);
        Assert.Equal(type, v.Type);
        Assert.Equal(v, FieldValueParser.ParseCondition(f, m, FieldValueParser.FormatCondition(f, v)));
    }

    [Fact]
    public void ParseCondition_V6Prefix_AndMasks()
    {
        var v6 = FieldValueParser.ParseCondition(F("ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS"), FwpMatchType.Equal, "2001:db8::/32");
        Assert.Equal(FwpDataType.V6AddrMask, v6.Type);
        Assert.Equal((byte)32, v6.V6PrefixLength);
        var v4 = FieldValueParser.ParseCondition(F("ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS"), FwpMatchType.Equal, "192.168.1.0/24");
        Assert.Equal(0xFFFFFF00u, v4.V4Mask);
        Assert.Equal(0xC0A80100UL, v4.Value.RawUInt64);
        var forced = FieldValueParser.ParseCondition(F("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT"), FwpMatchType.Equal, "7", FwpDataType.UInt32);
        Assert.Equal(FwpValue.FromUInt32(7), forced.Value);
    }

    [Theory]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "65536", "IP_REMOTE_PORT expects a number 0..65535 (decimal or 0x hex), not \"65536\"")]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "-1", "IP_REMOTE_PORT expects a number 0..65535")]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "0x", "IP_REMOTE_PORT expects a number")]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", "tcpp", "IP_PROTOCOL expects a number 0..255 (decimal or 0x hex) or a protocol name")]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", "256", "IP_PROTOCOL expects a number 0..255")]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", "1.2.3", "IP_REMOTE_ADDRESS expects a number 0..4294967295 (decimal or 0x hex) or a dotted IPv4 address")]
    [InlineData("ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", "1.2.3.4.5", "IP_REMOTE_ADDRESS expects")]
    [InlineData("ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS", "2001:db8::1::2", "IP_REMOTE_ADDRESS expects an IPv6 address")]
    [InlineData("ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS", "10.0.0.1", "IP_REMOTE_ADDRESS expects an IPv6 address")]
    [InlineData("ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS", "1:2:3:4:5:6:7:8:9", "IP_REMOTE_ADDRESS expects an IPv6 address")]
    [InlineData("INBOUND_MAC_FRAME_ETHERNET", "INTERFACE_MAC_ADDRESS", "aa:bb:cc:dd:ee", "INTERFACE_MAC_ADDRESS expects a MAC address")]
    [InlineData("INBOUND_MAC_FRAME_ETHERNET", "INTERFACE_MAC_ADDRESS", "aa:bb-cc:dd:ee:ff", "INTERFACE_MAC_ADDRESS expects a MAC address")]
    [InlineData("ALE_AUTH_CONNECT_V4", "ALE_PACKAGE_ID", "S-x", "ALE_PACKAGE_ID expects a SID")]
    [InlineData("ALE_AUTH_CONNECT_V4", "ALE_USER_ID", "nobody", "ALE_USER_ID expects a token")]
    [InlineData("ALE_AUTH_CONNECT_V4", "RESERVED_0", "0x1", "RESERVED_0 expects an even number of hex digits after 0x")] // a blob, as Windows reports it
    public void ParseIncoming_Bad_NamesFieldAndExpectation(string layer, string field, string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => FieldValueParser.ParseIncoming(F(layer, field), text));
        Assert.StartsWith(message, ex.Message);
    }

    [Theory]
    [InlineData("IP_REMOTE_ADDRESS", FwpMatchType.Equal, "10.0.0.0/33", "IP_REMOTE_ADDRESS expects an IPv4 subnet whose prefix length is 0..32")]
    [InlineData("IP_REMOTE_ADDRESS", FwpMatchType.Equal, "10.0.0/8", "IP_REMOTE_ADDRESS expects an IPv4 subnet")]
    [InlineData("IP_REMOTE_PORT", FwpMatchType.Range, "1024", "IP_REMOTE_PORT expects a range written low-high")]
    [InlineData("IP_REMOTE_PORT", FwpMatchType.Range, "1-70000", "IP_REMOTE_PORT expects a number 0..65535")]
    [InlineData("ALE_USER_ID", FwpMatchType.Equal, "D:(bogus)", "ALE_USER_ID expects an SDDL security descriptor")]
    [InlineData("ALE_APP_ID", FwpMatchType.Equal, " ", "ALE_APP_ID expects an application path")]
    public void ParseCondition_Bad(string field, FwpMatchType match, string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => FieldValueParser.ParseCondition(F("ALE_AUTH_CONNECT_V4", field), match, text));
        Assert.StartsWith(message, ex.Message);
    }
}
