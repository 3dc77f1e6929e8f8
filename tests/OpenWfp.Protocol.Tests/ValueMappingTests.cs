using Google.Protobuf;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Tests;

/// <summary>FWP_VALUE0 and FWP_CONDITION_VALUE0 survive engine → proto → bytes → proto → engine unchanged.</summary>
public sealed class ValueMappingTests
{
    [Theory]
    [MemberData(nameof(Samples.ValueNames), MemberType = typeof(Samples))]
    public void Value_RoundTripsThroughProtoAndBytes(string name)
    {
        var value = Samples.Values[name];
        var proto = ProtoMap.ToProto(value);
        var bytes = proto.ToByteArray();
        var parsed = P.Value.Parser.ParseFrom(bytes);
        Assert.Equal(proto, parsed);

        var back = ProtoMap.ToValue(parsed);
        Assert.Equal(value.Type, back.Type);
        Assert.Equal(value, back);
        Assert.Equal(bytes, ProtoMap.ToProto(back).ToByteArray());
    }

    [Fact]
    public void Samples_CoverEverySingleDataType()
    {
        var covered = Samples.Values.Values.Select(v => v.Type).ToHashSet();
        var all = Enum.GetValues<FwpDataType>().Where(t => t <= FwpDataType.ByteArray6);
        Assert.All(all, t => Assert.Contains(t, covered));
    }

    [Fact]
    public void Samples_CoverEveryConditionValueKind()
    {
        var covered = Samples.ConditionValues.Values.Select(v => v.Type).ToHashSet();
        var all = Enum.GetValues<FwpDataType>().Where(t => t != FwpDataType.SingleDataTypeMax);
        Assert.All(all, t => Assert.Contains(t, covered));
    }

    [Theory]
    [MemberData(nameof(Samples.ConditionValueNames), MemberType = typeof(Samples))]
    public void ConditionValue_RoundTripsThroughProtoAndBytes(string name)
    {
        var value = Samples.ConditionValues[name];
        var proto = ProtoMap.ToProto(value);
        var bytes = proto.ToByteArray();
        var parsed = P.ConditionValue.Parser.ParseFrom(bytes);
        Assert.Equal(proto, parsed);

        var back = ProtoMap.ToConditionValue(parsed);
        Assert.Equal(value, back);
        Assert.Equal(bytes, ProtoMap.ToProto(back).ToByteArray());
    }

    [Theory]
    [MemberData(nameof(Samples.ConditionValueNames), MemberType = typeof(Samples))]
    public void Condition_RoundTripsWithEveryMatchType(string name)
    {
        var value = Samples.ConditionValues[name];
        foreach (var match in Enum.GetValues<FwpMatchType>())
        {
            var condition = new FilterCondition(Guid.NewGuid(), match, value);
            var bytes = ProtoMap.ToProto(condition).ToByteArray();
            var back = ProtoMap.ToCondition(P.FilterCondition.Parser.ParseFrom(bytes));
            Assert.Equal(condition, back);
        }
    }

    [Fact]
    public void Value_WireForm_IsWhatBfeProtoDocuments()
    {
        Assert.Equal(P.Value.DataOneofCase.None, ProtoMap.ToProto(FwpValue.Empty).DataCase);
        Assert.Equal(0xC0A80101UL, ProtoMap.ToProto(FwpValue.FromUInt32(0xC0A80101)).Uint);
        Assert.Equal(-2L, ProtoMap.ToProto(FwpValue.FromInt8(-2)).Int);
        Assert.Equal(1.5, ProtoMap.ToProto(FwpValue.FromFloat(1.5f)).Real);
        Assert.Equal("20010db8000000000000000000000001", Convert.ToHexStringLower(ProtoMap.ToProto(Samples.Values["byte_array16 v6 address"]).Bytes.Span));
        Assert.Equal("0011223344ff", Convert.ToHexStringLower(ProtoMap.ToProto(Samples.Values["byte_array6 mac"]).Bytes.Span));
        Assert.Equal("S-1-5-21-1-2-3-1001", ProtoMap.ToProto(Samples.Values["sid domain user"]).Text);
        Assert.Equal("O:SYG:SYD:(A;;CC;;;WD)(D;;CC;;;S-1-5-21-1-2-3-1001)", ProtoMap.ToProto(Samples.Values["sd allow and deny"]).Text);
        var token = ProtoMap.ToProto(Samples.Values["token information"]).Token;
        Assert.Equal("S-1-5-21-1-2-3-1001", token.User);
        Assert.Equal(["S-1-5-32-545", "S-1-15-3-1"], token.Groups);
        Assert.Equal(["S-1-5-12"], token.Restricted);

        var mask = ProtoMap.ToProto(FwpConditionValue.V4AddressMask(0xC0A80100, 0xFFFFFF00));
        Assert.Equal(0x100u, mask.Type);
        Assert.Equal(3u, mask.Value.Type);
        Assert.Equal(0xFFFFFF00u, mask.V4Mask);
        Assert.Null(mask.RangeHigh);
    }

    [Fact]
    public void Value_FromOtherClients_IsAcceptedInItsUsualForms()
    {
        // SDDL aliases and a non-canonical SID spelling are accepted and come back canonical.
        var sid = ProtoMap.ToValue(new P.Value { Type = (uint)FwpDataType.Sid, Text = "s-1-5-32-544" });
        Assert.Equal("S-1-5-32-544", sid.Sid!.ToString());
        var alias = ProtoMap.ToValue(new P.Value { Type = (uint)FwpDataType.Sid, Text = "BA" });
        Assert.Equal(sid, alias);

        // A double that is no float is rounded to the nearest float, as the C struct's float32 would.
        var f = ProtoMap.ToValue(new P.Value { Type = (uint)FwpDataType.Float, Real = 0.1 });
        Assert.Equal(FwpValue.FromFloat(0.1f), f);

        // A condition value without a value message is FWP_EMPTY when its type says so.
        var empty = ProtoMap.ToConditionValue(new P.ConditionValue { Type = 0 });
        Assert.Equal(FwpConditionValue.Of(FwpValue.Empty), empty);
    }

    [Fact]
    public void RandomValueMessages_EitherMapOrThrowWfpException()
    {
        var rng = new Random(1234);
        uint[] types = [.. Enumerable.Range(0, 21).Select(i => (uint)i), 0xff, 0x100, 0x101, 0x102, 0x103, uint.MaxValue];
        for (var i = 0; i < 20_000; i++)
        {
            var message = new P.ConditionValue { Type = types[rng.Next(types.Length)] };
            if (rng.Next(4) != 0)
            {
                message.Value = RandomValue(rng, types);
            }

            if (rng.Next(6) == 0)
            {
                message.RangeHigh = RandomValue(rng, types);
            }

            if (rng.Next(6) == 0)
            {
                message.V4Mask = (uint)rng.Next();
            }

            if (rng.Next(6) == 0)
            {
                message.V6PrefixLength = (uint)rng.Next(300);
            }

            try
            {
                var mapped = ProtoMap.ToConditionValue(message);
                Assert.Equal(mapped, ProtoMap.ToConditionValue(ProtoMap.ToProto(mapped)));
            }
            catch (WfpException e)
            {
                Assert.NotEqual(WfpError.None, e.Error);
                Assert.StartsWith("condition_value", e.Message, StringComparison.Ordinal);
            }
        }
    }

    private static P.Value RandomValue(Random rng, uint[] types)
    {
        var v = new P.Value { Type = types[rng.Next(types.Length)] };
        switch (rng.Next(7))
        {
            case 0:
                v.Uint = rng.Next(3) == 0 ? (ulong)rng.NextInt64() : (ulong)rng.Next(300);
                break;
            case 1:
                v.Int = rng.NextInt64(long.MinValue, long.MaxValue);
                break;
            case 2:
                v.Real = rng.NextDouble() * Math.Pow(10, rng.Next(-50, 350));
                break;
            case 3:
                v.Bytes = ByteString.CopyFrom([.. Enumerable.Range(0, rng.Next(20)).Select(_ => (byte)rng.Next(256))]);
                break;
            case 4:
                v.Text = rng.Next(4) switch
                {
                    0 => "S-1-5-18",
                    1 => "D:(A;;CC;;;WD)",
                    2 => "O:BAD:(X;;;;;",
                    _ => "S-1-" + rng.Next(),
                };
                break;
            case 5:
                v.Token = new P.Token { User = rng.Next(2) == 0 ? "S-1-5-18" : "", Groups = { rng.Next(2) == 0 ? "WD" : "bogus" } };
                break;
        }

        return v;
    }
}
