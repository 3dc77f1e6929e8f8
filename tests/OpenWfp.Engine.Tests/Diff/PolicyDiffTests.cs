using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Diff;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Diff;

public class PolicyDiffTests
{
    // Two teams' sublayers at ALE_AUTH_CONNECT_V4: a hard permit for one host in the higher one, a block of its whole
    // range in the lower one. Which sublayer is weighed first decides whether the hard permit survives.
    private const string Base = """
        {
          "version": 1,
          "providers": [ { "key": "11111111-0000-4000-8000-000000000001", "name": "Contoso" } ],
          "sublayers": [
            { "key": "22222222-0000-4000-8000-000000000001", "name": "Baseline", "weight": "0x8000", "provider": "Contoso" },
            { "key": "22222222-0000-4000-8000-000000000002", "name": "Security", "weight": "SECURITY_WEIGHT", "provider": "Contoso" }
          ],
          "filters": [
            { "key": "33333333-0000-4000-8000-000000000001", "name": "Allow update server", "layer": "ALE_AUTH_CONNECT_V4",
              "sublayer": "Baseline", "weight": 10, "flags": ["CLEAR_ACTION_RIGHT"], "action": "permit",
              "conditions": [ { "field": "IP_REMOTE_ADDRESS", "match": "equal", "value": "203.0.113.10" } ] },
            { "key": "33333333-0000-4000-8000-000000000002", "name": "Block hosting range", "layer": "ALE_AUTH_CONNECT_V4",
              "sublayer": "Security", "weight": 5, "action": "block",
              "conditions": [ { "field": "IP_REMOTE_ADDRESS", "match": "equal", "value": "BLOCKED_RANGE" } ] }
            EXTRA_FILTER
          ]
        }
        """;

    private static FilterEngine Load(string securityWeight = "0x4000", string blockedRange = "203.0.113.0/24", string extra = "")
    {
        var text = Base.Replace("SECURITY_WEIGHT", securityWeight, StringComparison.Ordinal)
            .Replace("BLOCKED_RANGE", blockedRange, StringComparison.Ordinal)
            .Replace("EXTRA_FILTER", extra, StringComparison.Ordinal);
        var engine = new FilterEngine();
        PolicyJsonReader.Read(text, "test.json").ApplyTo(engine);
        return engine;
    }

    [Fact]
    public void Compare_SamePolicyLoadedTwice_NothingDiffers()
    {
        Assert.Empty(PolicyDiff.Compare(Load().Current, Load().Current));
    }

    [Fact]
    public void Compare_ChangedSublayerWeightAndCondition_ReportsEachPropertyByKey()
    {
        var changes = PolicyDiff.Compare(Load().Current, Load(securityWeight: "0x9000", blockedRange: "203.0.113.0/25").Current);

        Assert.Equal(2, changes.Count);
        var sublayer = Assert.Single(changes, c => c.Kind == ObjectKind.Sublayer);
        Assert.Equal(ChangeType.Changed, sublayer.Change);
        Assert.Equal(Guid.Parse("22222222-0000-4000-8000-000000000002"), sublayer.Key);
        var weight = Assert.Single(sublayer.Fields);
        Assert.Equal(("weight", "0x4000", "0x9000"), (weight.Property, weight.Before, weight.After));

        var filter = Assert.Single(changes, c => c.Kind == ObjectKind.Filter);
        Assert.Equal("Block hosting range", filter.Name);
        Assert.Equal("ALE_AUTH_CONNECT_V4", filter.Layer);
        var conditions = Assert.Single(filter.Fields, f => f.Property == "conditions");
        Assert.Equal(["IP_REMOTE_ADDRESS equal 203.0.113.0/24"], conditions.Removed);
        Assert.Equal(["IP_REMOTE_ADDRESS equal 203.0.113.0/25"], conditions.Added);
    }

    [Fact]
    public void Compare_FilterOnlyInOnePolicy_IsAddedOrRemoved()
    {
        const string extra = """
            , { "key": "33333333-0000-4000-8000-000000000003", "name": "Block telnet", "layer": "ALE_AUTH_CONNECT_V4",
                "action": "block", "conditions": [ { "field": "IP_REMOTE_PORT", "match": "equal", "value": "23" } ] }
            """;
        var added = Assert.Single(PolicyDiff.Compare(Load().Current, Load(extra: extra).Current));
        Assert.Equal((ObjectKind.Filter, ChangeType.Added, "Block telnet"), (added.Kind, added.Change, added.Name));
        var removed = Assert.Single(PolicyDiff.Compare(Load(extra: extra).Current, Load().Current));
        Assert.Equal(ChangeType.Removed, removed.Change);
        Assert.Empty(removed.Fields);
    }

    [Fact]
    public void Compare_RenamedSublayer_FiltersReferringToItAreUnchanged()
    {
        var before = Load();
        var after = new FilterEngine();
        PolicyJsonReader.Read(
            Base.Replace("\"Security\"", "\"Security team\"", StringComparison.Ordinal)
                .Replace("SECURITY_WEIGHT", "0x4000", StringComparison.Ordinal)
                .Replace("BLOCKED_RANGE", "203.0.113.0/24", StringComparison.Ordinal)
                .Replace("EXTRA_FILTER", "", StringComparison.Ordinal),
            "renamed.json").ApplyTo(after);

        // The sublayer keeps its key, so it is one changed object; the filter's "sublayer" names it differently but
        // refers to the same object and is not reported.
        var change = Assert.Single(PolicyDiff.Compare(before.Current, after.Current));
        Assert.Equal(ObjectKind.Sublayer, change.Kind);
        Assert.Equal(("name", "Security", "Security team"), (change.Fields[0].Property, change.Fields[0].Before, change.Fields[0].After));
    }

    [Fact]
    public void Probe_SublayerMovedAboveTheHardPermit_FindsTheDecisionThatFlips()
    {
        var before = Load();
        var after = Load(securityWeight: "0x9000");
        var changes = PolicyDiff.Compare(before.Current, after.Current);

        var probes = DecisionDiff.Probe(before, after, changes);

        // Before: Baseline (0x8000) is weighed first; its hard permit vetoes the lower block. After: Security
        // (0x9000) blocks first, and a block is final.
        var flipped = Assert.Single(probes, p => p.ActionChanged);
        Assert.Equal(("permit", "block"), (flipped.Before.Verdict, flipped.After.Verdict));
        Assert.Equal("Allow update server", flipped.Before.FilterName);
        Assert.Equal("Block hosting range", flipped.After.FilterName);
        var (field, value) = Assert.Single(flipped.Values);
        Assert.Equal("IP_REMOTE_ADDRESS", field.Name);
        Assert.Equal(FwpValue.FromUInt32(0xCB00710A), value);

        // One probe per filter at the touched layer, plus the empty input; the range's probe is blocked under both.
        Assert.Equal(3, probes.Count);
        Assert.Contains(probes, p => p.Values.Count == 0 && p.Before.Verdict == "permit" && !p.ActionChanged);
    }

    [Fact]
    public void Probe_NothingThatDecidesChanged_ClassifiesNothing()
    {
        var before = Load();
        var after = new FilterEngine();
        PolicyJsonReader.Read(
            Base.Replace("\"Contoso\" }", "\"Contoso Ltd\" }", StringComparison.Ordinal)
                .Replace("\"provider\": \"Contoso\"", "\"provider\": \"Contoso Ltd\"", StringComparison.Ordinal)
                .Replace("SECURITY_WEIGHT", "0x4000", StringComparison.Ordinal)
                .Replace("BLOCKED_RANGE", "203.0.113.0/24", StringComparison.Ordinal)
                .Replace("EXTRA_FILTER", "", StringComparison.Ordinal),
            "renamed-provider.json").ApplyTo(after);

        var changes = PolicyDiff.Compare(before.Current, after.Current);

        Assert.Equal(ObjectKind.Provider, Assert.Single(changes).Kind);
        Assert.Empty(DecisionDiff.Probe(before, after, changes));
    }

    [Theory]
    [InlineData("IP_REMOTE_PORT", "equal", "443", 443UL)]
    [InlineData("IP_REMOTE_PORT", "greater", "1023", 1024UL)]
    [InlineData("IP_REMOTE_PORT", "less", "1024", 1023UL)]
    [InlineData("IP_REMOTE_PORT", "not-equal", "80", 81UL)]
    [InlineData("IP_REMOTE_ADDRESS", "equal", "10.1.2.0/24", 0x0A010200UL)]
    [InlineData("FLAGS", "flags-none", "0x1", 0UL)]
    public void Satisfying_BuildsAValueTheConditionIsTrueFor(string field, string match, string value, ulong expected)
    {
        var layer = LayerCatalog.Layer(LayerIds.AleAuthConnectV4);
        var engine = new FilterEngine();
        PolicyJsonReader.Read(
            $$"""
            { "version": 1, "filters": [ { "name": "f", "layer": "ALE_AUTH_CONNECT_V4", "action": "block",
              "conditions": [ { "field": "{{field}}", "match": "{{match}}", "value": "{{value}}" } ] } ] }
            """,
            "one.json").ApplyTo(engine);
        var filter = Assert.Single(engine.Current.FiltersByKey.Values);

        var values = DecisionDiff.Satisfying(layer, filter);

        var f = layer.Field(field);
        Assert.Equal(f.IncomingType, values[f.Index].Type);
        Assert.Equal(expected, values[f.Index].RawUInt64);
        Assert.Equal(ActionType.Block, engine.Classify(layer, values).Action);
    }
}
