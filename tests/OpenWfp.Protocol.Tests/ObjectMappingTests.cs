using Google.Protobuf;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Testing;
using P = OpenWfp.Protocol.V1;

namespace OpenWfp.Protocol.Tests;

/// <summary>FWPM_* objects survive spec → proto → bytes → proto → spec unchanged.</summary>
public sealed class ObjectMappingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomPolicyFilters_RoundTrip(int seed)
    {
        var engine = RandomPolicy.Build(seed, 500);
        var filters = engine.Current.Filters.ToList();
        Assert.True(filters.Count > 400, $"only {filters.Count} filters");
        foreach (var filter in filters)
        {
            var proto = ProtoMap.ToProto(filter);
            var bytes = proto.ToByteArray();
            var parsed = P.Filter.Parser.ParseFrom(bytes);
            Assert.Equal(proto, parsed);
            var back = ProtoMap.ToSpec(parsed);
            SpecAssert.Equal(filter, back);
            Assert.Equal(bytes, ProtoMap.ToProto(back).ToByteArray());
        }
    }

    [Fact]
    public void RandomPolicyFilters_CoverTheInterestingParts()
    {
        var filters = RandomPolicy.Build(1, 500).Current.Filters.ToList();
        var conditionTypes = filters.SelectMany(f => f.Conditions).Select(c => c.Value.Type).ToHashSet();
        Assert.Contains(FwpDataType.V4AddrMask, conditionTypes);
        Assert.Contains(FwpDataType.Range, conditionTypes);
        Assert.Contains(FwpDataType.SecurityDescriptor, conditionTypes);
        Assert.Contains(FwpDataType.ByteBlob, conditionTypes);
        Assert.Contains(filters, f => f.Action.IsCallout);
        Assert.Contains(filters, f => f.Weight.Type == FwpDataType.UInt8);
        Assert.Contains(filters, f => f.Weight.IsEmpty);
        Assert.All(filters, f => Assert.NotEqual(0UL, f.FilterId));
    }

    [Fact]
    public void SnapshotProvidersSublayersCallouts_RoundTrip_ExceptTheBuiltinMark()
    {
        var snapshot = RandomPolicy.Build(7, 50).Current;
        Assert.NotEmpty(snapshot.ProvidersByKey);
        Assert.NotEmpty(snapshot.SublayersByKey);
        Assert.NotEmpty(snapshot.CalloutsByKey);

        // IsBuiltin has no field in types.proto (see the report): it is the one member that does not travel.
        foreach (var provider in snapshot.ProvidersByKey.Values)
        {
            var back = ProtoMap.ToSpec(P.Provider.Parser.ParseFrom(ProtoMap.ToProto(provider).ToByteArray()));
            SpecAssert.Equal(provider with { IsBuiltin = false }, back);
        }

        foreach (var sublayer in snapshot.SublayersByKey.Values)
        {
            var back = ProtoMap.ToSpec(P.Sublayer.Parser.ParseFrom(ProtoMap.ToProto(sublayer).ToByteArray()));
            SpecAssert.Equal(sublayer with { IsBuiltin = false }, back);
        }

        foreach (var callout in snapshot.CalloutsByKey.Values)
        {
            var back = ProtoMap.ToSpec(P.Callout.Parser.ParseFrom(ProtoMap.ToProto(callout).ToByteArray()));
            SpecAssert.Equal(callout with { IsBuiltin = false }, back);
        }
    }

    [Fact]
    public void FullyPopulatedObjects_RoundTrip()
    {
        var engine = new FilterEngine();
        var layer = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
        using (var txn = engine.BeginTransaction())
        {
            var provider = txn.AddProvider(new ProviderSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("provider", "with a description"),
                Flags = ProviderFlags.Persistent,
                ProviderData = [1, 2, 3],
                ServiceName = "openwfp-test",
            });
            var sublayer = txn.AddSublayer(new SublayerSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("sublayer"),
                Flags = SublayerFlags.Persistent,
                ProviderKey = provider.Key,
                ProviderData = [4],
                Weight = ushort.MaxValue,
            });
            var callout = txn.AddCallout(new CalloutSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("callout", "d"),
                Flags = CalloutFlags.Persistent | CalloutFlags.UsesProviderContext,
                ProviderKey = provider.Key,
                ProviderData = [5, 6],
                ApplicableLayer = layer.Key,
            });
            var context = txn.AddProviderContext(new ProviderContextSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("context"),
                Flags = ProviderContextFlags.Persistent,
                ProviderKey = provider.Key,
                ProviderData = [7],
                Type = ProviderContextType.General,
                Data = [8, 9, 10],
            });
            txn.AddFilter(new FilterSpec
            {
                Key = Guid.NewGuid(),
                DisplayData = new DisplayData("filter", "all members set"),
                Flags = FilterFlags.Persistent | FilterFlags.HasProviderContext | FilterFlags.PermitIfCalloutUnregistered,
                ProviderKey = provider.Key,
                ProviderData = [11, 12],
                LayerKey = layer.Key,
                SublayerKey = sublayer.Key,
                Weight = FwpValue.FromUInt64(0x0123_4567_89AB_CDEF),
                Conditions =
                [
                    new FilterCondition(layer.Field("IP_REMOTE_PORT").ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(23))),
                    new FilterCondition(layer.Field("IP_REMOTE_ADDRESS").ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.V4AddressMask(0x0A000000, 0xFF000000)),
                ],
                Action = FilterAction.Callout(ActionType.CalloutTerminating, callout.Key),
                RawContext = ulong.MaxValue,
                ProviderContextKey = context.Key,
            });
            txn.Commit();
        }

        var s = engine.Current;
        var filter = Assert.Single(s.Filters);
        Assert.NotEqual(0UL, filter.EffectiveWeight);
        SpecAssert.Equal(filter, ProtoMap.ToSpec(P.Filter.Parser.ParseFrom(ProtoMap.ToProto(filter).ToByteArray())));
        foreach (var context in s.ProviderContextsByKey.Values)
        {
            Assert.NotEqual(0UL, context.ProviderContextId);
            SpecAssert.Equal(context, ProtoMap.ToSpec(P.ProviderContext.Parser.ParseFrom(ProtoMap.ToProto(context).ToByteArray())));
        }

        var custom = s.CalloutsByKey.Values.Single(c => !c.IsBuiltin && c.DisplayData.Name == "callout");
        Assert.NotEqual(0u, custom.CalloutId);
        SpecAssert.Equal(custom, ProtoMap.ToSpec(P.Callout.Parser.ParseFrom(ProtoMap.ToProto(custom).ToByteArray())));
        var provider2 = s.ProvidersByKey.Values.Single(p => p.DisplayData.Name == "provider");
        SpecAssert.Equal(provider2, ProtoMap.ToSpec(P.Provider.Parser.ParseFrom(ProtoMap.ToProto(provider2).ToByteArray())));
    }

    [Fact]
    public void Keys_TravelAsCanonicalText()
    {
        var key = Guid.Parse("d78e1e87-8644-4ea5-9437-d809ecefc971");
        var filter = new FilterSpec { Key = key, LayerKey = key, ProviderKey = null, ProviderContextKey = Guid.Empty };
        var p = ProtoMap.ToProto(filter);
        Assert.Equal("d78e1e87-8644-4ea5-9437-d809ecefc971", p.Key);
        Assert.Equal("", p.SublayerKey);
        Assert.Equal("", p.ProviderKey);
        Assert.Equal("00000000-0000-0000-0000-000000000000", p.ProviderContextKey);
        Assert.Equal("", p.Action.CalloutKey);

        var back = ProtoMap.ToSpec(p);
        Assert.Null(back.ProviderKey);
        Assert.Equal(Guid.Empty, back.ProviderContextKey);
        Assert.Equal(Guid.Empty, back.SublayerKey);

        Assert.Equal(key, ProtoMap.ParseKey("{D78E1E87-8644-4EA5-9437-D809ECEFC971}", "k"));
        Assert.Null(ProtoMap.ParseOptionalKey("", "k"));
    }

    [Fact]
    public void EmptyAndNullOptionalMembers_ReadBackAsNull()
    {
        var provider = new ProviderSpec { DisplayData = new DisplayData("p", ""), ProviderData = [], ServiceName = "" };
        var back = ProtoMap.ToSpec(ProtoMap.ToProto(provider));
        Assert.Null(back.DisplayData.Description);
        Assert.Null(back.ProviderData);
        Assert.Null(back.ServiceName);

        var fromBareMessage = ProtoMap.ToSpec(new P.Filter { Action = new P.FilterAction { Type = (uint)ActionType.Permit } });
        Assert.Equal("", fromBareMessage.DisplayData.Name);
        Assert.True(fromBareMessage.Weight.IsEmpty);
        Assert.Empty(fromBareMessage.Conditions);
        Assert.Equal(FilterAction.Permit, fromBareMessage.Action);
    }
}
