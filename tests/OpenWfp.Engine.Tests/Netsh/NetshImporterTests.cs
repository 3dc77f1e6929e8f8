using System.Text;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.PolicyFile.Netsh;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Netsh;

public class NetshImporterTests
{
    private static readonly LayerInfo Connect4 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4");
    private static readonly LayerInfo Connect6 = LayerCatalog.Layer("ALE_AUTH_CONNECT_V6");

    private static (NetshImportResult Result, FilterEngine Engine) ImportFile(string name)
    {
        using var stream = NetshData.Open(name);
        var result = NetshImporter.Import(stream, name, out var engine);
        return (result, engine);
    }

    private static FilterSpec FilterById(FilterEngine engine, ulong id) =>
        engine.Current.FilterById(id) ?? throw new Xunit.Sdk.XunitException($"filter {id} was not imported");

    private static FwpConditionValue ValueOf(FilterSpec f, LayerInfo layer, string field) =>
        f.Conditions.Single(c => c.FieldKey == layer.Field(field).ConditionKey).Value;

    [Fact]
    public void FiltersXml_BomCrlf_ImportsGoodFiltersWithWindowsIdsAndWeights()
    {
        var bytes = NetshData.Bytes("filters.xml");
        Assert.Equal(0xEF, bytes[0]);
        Assert.Contains("\r\n", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        var (result, engine) = ImportFile("filters.xml");
        Assert.Equal(5, result.Filters);
        Assert.Equal(1, result.Providers);
        Assert.Equal(0, result.Sublayers);
        Assert.Equal(0, result.Callouts);

        var telnet = FilterById(engine, 65001);
        Assert.Equal("Блокировать telnet", telnet.DisplayData.Name);
        Assert.Equal("Исходящий telnet запрещён", telnet.DisplayData.Description);
        Assert.Equal(11529215046068469760UL, telnet.EffectiveWeight);
        Assert.Equal(FwpValue.FromUInt8(10), telnet.Weight);
        Assert.Equal(FilterFlags.Indexed, telnet.Flags);
        Assert.Equal(LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").Key, telnet.LayerKey);
        Assert.True(LayerCatalog.TryFindSublayer("FWPM_SUBLAYER_MPSSVC_WSH", out var wsh));
        Assert.Equal(wsh.Key, telnet.SublayerKey);
        Assert.True(LayerCatalog.TryFindProvider("FWPM_PROVIDER_MPSSVC_WSH", out var wshProvider));
        Assert.Equal(wshProvider.Key, telnet.ProviderKey);
        Assert.Equal(ActionType.Block, telnet.Action.Type);
        Assert.Equal(FwpValue.FromUInt16(23), ValueOf(telnet, Connect4, "IP_REMOTE_PORT").Value);
        Assert.Equal(FwpValue.FromUInt8(6), ValueOf(telnet, Connect4, "IP_PROTOCOL").Value);
    }

    [Fact]
    public void FiltersXml_EveryValueElement_IsMapped()
    {
        var (_, engine) = ImportFile("filters.xml");

        var web = FilterById(engine, 65002);
        Assert.Equal("允许 curl 网页", web.DisplayData.Name);
        Assert.Equal(Connect4.Key, web.LayerKey); // given as {guid} text
        Assert.Equal(Guid.Parse("b2000000-0000-4000-8000-0000000000aa"), web.ProviderKey);
        Assert.Equal("Hello\0"u8.ToArray(), web.ProviderData);
        Assert.Equal(7UL, web.RawContext);
        Assert.Equal(FwpValue.FromUInt64(5000), web.Weight);
        Assert.Equal(FwpValue.FromUInt32(0x0A0A377F), ValueOf(web, Connect4, "IP_REMOTE_ADDRESS").Value);
        var range = ValueOf(web, Connect4, "IP_REMOTE_PORT"); // fieldKey given as {guid} text
        Assert.Equal(FwpDataType.Range, range.Type);
        Assert.Equal(FwpValue.FromUInt16(80), range.RangeLow);
        Assert.Equal(FwpValue.FromUInt16(443), range.RangeHigh);
        var app = ValueOf(web, Connect4, "ALE_APP_ID").Value;
        Assert.Equal(FwpDataType.ByteBlob, app.Type);
        Assert.Equal(AppId.FromPath(@"\device\harddiskvolume1\windows\system32\curl.exe"), app.Blob.ToArray());

        var lan = FilterById(engine, 65003);
        var mask = ValueOf(lan, Connect4, "IP_REMOTE_ADDRESS");
        Assert.Equal(FwpDataType.V4AddrMask, mask.Type);
        Assert.Equal(0xC0A80000u, (uint)mask.Value.RawUInt64);
        Assert.Equal(0xFFFF0000u, mask.V4Mask);
        Assert.Equal(FwpValue.FromUInt32(1), ValueOf(lan, Connect4, "FLAGS").Value);
        Assert.Equal(FwpMatchType.FlagsNoneSet, lan.Conditions.Single(c => c.FieldKey == Connect4.Field("FLAGS").ConditionKey).MatchType);
        Assert.Equal(SecurityDescriptor.ParseSddl("O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)"), ValueOf(lan, Connect4, "ALE_USER_ID").Value.SecurityDescriptor);
        Assert.Equal(Sid.Parse("S-1-0-0"), ValueOf(lan, Connect4, "ALE_PACKAGE_ID").Value.Sid);
        Assert.Equal(FwpValue.Empty, lan.Weight);
        Assert.Equal(288230376151711744UL, lan.EffectiveWeight);

        var v6 = FilterById(engine, 65004);
        Assert.Equal(Connect6.Key, v6.LayerKey);
        Assert.Equal(FwpValue.FromByteArray16(new UInt128(0x20010db800000000, 1)), ValueOf(v6, Connect6, "IP_REMOTE_ADDRESS").Value);
        var v6mask = ValueOf(v6, Connect6, "IP_LOCAL_ADDRESS");
        Assert.Equal(FwpDataType.V6AddrMask, v6mask.Type);
        Assert.Equal(64, v6mask.V6PrefixLength);
        Assert.Equal(new UInt128(0xfe80000000000000, 0), v6mask.Value.RawUInt128);

        var callout = FilterById(engine, 65005);
        Assert.Equal(ActionType.CalloutInspection, callout.Action.Type);
        Assert.True(LayerCatalog.TryFindCallout("FWPM_CALLOUT_BUILT_IN_RESERVED_1", out var reserved1));
        Assert.Equal(reserved1.Key, callout.Action.CalloutKey);
    }

    [Fact]
    public void FiltersXml_BadItems_AreReportedPerItemWithPathAndReason()
    {
        var (result, engine) = ImportFile("filters.xml");
        Assert.Equal(6, result.Skipped.Count);
        Assert.Contains(result.Skipped, s => s.Path == "/wfpdiag/filters/item[6]/filterCondition/item[1]/fieldKey" && s.Name == "Unknown condition" && s.Reason.Contains("FWPM_CONDITION_NOT_A_REAL_CONDITION", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path == "/wfpdiag/filters/item[7]/layerKey" && s.Reason.Contains("unknown layer", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path == "/wfpdiag/filters/item[8]/filterCondition/item[1]/conditionValue/uint16" && s.Reason.Contains("does not fit FWP_UINT16", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path == "/wfpdiag/filters/item[9]/filterCondition/item[1]/conditionValue/uint9" && s.Reason.Contains("unknown value element <uint9>", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path == "/wfpdiag/filters/item[10]" && s.Error is not null && s.Error.StartsWith("FWP_E_", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path == "/wfpdiag/filters/item[11]/filterCondition/item[1]/conditionValue/uint32" && s.Reason.Contains("does not hold a FWP_UINT16", StringComparison.Ordinal));
        foreach (var id in new ulong[] { 65006, 65007, 65008, 65009, 65010, 65011 })
        {
            Assert.Null(engine.Current.FilterById(id));
        }
    }

    [Fact]
    public void FiltersXml_ClassifyUsesWindowsFilterIdAndWeights()
    {
        var (_, engine) = ImportFile("filters.xml");
        var values = new FwpValue[Connect4.Fields.Count];
        values[Connect4.Field("IP_PROTOCOL").Index] = FwpValue.FromUInt8(6);
        values[Connect4.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(23);
        var r = engine.Classify(Connect4, values);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(65001UL, r.FilterId);

        values[Connect4.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(443);
        values[Connect4.Field("IP_REMOTE_ADDRESS").Index] = FwpValue.FromUInt32(0x0A0A377F);
        values[Connect4.Field("ALE_APP_ID").Index] = AppId.ValueFromPath(@"\device\harddiskvolume1\windows\system32\curl.exe");
        r = engine.Classify(Connect4, values);
        Assert.Equal(ActionType.Permit, r.Action);
        Assert.Equal(65002UL, r.FilterId);
    }

    [Fact]
    public void StateXml_TwoRoots_ImportsProvidersSublayersCalloutsAndFilters()
    {
        var (result, engine) = ImportFile("wfpstate.xml");
        Assert.Equal(1, result.Providers);
        Assert.Equal(1, result.Sublayers);
        Assert.Equal(1, result.Callouts);
        Assert.Equal(3, result.Filters);
        Assert.Equal(2, result.BuiltinSublayerWeights);

        var snapshot = engine.Current;
        Assert.Equal("Contoso Pare-feu (français)", snapshot.ProvidersByKey[Guid.Parse("b2000000-0000-4000-8000-0000000000aa")].DisplayData.Name);
        var custom = snapshot.SublayersByKey[Guid.Parse("c3000000-0000-4000-8000-0000000000bb")];
        Assert.Equal(65000, custom.Weight);
        Assert.Equal("Contoso Unterschicht", custom.DisplayData.Name);
        Assert.Equal(4096, snapshot.SublayersByKey[LayerCatalog.SublayerUniversal].Weight);
        Assert.True(LayerCatalog.TryFindSublayer("MPSSVC_WSH", out var wsh));
        Assert.Equal(32768, snapshot.SublayersByKey[wsh.Key].Weight);
        var callout = snapshot.CalloutsByKey[Guid.Parse("e5000000-0000-4000-8000-0000000000cc")];
        Assert.Equal(Connect4.Key, callout.ApplicableLayer);
        Assert.Equal(3458764513820540928UL, FilterById(engine, 70003).EffectiveWeight);
    }

    [Fact]
    public void StateXml_UnknownLayer_ReportedForTheLayerAndItsFilter()
    {
        var (result, engine) = ImportFile("wfpstate.xml");
        Assert.Equal(2, result.Skipped.Count);
        Assert.Contains(result.Skipped, s => s.Path == "/wfpstate/layers/item[2]/layer/layerKey" && s.Reason.Contains("FWPM_LAYER_NOT_A_REAL_LAYER", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, s => s.Path == "/wfpstate/layers/item[2]/filters/item[1]/layerKey" && s.Name == "Filter in a future layer");
        Assert.Null(engine.Current.FilterById(70009));
    }

    [Fact]
    public void StateXml_SublayerWeightsDecideArbitration()
    {
        // Custom sublayer (65000) permits DNS; WSH (32768) blocks all: the higher sublayer's permit is soft, so the
        // lower sublayer's block wins, and the deciding filter is Windows' id 70002.
        var (_, engine) = ImportFile("wfpstate.xml");
        var values = new FwpValue[Connect4.Fields.Count];
        values[Connect4.Field("IP_REMOTE_PORT").Index] = FwpValue.FromUInt16(53);
        var r = engine.Classify(Connect4, values);
        Assert.Equal(ActionType.Block, r.Action);
        Assert.Equal(70002UL, r.FilterId);
    }

    [Fact]
    public void Apply_ToEngineWithOtherBuiltinWeights_ReportsTheWeights()
    {
        using var stream = NetshData.Open("wfpstate.xml");
        var doc = NetshImporter.Read(stream, "wfpstate.xml");
        var engine = new FilterEngine();
        var result = NetshImporter.Apply(doc, engine);
        Assert.Contains(result.Skipped, s => s.Name == "FWPM_SUBLAYER_UNIVERSAL" && s.Reason.Contains("0x1000", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not xml at all", "no XML element")]
    [InlineData("<wfpdiag><filters>", "not well-formed XML")]
    [InlineData("<?xml version=\"1.0\"?><policy/>", "root element is <policy>")]
    [InlineData("", "no XML element")]
    public void Read_UnusableFile_ThrowsOneClearError(string text, string expected)
    {
        var ex = Assert.Throws<PolicyFileException>(() => NetshImporter.Read(text, "bad.xml"));
        Assert.Contains("bad.xml", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<wfpstate>", true)]
    [InlineData("  <wfpdiag>\n<filters/>", true)]
    [InlineData("<!-- x --><wfpdiag/>", true)]
    [InlineData("<wfpdiagnostics/>", false)]
    [InlineData("{\"version\": 1}", false)]
    public void LooksLikeNetsh_DetectsByRootElement(string text, bool expected) =>
        Assert.Equal(expected, NetshImporter.LooksLikeNetsh(text));

    [Fact]
    public void Read_StringWithBomAndDeclaration_Works()
    {
        var doc = NetshImporter.Read(Encoding.UTF8.GetString(NetshData.Bytes("filters.xml")), "filters.xml");
        Assert.Equal(NetshDumpKind.Filters, doc.Kind);
        Assert.Equal(5, doc.Filters.Count - 1); // 6 read; item[10] is rejected later by the engine
    }

    [Fact]
    public void Read_PersistentFilterWithoutListedProviderOrSublayer_GetsPlaceholdersAndNotes()
    {
        const string xml = """
            <wfpdiag><filters numItems="1"><item>
              <filterKey>{a1000000-0000-4000-8000-0000000000ff}</filterKey>
              <displayData><name>x</name></displayData>
              <flags numItems="1"><item>FWPM_FILTER_FLAG_PERSISTENT</item></flags>
              <providerKey>{b2000000-0000-4000-8000-0000000000ee}</providerKey>
              <layerKey>FWPM_LAYER_ALE_AUTH_CONNECT_V4</layerKey>
              <subLayerKey>{c3000000-0000-4000-8000-0000000000ee}</subLayerKey>
              <weight><type>FWP_EMPTY</type></weight>
              <filterCondition numItems="0"/>
              <action><type>FWP_ACTION_PERMIT</type><filterType/></action>
              <filterId>5</filterId>
            </item></filters></wfpdiag>
            """;
        var result = NetshImporter.Import(NetshImporter.Read(xml, "x.xml"), out var engine);
        Assert.Empty(result.Skipped);
        Assert.Equal(1, result.Filters);
        Assert.Equal(1, result.Sublayers);
        Assert.Equal(1, result.Providers);
        Assert.Equal(2, result.Notes.Count);
        Assert.NotNull(engine.Current.FilterById(5));
    }

    [Fact]
    public void Import_EffectiveWeightZero_IsKept()
    {
        const string xml = """
            <wfpdiag><filters numItems="1"><item>
              <filterKey>{a1000000-0000-4000-8000-0000000000fe}</filterKey>
              <displayData><name>lowest</name></displayData>
              <layerKey>FWPM_LAYER_ALE_AUTH_CONNECT_V4</layerKey>
              <subLayerKey>FWPM_SUBLAYER_UNIVERSAL</subLayerKey>
              <weight><type>FWP_UINT8</type><uint8>0</uint8></weight>
              <filterCondition numItems="1"><item>
                <fieldKey>FWPM_CONDITION_IP_REMOTE_PORT</fieldKey><matchType>FWP_MATCH_EQUAL</matchType>
                <conditionValue><type>FWP_UINT16</type><uint16>9</uint16></conditionValue>
              </item></filterCondition>
              <action><type>FWP_ACTION_BLOCK</type><filterType/></action>
              <filterId>77</filterId>
              <effectiveWeight><type>FWP_UINT64</type><uint64>0</uint64></effectiveWeight>
            </item></filters></wfpdiag>
            """;
        var result = NetshImporter.Import(NetshImporter.Read(xml, "x.xml"), out var engine);
        Assert.Empty(result.Skipped);
        Assert.Equal(0UL, engine.Current.FilterById(77)!.EffectiveWeight);
        Assert.Single(result.Notes);
    }
    [Fact]
    public void StateXml_FilterWithoutSublayer_TakesItsLayersDefaultSublayer()
    {
        const string xml = """
            <wfpstate>
              <subLayers numItems="1"><item>
                <subLayerKey>{c3000000-0000-4000-8000-0000000000dd}</subLayerKey>
                <displayData><name>Vendor default</name></displayData>
                <flags/><weight>4096</weight>
              </item></subLayers>
              <layers numItems="2">
                <item>
                  <layer><layerKey>FWPM_LAYER_ALE_AUTH_CONNECT_V4</layerKey><defaultSubLayerKey>{c3000000-0000-4000-8000-0000000000dd}</defaultSubLayerKey></layer>
                  <filters numItems="1"><item>
                    <filterKey>{a1000000-0000-4000-8000-0000000000d1}</filterKey>
                    <displayData><name>no sublayer named</name></displayData>
                    <layerKey>FWPM_LAYER_ALE_AUTH_CONNECT_V4</layerKey>
                    <weight><type>FWP_EMPTY</type></weight>
                    <filterCondition numItems="0"/>
                    <action><type>FWP_ACTION_BLOCK</type><filterType/></action>
                    <filterId>11</filterId>
                  </item></filters>
                </item>
                <item>
                  <layer><layerKey>FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4</layerKey><defaultSubLayerKey>NOT_A_SUBLAYER</defaultSubLayerKey></layer>
                  <filters numItems="1"><item>
                    <filterKey>{a1000000-0000-4000-8000-0000000000d2}</filterKey>
                    <displayData><name>unknown default</name></displayData>
                    <layerKey>FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4</layerKey>
                    <weight><type>FWP_EMPTY</type></weight>
                    <filterCondition numItems="0"/>
                    <action><type>FWP_ACTION_BLOCK</type><filterType/></action>
                    <filterId>12</filterId>
                  </item></filters>
                </item>
              </layers>
            </wfpstate>
            """;
        var result = NetshImporter.Import(NetshImporter.Read(xml, "state.xml"), out var engine);
        Assert.Equal(Guid.Parse("c3000000-0000-4000-8000-0000000000dd"), engine.Current.FilterById(11)!.SublayerKey);
        Assert.Equal(2, result.Filters);
        var skipped = Assert.Single(result.Skipped);
        Assert.EndsWith("/layer/defaultSubLayerKey", skipped.Path, StringComparison.Ordinal);
        Assert.Contains("NOT_A_SUBLAYER", skipped.Reason, StringComparison.Ordinal);
    }
}
