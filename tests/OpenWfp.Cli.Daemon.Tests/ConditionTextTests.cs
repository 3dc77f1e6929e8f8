using OpenWfp.Cli.Commands;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>The pieces that need no daemon: condition text both ways, weights, id ranges, tables.</summary>
public sealed class ConditionTextTests
{
    private static readonly LayerInfo Connect = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
    private static readonly LayerInfo Connect6 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V6");

    [Theory]
    [InlineData("IP_REMOTE_PORT == 23", "IP_REMOTE_PORT == 23", FwpMatchType.Equal, FwpDataType.UInt16)]
    [InlineData("IP_REMOTE_PORT==0x17", "IP_REMOTE_PORT == 23", FwpMatchType.Equal, FwpDataType.UInt16)]
    [InlineData("FWPM_CONDITION_IP_REMOTE_PORT != 23", "IP_REMOTE_PORT != 23", FwpMatchType.NotEqual, FwpDataType.UInt16)]
    [InlineData("IP_REMOTE_PORT < 1024", "IP_REMOTE_PORT < 1024", FwpMatchType.Less, FwpDataType.UInt16)]
    [InlineData("IP_REMOTE_PORT <= 1024", "IP_REMOTE_PORT <= 1024", FwpMatchType.LessOrEqual, FwpDataType.UInt16)]
    [InlineData("IP_REMOTE_PORT > 1024", "IP_REMOTE_PORT > 1024", FwpMatchType.Greater, FwpDataType.UInt16)]
    [InlineData("IP_REMOTE_PORT >= 1024", "IP_REMOTE_PORT >= 1024", FwpMatchType.GreaterOrEqual, FwpDataType.UInt16)]
    [InlineData("IP_REMOTE_PORT in 1024-65535", "IP_REMOTE_PORT in 1024-65535", FwpMatchType.Range, FwpDataType.Range)]
    [InlineData("IP_REMOTE_ADDRESS in 10.0.0.0/8", "IP_REMOTE_ADDRESS in 10.0.0.0/8", FwpMatchType.Equal, FwpDataType.V4AddrMask)]
    [InlineData("IP_REMOTE_ADDRESS == 10.0.0.0/255.0.0.0", "IP_REMOTE_ADDRESS in 10.0.0.0/8", FwpMatchType.Equal, FwpDataType.V4AddrMask)]
    [InlineData("IP_REMOTE_ADDRESS in 10.0.0.1-10.0.0.9", "IP_REMOTE_ADDRESS in 10.0.0.1-10.0.0.9", FwpMatchType.Range, FwpDataType.Range)]
    [InlineData("IP_REMOTE_ADDRESS == 203.0.113.10", "IP_REMOTE_ADDRESS == 203.0.113.10", FwpMatchType.Equal, FwpDataType.UInt32)]
    [InlineData("IP_PROTOCOL == tcp", "IP_PROTOCOL == tcp", FwpMatchType.Equal, FwpDataType.UInt8)]
    [InlineData("FLAGS flags-any 0x1", "FLAGS flags-any 1", FwpMatchType.FlagsAnySet, FwpDataType.UInt32)]
    [InlineData("FLAGS flags-all 3", "FLAGS flags-all 3", FwpMatchType.FlagsAllSet, FwpDataType.UInt32)]
    [InlineData("FLAGS flags-none 0x4", "FLAGS flags-none 4", FwpMatchType.FlagsNoneSet, FwpDataType.UInt32)]
    [InlineData("ALE_APP_ID ends-with /curl", "ALE_APP_ID ends-with /curl", FwpMatchType.Prefix, FwpDataType.ByteBlob)]
    [InlineData("ALE_APP_ID not-ends-with '/usr/bin/my tool'", "ALE_APP_ID not-ends-with /usr/bin/my tool", FwpMatchType.NotPrefix, FwpDataType.ByteBlob)]
    [InlineData("ip_remote_port equal 23", "IP_REMOTE_PORT == 23", FwpMatchType.Equal, FwpDataType.UInt16)]
    public void ConditionsReadAndPrintTheSameWay(string text, string printed, FwpMatchType match, FwpDataType type)
    {
        var condition = ConditionParser.Parse(Connect, text);
        Assert.Equal(match, condition.MatchType);
        Assert.Equal(type, condition.Value.Type);
        Assert.Equal(printed, PolicyText.Condition(Connect, condition));
        Assert.Equal(condition, ConditionParser.Parse(Connect, printed));
    }

    [Fact]
    public void IPv6PrefixesAndRanges()
    {
        var prefix = ConditionParser.Parse(Connect6, "IP_REMOTE_ADDRESS in 2001:db8::/32");
        Assert.Equal(FwpDataType.V6AddrMask, prefix.Value.Type);
        Assert.Equal("IP_REMOTE_ADDRESS in 2001:db8::/32", PolicyText.Condition(Connect6, prefix));
        var range = ConditionParser.Parse(Connect6, "IP_REMOTE_ADDRESS in 2001:db8::1-2001:db8::ff");
        Assert.Equal("IP_REMOTE_ADDRESS in 2001:db8::1-2001:db8::ff", PolicyText.Condition(Connect6, range));
    }

    [Fact]
    public void ConditionsOnOneFieldAreGroupedAsOr()
    {
        var filter = new FilterSpec
        {
            LayerKey = Connect.Key,
            Conditions =
            [
                ConditionParser.Parse(Connect, "IP_REMOTE_PORT == 80"),
                ConditionParser.Parse(Connect, "IP_PROTOCOL == tcp"),
                ConditionParser.Parse(Connect, "IP_REMOTE_PORT == 443"),
            ],
        };
        Assert.Equal("(IP_REMOTE_PORT == 80 or IP_REMOTE_PORT == 443) and IP_PROTOCOL == tcp", PolicyText.Conditions(filter));
        Assert.Equal("(any)", PolicyText.Conditions(filter with { Conditions = [] }));
    }

    [Theory]
    [InlineData(null, FwpDataType.Empty, 0UL)]
    [InlineData("range:0", FwpDataType.UInt8, 0UL)]
    [InlineData("range:15", FwpDataType.UInt8, 15UL)]
    [InlineData("42", FwpDataType.UInt64, 42UL)]
    [InlineData("0xffffffffffffffff", FwpDataType.UInt64, ulong.MaxValue)]
    public void Weights(string? text, FwpDataType type, ulong value)
    {
        var weight = AddFilterCommand.ParseWeight(text);
        Assert.Equal(type, weight.Type);
        Assert.Equal(value, weight.RawUInt64);
    }

    [Fact]
    public void IdRanges()
    {
        Assert.Equal("1-4", ApplyCommand.IdRanges([1, 2, 3, 4]));
        Assert.Equal("1, 3-5, 9", ApplyCommand.IdRanges([9, 3, 4, 5, 1]));
        Assert.Equal("7", ApplyCommand.IdRanges([7]));
    }

    [Fact]
    public void ColouredTablesStayAligned()
    {
        var painter = new Painter(enabled: true);
        var table = new TextTable(painter, "id", "action", "name").AlignRight(0);
        table.Add("1", new TextTable.Cell("block", t => painter.Action("block", t)), "Block telnet");
        table.Add("12", new TextTable.Cell("permit", t => painter.Action("permit", t)), "Allow web");
        using var output = new StringWriter();
        table.Write(output);
        var lines = output.ToString().Split('\n');
        Assert.Equal("\u001b[1mid  action  name\u001b[0m", lines[0]);
        Assert.Equal(" 1  \u001b[31mblock \u001b[0m  Block telnet", lines[1]);
        Assert.Equal("12  \u001b[32mpermit\u001b[0m  Allow web", lines[2]);
    }
}
