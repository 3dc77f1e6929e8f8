using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Catalog;

/// <summary>
/// What real Windows reports (<c>netsh wfp show state</c>, i.e. FwpmLayerGetByKey) beyond the SDK headers: the ALE
/// accept redirect layers, the conditions it lists for the SIO firewall and reserved fields, and the built-in
/// objects its dumps name.
/// </summary>
public sealed class ObservedLayerTests
{
    private static readonly Guid SioFirewallSystemPort = new("b9f4e088-cb98-4efb-a2c7-ad07332643db");

    public static TheoryData<string> SioFirewallLayers => new(
        "ALE_AUTH_LISTEN_V4", "ALE_AUTH_LISTEN_V4_DISCARD", "ALE_AUTH_LISTEN_V6", "ALE_AUTH_LISTEN_V6_DISCARD",
        "ALE_RESOURCE_ASSIGNMENT_V4", "ALE_RESOURCE_ASSIGNMENT_V4_DISCARD", "ALE_RESOURCE_ASSIGNMENT_V6",
        "ALE_RESOURCE_ASSIGNMENT_V6_DISCARD", "ALE_AUTH_RECV_ACCEPT_V4", "ALE_AUTH_RECV_ACCEPT_V6");

    public static TheoryData<string> FourReservedLayers => new(
        "ALE_AUTH_CONNECT_V4", "ALE_AUTH_CONNECT_V4_DISCARD", "ALE_AUTH_CONNECT_V6", "ALE_AUTH_CONNECT_V6_DISCARD",
        "ALE_AUTH_RECV_ACCEPT_V4", "ALE_AUTH_RECV_ACCEPT_V4_DISCARD", "ALE_AUTH_RECV_ACCEPT_V6",
        "ALE_AUTH_RECV_ACCEPT_V6_DISCARD", "ALE_FLOW_ESTABLISHED_V4", "ALE_FLOW_ESTABLISHED_V4_DISCARD",
        "ALE_FLOW_ESTABLISHED_V6", "ALE_FLOW_ESTABLISHED_V6_DISCARD");

    [Theory]
    [InlineData("FWPM_LAYER_ALE_ACCEPT_REDIRECT_V4", "29243af8-ecaf-4436-a44e-f9fb7070aa04", 83, "FWPS_LAYER_RESERVED_LAYER_9", IpVersion.V4)]
    [InlineData("FWPM_LAYER_ALE_ACCEPT_REDIRECT_V6", "c9809347-218f-4b7f-a742-b281a3f631b4", 84, "FWPS_LAYER_RESERVED_LAYER_10", IpVersion.V6)]
    public void AcceptRedirectLayersHaveTheKeysAndIdsWindowsReports(string name, string key, int id, string fwpsName, IpVersion version)
    {
        Assert.True(LayerCatalog.TryFindLayer(key, out var byKey));
        Assert.True(LayerCatalog.TryFindLayer(name, out var byName));
        Assert.Same(byKey, byName);
        Assert.Same(byKey, LayerCatalog.ById((ushort)id));
        Assert.Equal(name, LayerCatalog.BuiltinNameOf(new Guid(key)));
        Assert.Equal(fwpsName, byKey.FwpsName);
        Assert.Equal(id, LayerCatalog.FwpsBuiltinLayers[fwpsName]);
        Assert.Equal(version, byKey.IpVersion);
        Assert.True(byKey.IsKernel);
        Assert.False(byKey.IsDiscard);
        Assert.Equal(LayerDirection.Inbound, byKey.Direction);
        Assert.Contains("netsh wfp show state", byKey.Note, StringComparison.Ordinal);

        // The field order of the layer's FwpmLayerGetByKey field list.
        Assert.Equal(
            [
                "ALE_APP_ID", "ALE_USER_ID", "ALE_PACKAGE_ID", "ALE_SECURITY_ATTRIBUTE_FQBN_VALUE", "IP_LOCAL_ADDRESS",
                "IP_LOCAL_ADDRESS_TYPE", "IP_LOCAL_PORT", "IP_PROTOCOL", "IP_REMOTE_ADDRESS", "IP_REMOTE_PORT",
                "COMPARTMENT_ID", "FLAGS",
            ],
            byKey.Fields.Select(f => f.Name));
        var address = byKey.Field("IP_REMOTE_ADDRESS");
        Assert.Equal(8, address.Index);
        Assert.Equal(version == IpVersion.V4 ? FwpDataType.UInt32 : FwpDataType.ByteArray16, address.IncomingType);
        Assert.Equal(FwpDataType.TokenAccessInformation, byKey.Field("ALE_USER_ID").IncomingType);
    }

    [Fact]
    public void AcceptRedirectLayersHaveLayerIdsConstants()
    {
        Assert.Equal(83, LayerIds.AleAcceptRedirectV4);
        Assert.Equal(84, LayerIds.AleAcceptRedirectV6);
        Assert.Equal("FWPM_LAYER_ALE_ACCEPT_REDIRECT_V6", LayerCatalog.Layer(LayerIds.AleAcceptRedirectV6).Name);
    }

    [Fact]
    public void SioFirewallSocketPropertyIsAnAliasOfSystemPort()
    {
        Assert.True(LayerCatalog.TryFindCondition("FWPM_CONDITION_ALE_SIO_FIREWALL_SOCKET_PROPERTY", out var alias));
        Assert.True(LayerCatalog.TryFindCondition("FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT", out var canonical));

        Assert.Equal(SioFirewallSystemPort, alias.Key);
        Assert.Equal(SioFirewallSystemPort, canonical.Key);
        Assert.Equal("FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT", alias.AliasOf);
        Assert.Equal("FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT", LayerCatalog.ConditionNameOf(SioFirewallSystemPort));
    }

    [Theory]
    [MemberData(nameof(SioFirewallLayers))]
    public void SioFirewallSystemPortIsAcceptedWhereWindowsListsIt(string layerName)
    {
        var layer = LayerCatalog.Layer(layerName);

        var index = layer.FieldIndexOf(SioFirewallSystemPort);

        Assert.True(index >= 0, $"{layerName} rejects FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT");
        Assert.Same(layer.Fields[index], layer.FindField("FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT"));
        Assert.Same(layer.Fields[index], layer.FindField("ALE_SIO_FIREWALL_SOCKET_PROPERTY"));
        Assert.Equal([FwpDataType.UInt32], layer.Fields[index].ConditionTypes);
    }

    [Theory]
    [MemberData(nameof(FourReservedLayers))]
    public void ReservedZeroToThreeAreAcceptedAtTheAleAuthLayers(string layerName)
    {
        var layer = LayerCatalog.Layer(layerName);

        for (var n = 0; n < 4; n++)
        {
            Assert.True(LayerCatalog.TryFindCondition($"FWPM_CONDITION_RESERVED{n}", out var condition));
            var field = layer.FindField(condition.Name);
            Assert.True(field is not null, $"{layerName} rejects {condition.Name}");
            Assert.Equal($"RESERVED_{n}", field.Name);
            Assert.Equal(field.Index, layer.FieldIndexOf(condition.Key));
            Assert.Equal([FwpDataType.ByteBlob], field.ConditionTypes);
        }

        Assert.Null(layer.FindField("FWPM_CONDITION_RESERVED4"));
    }

    [Theory]
    [InlineData("ALE_RESOURCE_ASSIGNMENT_V4", FwpDataType.UInt8)]
    [InlineData("ALE_RESOURCE_ASSIGNMENT_V4_DISCARD", FwpDataType.UInt8)]
    [InlineData("ALE_RESOURCE_ASSIGNMENT_V6", FwpDataType.ByteBlob)]
    [InlineData("ALE_RESOURCE_ASSIGNMENT_V6_DISCARD", FwpDataType.ByteBlob)]
    public void ReservedZeroAndOneAreAcceptedAtResourceAssignment(string layerName, FwpDataType reportedType)
    {
        var layer = LayerCatalog.Layer(layerName);

        Assert.Equal("RESERVED_0", layer.FindField("FWPM_CONDITION_RESERVED0")?.Name);
        Assert.Equal("RESERVED_1", layer.FindField("FWPM_CONDITION_RESERVED1")?.Name);
        Assert.Equal(reportedType, layer.Field("RESERVED_1").IncomingType);
        Assert.Null(layer.FindField("FWPM_CONDITION_RESERVED2"));
    }

    [Theory]
    [InlineData("FWPM_PROVIDER_CONTEXT_SECURE_SOCKET_AUTHIP", "b25ea800-0d02-46ed-92bd-7fa84bb73e9d")]
    [InlineData("FWPM_PROVIDER_CONTEXT_SECURE_SOCKET_IPSEC", "8c2d4144-f8e0-42c0-94ce-7ccfc63b2f9b")]
    public void BuiltinProviderContextsResolveBothWays(string name, string key)
    {
        Assert.True(LayerCatalog.TryFindProviderContext(name, out var byName));
        Assert.True(LayerCatalog.TryFindProviderContext(key, out var byKey));

        Assert.Same(byName, byKey);
        Assert.Equal(new Guid(key), byName.Key);
        Assert.Equal(name, LayerCatalog.BuiltinNameOf(new Guid(key)));
        Assert.False(LayerCatalog.TryFindProvider(name, out _)); // a provider context is not a provider
    }

    [Theory]
    [InlineData("FWPM_CALLOUT_WFP_TRANSPORT_LAYER_V4_SILENT_DROP", "eda08606-2494-4d78-89bc-67837c03b969", null)]
    [InlineData("FWPM_CALLOUT_EDGE_TRAVERSAL_ALE_LISTEN_V4", "33486ab5-6d5e-4e65-a00b-a7afed0ba9a1", null)]
    [InlineData("FWPM_CALLOUT_EDGE_TRAVERSAL_ALE_LISTEN_V6", "81a434e7-f60c-4378-bab8-c625a30f0197", "FWPM_CALLOUT_TEREDO_ALE_LISTEN_V6")]
    [InlineData("FWPM_CALLOUT_EDGE_TRAVERSAL_ALE_RESOURCE_ASSIGNMENT_V6", "31b95392-066e-42a2-b7db-92f8acdd56f9", "FWPM_CALLOUT_TEREDO_ALE_RESOURCE_ASSIGNMENT_V6")]
    public void CalloutsNetshNamesResolveBothWays(string name, string key, string? aliasOf)
    {
        Assert.True(LayerCatalog.TryFindCallout(name, out var callout));

        Assert.Equal(new Guid(key), callout.Key);
        Assert.Equal(aliasOf, callout.AliasOf);
        Assert.Equal(aliasOf ?? name, LayerCatalog.BuiltinNameOf(callout.Key));
    }

    [Fact]
    public void EveryBuiltinKeyNetshPrintsResolvesBothWays()
    {
        var path = Path.Combine(CatalogJson.RepoRoot, "tests/OpenWfp.Engine.Tests/Catalog/Data/netsh-builtin-keys.txt");
        var rows = File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(' ')).ToArray();
        var failures = new List<string>();

        Assert.True(rows.Length > 300, $"only {rows.Length} names in {path}");
        foreach (var row in rows)
        {
            var (element, name) = (row[0], row[1]);
            Guid? key = element switch
            {
                "layerKey" or "applicableLayer" => LayerCatalog.TryFindLayer(name, out var l) ? l.Key : null,
                "fieldKey" => LayerCatalog.TryFindCondition(name, out var c) ? c.Key : null,
                "calloutKey" or "filterType" => LayerCatalog.TryFindCallout(name, out var co) ? co.Key : null,
                "providerKey" => LayerCatalog.TryFindProvider(name, out var p) ? p.Key : null,
                "providerContextKey" => LayerCatalog.TryFindProviderContext(name, out var pc) ? pc.Key : null,
                "subLayerKey" or "defaultSubLayerKey" => LayerCatalog.TryFindSublayer(name, out var sl) ? sl.Key : null,
                _ => throw new InvalidOperationException($"{path}: unexpected element '{element}'"),
            };

            // netsh prints one name per GUID, the canonical one: the catalog must give the same name back.
            if (key is null)
            {
                failures.Add($"{element} {name}: not found");
            }
            else if (LayerCatalog.BuiltinNameOf(key.Value) != name)
            {
                failures.Add($"{element} {name}: its GUID {key} is named {LayerCatalog.BuiltinNameOf(key.Value)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
