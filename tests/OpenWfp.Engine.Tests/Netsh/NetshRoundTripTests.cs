using OpenWfp.Engine.Model;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.PolicyFile.Netsh;
using OpenWfp.Testing.Policy;

namespace OpenWfp.Engine.Tests.Netsh;

public class NetshRoundTripTests
{
    private static FilterEngine Import(string xml, string source, out NetshImportResult result)
    {
        result = NetshImporter.Import(NetshImporter.Read(xml, source), out var engine);
        return engine;
    }

    private static FilterEngine ImportFile(string name, out NetshImportResult result)
    {
        using var stream = NetshData.Open(name);
        result = NetshImporter.Import(stream, name, out var engine);
        return engine;
    }

    private static void AssertSamePolicy(PolicySnapshot expected, PolicySnapshot actual)
    {
        Assert.Equal(expected.FiltersByKey.Count, actual.FiltersByKey.Count);
        foreach (var f in expected.FiltersByKey.Values)
        {
            var g = actual.FiltersByKey[f.Key];
            Assert.Equal(f.DisplayData, g.DisplayData);
            Assert.Equal(f.Flags, g.Flags);
            Assert.Equal(f.ProviderKey, g.ProviderKey);
            Assert.Equal(f.ProviderData ?? [], g.ProviderData ?? []);
            Assert.Equal(f.LayerKey, g.LayerKey);
            Assert.Equal(f.SublayerKey, g.SublayerKey);
            Assert.Equal(f.Weight, g.Weight);
            Assert.Equal(f.Conditions, g.Conditions);
            Assert.Equal(f.Action, g.Action);
            Assert.Equal(f.RawContext, g.RawContext);
            Assert.Equal(f.ProviderContextKey, g.ProviderContextKey);
            Assert.Equal(f.FilterId, g.FilterId);
            Assert.Equal(f.EffectiveWeight, g.EffectiveWeight);
        }

        Assert.Equal(expected.ProvidersByKey.Keys.Order(), actual.ProvidersByKey.Keys.Order());
        foreach (var p in expected.ProvidersByKey.Values)
        {
            var q = actual.ProvidersByKey[p.Key];
            Assert.Equal((p.DisplayData, p.Flags, p.ServiceName), (q.DisplayData, q.Flags, q.ServiceName));
        }

        Assert.Equal(expected.SublayersByKey.Keys.Order(), actual.SublayersByKey.Keys.Order());
        foreach (var s in expected.SublayersByKey.Values)
        {
            var t = actual.SublayersByKey[s.Key];
            Assert.Equal((s.DisplayData, s.Weight, s.ProviderKey, s.Flags), (t.DisplayData, t.Weight, t.ProviderKey, t.Flags));
        }

        Assert.Equal(expected.CalloutsByKey.Keys.Order(), actual.CalloutsByKey.Keys.Order());
        foreach (var c in expected.CalloutsByKey.Values)
        {
            var d = actual.CalloutsByKey[c.Key];
            Assert.Equal((c.DisplayData, c.ApplicableLayer, c.ProviderKey, c.Flags), (d.DisplayData, d.ApplicableLayer, d.ProviderKey, d.Flags));
        }
    }

    [Theory]
    [InlineData("filters.xml")]
    [InlineData("wfpstate.xml")]
    public void ImportExportImport_GivesTheSamePolicy(string name)
    {
        var first = ImportFile(name, out var firstResult);
        var xml = NetshExporter.Write(first.Current);
        var second = Import(xml, "export.xml", out var secondResult);
        Assert.Empty(secondResult.Skipped);
        Assert.Equal(firstResult.Filters, secondResult.Filters);
        AssertSamePolicy(first.Current, second.Current);

        // And exporting again gives the same text.
        Assert.Equal(xml, NetshExporter.Write(second.Current));
    }

    [Fact]
    public void Export_UsesSymbolicNamesGuidTextAndNetshValueForms()
    {
        var engine = ImportFile("filters.xml", out _);
        var xml = NetshExporter.Write(engine.Current);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<wfpdiag>", xml, StringComparison.Ordinal);
        Assert.Contains("<layerKey>FWPM_LAYER_ALE_AUTH_CONNECT_V4</layerKey>", xml, StringComparison.Ordinal);
        Assert.Contains("<subLayerKey>FWPM_SUBLAYER_MPSSVC_WSH</subLayerKey>", xml, StringComparison.Ordinal);
        Assert.Contains("<providerKey>FWPM_PROVIDER_MPSSVC_WSH</providerKey>", xml, StringComparison.Ordinal);
        Assert.Contains("<providerKey>{b2000000-0000-4000-8000-0000000000aa}</providerKey>", xml, StringComparison.Ordinal);
        Assert.Contains("<fieldKey>FWPM_CONDITION_IP_REMOTE_PORT</fieldKey>", xml, StringComparison.Ordinal);
        Assert.Contains("<uint32>10.10.55.127</uint32>", xml, StringComparison.Ordinal);
        Assert.Contains("<uint32>1</uint32>", xml, StringComparison.Ordinal); // FLAGS is not an address: decimal
        Assert.Contains("<byteArray16>2001:db8::1</byteArray16>", xml, StringComparison.Ordinal);
        Assert.Contains("<v4AddrMask>", xml, StringComparison.Ordinal);
        Assert.Contains("<mask>255.255.0.0</mask>", xml, StringComparison.Ordinal);
        Assert.Contains("<prefixLength>64</prefixLength>", xml, StringComparison.Ordinal);
        Assert.Contains("<sid>S-1-0-0</sid>", xml, StringComparison.Ordinal);
        Assert.Contains("<sd>O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)</sd>", xml, StringComparison.Ordinal);
        Assert.Contains("<data>5c006400650076006900630065005c00", xml, StringComparison.Ordinal);
        Assert.Contains("<asString>\\.d.e.v.i.c.e.\\.", xml, StringComparison.Ordinal);
        Assert.Contains("<filterId>65001</filterId>", xml, StringComparison.Ordinal);
        Assert.Contains("<uint64>11529215046068469760</uint64>", xml, StringComparison.Ordinal);
        Assert.Contains("<filterType>FWPM_CALLOUT_BUILT_IN_RESERVED_1</filterType>", xml, StringComparison.Ordinal);
        Assert.Contains("<name>Блокировать telnet</name>", xml, StringComparison.Ordinal);
        Assert.Contains("<rangeValue>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_OfHandBuiltPolicy_ReimportsWithAssignedIdsAndWeights()
    {
        var engine = new FilterEngine();
        var added = engine.AddFilter(FilterBuilder.Filter("block 23", FilterAction.Block, conditions: FilterBuilder.Cond("IP_REMOTE_PORT", Values.FwpMatchType.Equal, Values.FwpValue.FromUInt16(23))));
        var xml = NetshExporter.Write(engine.Current);
        var again = Import(xml, "x.xml", out var result);
        Assert.Empty(result.Skipped);
        var f = again.Current.FilterById(added.FilterId)!;
        Assert.Equal(added.EffectiveWeight, f.EffectiveWeight);
        Assert.Equal(added.Key, f.Key);
    }
}
