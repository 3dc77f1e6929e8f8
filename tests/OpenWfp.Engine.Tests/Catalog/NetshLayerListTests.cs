using System.Xml.Linq;
using OpenWfp.Engine.Catalog;

namespace OpenWfp.Engine.Tests.Catalog;

/// <summary>
/// The catalog against the layer definitions real Windows reports: the <c>&lt;layers&gt;</c> section of
/// <c>netsh wfp show state</c> (FwpmLayerGetByKey for every layer). Every field Windows lists at a layer must be a
/// field of that layer in the catalog, in the same order and with the same data type, or filters Windows accepts
/// there would be rejected on import.
/// </summary>
public sealed class NetshLayerListTests
{
    private const string OwnData = "tests/OpenWfp.Engine.Tests/Catalog/Data";
    private const string RealDumps = "tests/OpenWfp.Engine.Tests/Netsh/Data/real";

    // Where Windows reports another data type than the catalog gives, on purpose (see layers.json _about.caveats):
    // the documentation's type is kept where it and Windows disagree, and the V6 policy layer's address fields are
    // reported as IPv4 ones, which cannot be right for a V6 layer.
    private static readonly HashSet<(string Layer, string Field, string Reported)> KnownTypeDifferences =
    [
        ("FWPM_LAYER_INGRESS_VSWITCH_ETHERNET", "FWPM_CONDITION_VSWITCH_TENANT_NETWORK_ID", "FWP_UINT32"),
        ("FWPM_LAYER_EGRESS_VSWITCH_ETHERNET", "FWPM_CONDITION_VSWITCH_TENANT_NETWORK_ID", "FWP_UINT32"),
        ("FWPM_LAYER_INGRESS_VSWITCH_TRANSPORT_V4", "FWPM_CONDITION_VSWITCH_TENANT_NETWORK_ID", "FWP_UINT32"),
        ("FWPM_LAYER_INGRESS_VSWITCH_TRANSPORT_V6", "FWPM_CONDITION_VSWITCH_TENANT_NETWORK_ID", "FWP_UINT32"),
        ("FWPM_LAYER_EGRESS_VSWITCH_TRANSPORT_V4", "FWPM_CONDITION_VSWITCH_TENANT_NETWORK_ID", "FWP_UINT32"),
        ("FWPM_LAYER_EGRESS_VSWITCH_TRANSPORT_V6", "FWPM_CONDITION_VSWITCH_TENANT_NETWORK_ID", "FWP_UINT32"),
        ("FWPM_LAYER_NAME_RESOLUTION_CACHE_V4", "FWPM_CONDITION_ALE_USER_ID", "FWP_SID"),
        ("FWPM_LAYER_NAME_RESOLUTION_CACHE_V6", "FWPM_CONDITION_ALE_USER_ID", "FWP_SID"),
        ("FWPM_LAYER_OUTBOUND_NETWORK_CONNECTION_POLICY_V6", "FWPM_CONDITION_IP_LOCAL_ADDRESS", "FWP_UINT32"),
        ("FWPM_LAYER_OUTBOUND_NETWORK_CONNECTION_POLICY_V6", "FWPM_CONDITION_IP_REMOTE_ADDRESS", "FWP_UINT32"),
    ];

    /// <summary>Our own extracts, and every full dump the netsh import tests keep (when there are any).</summary>
    public static TheoryData<string> LayerLists
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var dir in new[] { OwnData, RealDumps })
            {
                var path = Path.Combine(CatalogJson.RepoRoot, dir);
                if (!Directory.Exists(path))
                {
                    continue;
                }

                foreach (var file in Directory.EnumerateFiles(path, "*.xml").Order(StringComparer.Ordinal))
                {
                    if (File.ReadLines(file).Any(l => l.Contains("<layers", StringComparison.Ordinal)))
                    {
                        data.Add(Path.GetRelativePath(CatalogJson.RepoRoot, file));
                    }
                }
            }

            return data;
        }
    }

    [Fact]
    public void BothExtractsAreFound()
    {
        var lists = LayerLists.Select(row => row.Data).ToArray();

        Assert.Contains($"{OwnData}/netsh-layers-22621.xml", lists);
        Assert.Contains($"{OwnData}/netsh-layers-26100.xml", lists);
    }

    [Theory]
    [MemberData(nameof(LayerLists))]
    public void EveryLayerAndFieldWindowsListsIsInTheCatalog(string relativePath)
    {
        var layers = ReadLayers(Path.Combine(CatalogJson.RepoRoot, relativePath));
        var m = new Mismatches();

        Assert.Equal(99, layers.Count);
        foreach (var (layerKey, layerId, fields) in layers)
        {
            if (!LayerCatalog.TryFindLayer(layerKey, out var layer))
            {
                m.Fail(layerKey, "no such layer in the catalog");
                continue;
            }

            m.Check(layer.Name, "layer id", layerId, layer.LayerId);
            var previous = -1;
            foreach (var (fieldKey, dataType) in fields)
            {
                var where = $"{layer.Name} {fieldKey}";
                if (!LayerCatalog.TryFindCondition(fieldKey, out var condition))
                {
                    m.Fail(where, "no such condition in the catalog");
                    continue;
                }

                var index = layer.FieldIndexOf(condition.Key);
                if (index < 0)
                {
                    m.Fail(where, "Windows lists it but the catalog's layer has no such field (FWP_E_CONDITION_NOT_FOUND on import)");
                    continue;
                }

                // Windows lists the fields in run-time index order; fields a build lacks leave gaps, never swaps.
                m.Check(where, "listed after the field before it", true, index > previous);
                previous = index;

                if (!KnownTypeDifferences.Contains((layer.Name, condition.AliasOf ?? condition.Name, dataType)))
                {
                    m.Check(where, "data type", CatalogJson.PlainType(dataType, where), layer.Fields[index].IncomingType);
                }
            }
        }

        m.AssertNone();
    }

    [Fact]
    public void KnownTypeDifferencesAreStillDifferent()
    {
        // When the catalog is brought in line, the exception must go too.
        foreach (var (layerName, fieldKey, reported) in KnownTypeDifferences)
        {
            var field = LayerCatalog.Layer(layerName).FindField(fieldKey);

            Assert.NotNull(field);
            Assert.NotEqual(CatalogJson.PlainType(reported, layerName), field.IncomingType);
        }
    }

    [Fact]
    public void Build26100ListsTheReservedConditionsBuild22621DoesNot()
    {
        var older = ReadLayers(Path.Combine(CatalogJson.RepoRoot, OwnData, "netsh-layers-22621.xml"));
        var newer = ReadLayers(Path.Combine(CatalogJson.RepoRoot, OwnData, "netsh-layers-26100.xml"));

        static string[] FieldsOf(IReadOnlyList<(string Key, ushort Id, List<(string Field, string Type)> Fields)> layers, string name) =>
            layers.Single(l => l.Key == name).Fields.Select(f => f.Field).ToArray();

        Assert.DoesNotContain("FWPM_CONDITION_RESERVED0", FieldsOf(older, "FWPM_LAYER_ALE_AUTH_CONNECT_V4"));
        Assert.Contains("FWPM_CONDITION_RESERVED0", FieldsOf(newer, "FWPM_LAYER_ALE_AUTH_CONNECT_V4"));
        Assert.Contains("FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT", FieldsOf(older, "FWPM_LAYER_ALE_AUTH_LISTEN_V4"));
        Assert.Contains("FWPM_CONDITION_ALE_PACKAGE_FAMILY_NAME", FieldsOf(newer, "FWPM_LAYER_ALE_AUTH_LISTEN_V4"));

        // netsh prints a GUID where it knows no name: the accept redirect layers, in both builds.
        Assert.Contains(older, l => l.Key == "{29243af8-ecaf-4436-a44e-f9fb7070aa04}" && l.Id == 83);
        Assert.Contains(newer, l => l.Key == "{c9809347-218f-4b7f-a742-b281a3f631b4}" && l.Id == 84);
    }

    private static List<(string Key, ushort Id, List<(string Field, string Type)> Fields)> ReadLayers(string path)
    {
        // Full dumps carry a second top-level element after </wfpstate>; only the first document is XML.
        var text = File.ReadAllText(path);
        const string End = "</wfpstate>";
        var end = text.IndexOf(End, StringComparison.Ordinal);
        var root = XDocument.Parse(end < 0 ? text : text[..(end + End.Length)]).Root!;

        var layers = new List<(string, ushort, List<(string, string)>)>();
        foreach (var layer in root.Element("layers")!.Elements("item").Select(i => i.Element("layer")!))
        {
            var fields = layer.Element("field")!.Elements("item")
                .Select(f => (f.Element("fieldKey")!.Value, f.Element("dataType")!.Value))
                .ToList();
            layers.Add((layer.Element("layerKey")!.Value, ushort.Parse(layer.Element("layerId")!.Value, System.Globalization.CultureInfo.InvariantCulture), fields));
        }

        return layers;
    }
}
