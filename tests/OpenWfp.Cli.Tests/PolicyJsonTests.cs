using OpenWfp.Cli.Input;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Cli.Tests;

public class PolicyJsonTests
{
    private const string NonContiguousMask = """{ "field": "IP_REMOTE_ADDRESS", "value": "10.0.0.0/255.0.255.0" },""";

    private const string RichPolicy = """
        {
          "version": 1,
          "description": "every kind of object and value",
          "providers": [ { "key": "6f1e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "name": "Acme", "description": "the provider" } ],
          "sublayers": [ { "name": "Acme rules", "weight": 4096, "provider": "Acme" } ],
          "callouts": [ { "name": "Acme inspector", "layer": "ALE_AUTH_CONNECT_V6" } ],
          "filters": [
            {
              "key": "0d4b4a1e-92f4-4b8e-9a55-2a1d7e2f7c11",
              "name": "v6 range",
              "layer": "FWPM_LAYER_ALE_AUTH_CONNECT_V6",
              "sublayer": "Acme rules",
              "weight": { "range": 12 },
              "flags": [ "CLEAR_ACTION_RIGHT", "FWPM_FILTER_FLAG_INDEXED" ],
              "action": "block",
              "conditions": [
                { "field": "IP_REMOTE_ADDRESS", "value": "2001:db8::/32" },
                { "field": "IP_LOCAL_ADDRESS", "value": "fe80::1" },
                { "field": "IP_REMOTE_PORT", "match": "range", "value": "1024-65535" },
                { "field": "IP_PROTOCOL", "match": "not-equal", "value": "udp" },
                { "field": "ALE_APP_ID", "value": "/usr/bin/curl" },
                { "field": "ALE_USER_ID", "value": "O:SYG:SYD:(A;;CC;;;BA)" },
                { "field": "FLAGS", "match": "flags-any", "value": "0x40" },
                { "field": "IP_LOCAL_INTERFACE", "value": 18446744073709551615 }
              ]
            },
            {
              "name": "inspect",
              "layer": "ALE_AUTH_CONNECT_V6",
              "sublayer": "FWPM_SUBLAYER_UNIVERSAL",
              "weight": 12345678901234,
              "action": { "callout": "Acme inspector", "type": "inspection" },
              "conditions": [ { "field": "IP_REMOTE_PORT", "value": "443", "type": "FWP_UINT16" } ]
            },
            {
              "name": "v4 mask",
              "layer": "ALE_AUTH_CONNECT_V4",
              "action": "permit",
              "conditions": [
                { "field": "IP_REMOTE_ADDRESS", "value": "10.1.0.0/255.255.0.0" },
                { "field": "IP_REMOTE_ADDRESS", "value": "10.0.0.0/255.0.255.0" },
                { "field": "IP_LOCAL_ADDRESS", "match": "range", "value": "192.168.0.1-192.168.0.99" }
              ]
            }
          ]
        }
        """;

    [Theory]
    [InlineData("sample")]
    [InlineData("rich")]
    public void RoundTrip_LoadWriteLoad_GivesEqualObjects(string which)
    {
        var text = which == "sample" ? SampleScenarios.ReadResource(SampleScenarios.PolicyResource) : RichPolicy;
        var first = PolicyJsonReader.Read(text, "p.json");
        var written = PolicyJsonWriter.Write(first);
        var second = PolicyJsonReader.Read(written, "p2.json");
        Assert.Equal(first.Description, second.Description);
        Assert.Equal(first.Providers, second.Providers);
        Assert.Equal(first.Sublayers, second.Sublayers);
        Assert.Equal(first.Callouts, second.Callouts);
        Assert.Equal(first.Filters.Count, second.Filters.Count);
        for (var i = 0; i < first.Filters.Count; i++)
        {
            Assert.Equal(first.Filters[i] with { Conditions = [] }, second.Filters[i] with { Conditions = [] });
            Assert.Equal(first.Filters[i].Conditions, second.Filters[i].Conditions);
        }

        Assert.Equal(written, PolicyJsonWriter.Write(second));
    }

    [Fact]
    public void Read_RichPolicy_ResolvesNamesTypesAndWeights()
    {
        var doc = PolicyJsonReader.Read(RichPolicy, "p.json");
        var f = doc.Filters[0];
        Assert.Equal(doc.Sublayers[0].Key, f.SublayerKey);
        Assert.Equal(doc.Providers[0].Key, doc.Sublayers[0].ProviderKey);
        Assert.Equal(FwpValue.FromUInt8(12), f.Weight);
        Assert.Equal(FilterFlags.ClearActionRight | FilterFlags.Indexed, f.Flags);
        Assert.Equal(FwpDataType.V6AddrMask, f.Conditions[0].Value.Type);
        Assert.Equal(FwpDataType.Range, f.Conditions[2].Value.Type);
        Assert.Equal(FwpMatchType.NotEqual, f.Conditions[3].MatchType);
        Assert.Equal(17UL, f.Conditions[3].Value.Value.RawUInt64);
        Assert.Equal(FwpDataType.SecurityDescriptor, f.Conditions[5].Value.Type);
        Assert.Equal(ulong.MaxValue, f.Conditions[7].Value.Value.RawUInt64);
        Assert.Equal(FwpValue.FromUInt64(12345678901234), doc.Filters[1].Weight);
        Assert.Equal(FilterAction.Callout(ActionType.CalloutInspection, doc.Callouts[0].Key), doc.Filters[1].Action);
        Assert.Equal(LayerCatalog.SublayerUniversal, doc.Filters[1].SublayerKey);
        Assert.Equal(FwpDataType.Empty, doc.Filters[2].Weight.Type);
        Assert.Equal(0xFFFF0000u, doc.Filters[2].Conditions[0].Value.V4Mask);
    }

    [Fact]
    public void ApplyTo_NonContiguousMask_IsInvalidNetMask()
    {
        var ex = Assert.Throws<PolicyFileException>(() => PolicyJsonReader.Read(RichPolicy, "rich.json").ApplyTo(new FilterEngine()));
        Assert.Equal("FWP_E_INVALID_NET_MASK", ex.ErrorName);
        Assert.Equal("rich.json: filters[2] \"v4 mask\": conditions[1] (IP_REMOTE_ADDRESS).value: mask 255.0.255.0 is not contiguous [FWP_E_INVALID_NET_MASK]", ex.Message);
    }

    [Fact]
    public void Read_SameFileTwice_GivesSameKeys()
    {
        var a = PolicyJsonReader.Read(RichPolicy, "p.json");
        var b = PolicyJsonReader.Read(RichPolicy, "p.json");
        Assert.Equal(a.Filters.Select(f => f.Key), b.Filters.Select(f => f.Key));
        Assert.Equal(a.Sublayers[0].Key, b.Sublayers[0].Key);
    }

    [Fact]
    public void ApplyTo_RichPolicy_AddsEverythingInOneTransaction()
    {
        var engine = new FilterEngine();
        var stored = PolicyJsonReader.Read(RichPolicy.Replace(NonContiguousMask, "", StringComparison.Ordinal), "p.json").ApplyTo(engine);
        Assert.Equal(3, stored.Count);
        Assert.Equal(3, engine.Current.FiltersByKey.Count);
    }

    [Fact]
    public void ApplyTo_InvalidCondition_NamesFwpErrorAndChangesNothing()
    {
        const string text = """
            { "version": 1,
              "sublayers": [ { "name": "S", "weight": 1 } ],
              "filters": [
                { "name": "fine", "layer": "ALE_AUTH_CONNECT_V4", "sublayer": "S", "action": "permit" },
                { "name": "Block telnet", "layer": "ALE_AUTH_CONNECT_V4", "action": "block",
                  "conditions": [ { "field": "IP_REMOTE_PORT", "match": "flags-all", "value": "10.0.0.0/8", "type": "FWP_V4_ADDR_MASK" } ] }
              ] }
            """;
        var engine = new FilterEngine();
        var before = engine.Current;
        var ex = Assert.Throws<PolicyFileException>(() => PolicyJsonReader.Read(text, "bad.json").ApplyTo(engine));
        Assert.StartsWith("bad.json: filters[1] \"Block telnet\": ", ex.Message);
        Assert.NotNull(ex.ErrorName);
        Assert.StartsWith("FWP_E_", ex.ErrorName);
        Assert.Contains("[" + ex.ErrorName + "]", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Same(before, engine.Current);
        Assert.Empty(engine.Current.FiltersByKey);
    }

    [Fact]
    public void Read_DuplicateSublayerNameWithoutKeys_IsAnError()
    {
        var ex = Assert.Throws<PolicyFileException>(() => PolicyJsonReader.Read("""{"version": 1, "sublayers": [{"name": "A"}, {"name": "A"}]}""", "d.json"));
        Assert.Equal("d.json: sublayers[1] \"A\": name: another object of this kind already has this name; give each a \"key\", or unique names", ex.Message);
    }

    private const string TwoProvidersOneName = """
        {"version": 1, "providers": [
          {"key": "aa6a7d87-7f8f-4d2a-be53-fda555cd5fe3", "name": "Microsoft Corporation"},
          {"key": "1bebc969-61a5-4732-a177-847a0817862a", "name": "Microsoft Corporation"}],
         "sublayers": [{"name": "S", "provider": "PROVIDER"}]}
        """;

    [Fact]
    public void Read_DuplicateNamesWithKeys_AreTwoObjects_ReferencedByKey()
    {
        var doc = PolicyJsonReader.Read(TwoProvidersOneName.Replace("PROVIDER", "1bebc969-61a5-4732-a177-847a0817862a", StringComparison.Ordinal), "d.json");

        Assert.Equal(2, doc.Providers.Count);
        Assert.Equal(Guid.Parse("1bebc969-61a5-4732-a177-847a0817862a"), Assert.Single(doc.Sublayers).ProviderKey);
    }

    [Fact]
    public void Read_ReferenceByANameTwoObjectsShare_IsAnError()
    {
        var ex = Assert.Throws<PolicyFileException>(() => PolicyJsonReader.Read(TwoProvidersOneName.Replace("PROVIDER", "Microsoft Corporation", StringComparison.Ordinal), "d.json"));
        Assert.Equal("d.json: sublayers[0] \"S\": provider: \"Microsoft Corporation\" is the name of more than one object in this file; refer to it by its key", ex.Message);
    }
}
