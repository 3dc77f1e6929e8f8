using System.IO.Compression;
using System.Xml.Linq;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;
using OpenWfp.Engine.PolicyFile.Netsh;

namespace OpenWfp.Engine.Tests.Netsh;

public class NetshFullImportTests
{
    private static NetshImportResult Import(string name, out FilterEngine engine, out NetshDocument document)
    {
        using var stream = NetshData.Open(name);
        document = NetshImporter.Read(stream, name);
        return NetshImporter.Import(document, out engine);
    }

    private static string ReadReal()
    {
        using var gz = new GZipStream(NetshData.Open("real/keploy-win11-wfpstate.xml.gz"), CompressionMode.Decompress);
        using var text = new StreamReader(gz);
        return text.ReadToEnd();
    }

    [Fact]
    public void StateFeatures_EveryObjectImported_NothingSkipped()
    {
        var result = Import("state-features.xml", out var engine, out var document);
        Assert.Empty(result.Skipped);
        Assert.Equal((1, 1, 2, 3, 2), (result.Providers, result.Sublayers, result.Callouts, result.ProviderContexts, result.Filters));
        Assert.Equal(1, document.State["sessions"]);
        Assert.Equal(1, document.State["firewallState"]);
        Assert.Equal(1, document.State["aleConnectedEndpoints"]);

        var policy = engine.Current;
        var provider = policy.ProvidersByKey[new Guid("c3000000-0000-4000-8000-000000000001")];
        Assert.Equal(ProviderFlags.Persistent | ProviderFlags.Disabled, provider.Flags);

        var stream = policy.CalloutsByKey[new Guid("c2000000-0000-4000-8000-000000000001")];
        Assert.Equal(CalloutFlags.ConditionalOnFlow | CalloutFlags.Registered | CalloutFlags.AllowUso | CalloutFlags.AllowUro, stream.Flags);
        Assert.Equal(301u, stream.CalloutId);
        var offload = policy.CalloutsByKey[new Guid("c2000000-0000-4000-8000-000000000002")];
        Assert.Equal(0x203e2u, (uint)offload.Flags);

        var inspection = policy.FiltersByKey[new Guid("c4000000-0000-4000-8000-000000000001")];
        Assert.Equal(FilterAction.Callout(ActionType.CalloutInspection, stream.Key), inspection.Action);
        var tagged = policy.FiltersByKey[new Guid("c4000000-0000-4000-8000-000000000002")];
        Assert.Equal(FilterFlags.HasProviderContext | FilterFlags.Indexed | FilterFlags.HasFilterOrigin, tagged.Flags);
        Assert.Equal(new Guid("c6000000-0000-4000-8000-000000000001"), tagged.ProviderContextKey);

        var general = policy.ProviderContextsByKey[new Guid("c6000000-0000-4000-8000-000000000001")];
        Assert.Equal(ProviderContextType.General, general.Type);
        Assert.Equal(Convert.FromHexString("4f007200690067000000"), general.Data);
        Assert.Null(general.Policy);
        Assert.Equal(5001ul, general.ProviderContextId);

        var options = policy.ProviderContextsByKey[new Guid("c6000000-0000-4000-8000-000000000002")];
        Assert.Equal(ProviderContextType.ClassifyOptions, options.Type);
        Assert.Equal("classifyOptions{options[item{type=FWP_CLASSIFY_OPTION_LOOSE_SOURCE_MAPPING,value{type=FWP_UINT32,uint32=1}}]}", options.Policy!.ToString());

        var mm = policy.ProviderContextsByKey[new Guid("b25ea800-0d02-46ed-92bd-7fa84bb73e9d")];
        Assert.Equal(ProviderContextType.IpsecAuthipMm, mm.Type);
        Assert.Equal("IKEEXT_CIPHER_AES_256", mm.Policy!.Child("ikeProposals")!.Children[0].Child("cipherAlgorithm")!.Child("algoIdentifier")!.Text);
    }

    [Fact]
    public void FiltersDump_MissingReferences_BecomePlaceholders_NotSkips()
    {
        var result = Import("filters-references.xml", out var engine, out _);
        Assert.Empty(result.Skipped);
        Assert.Equal((1, 1, 1, 1, 2), (result.Providers, result.Sublayers, result.Callouts, result.ProviderContexts, result.Filters));
        var redirect = engine.Current.FiltersByKey[new Guid("d4000000-0000-4000-8000-000000000001")];
        Assert.Equal(new Guid("d6000000-0000-4000-8000-000000000001"), redirect.ProviderContextKey);
        Assert.Equal(new Guid("d2000000-0000-4000-8000-000000000001"), redirect.Action.CalloutKey);
        Assert.Equal(redirect.LayerKey, engine.Current.CalloutsByKey[redirect.Action.CalloutKey].ApplicableLayer);
        Assert.Contains(result.Notes, n => n.StartsWith("provider context {d6000000-", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.StartsWith("callout {d2000000-", StringComparison.Ordinal));
        var origin = engine.Current.FiltersByKey[new Guid("d4000000-0000-4000-8000-000000000002")];
        Assert.Equal(FilterFlags.BootTime | FilterFlags.HasFilterOrigin, origin.Flags);
    }

    [Fact]
    public void AppContainerConditions_ConditionalAceSdsAndPackageSids_ImportAndExportVerbatim()
    {
        var result = Import("filters-app-containers.xml", out var engine, out _);
        Assert.Empty(result.Skipped);
        Assert.Equal(3, result.Filters);
        var xml = NetshExporter.Write(engine.Current);
        Assert.Contains("<sd>O:SYG:SYD:(XA;;CC;;;WD;(WIN://SYSAPPID Contains \"Contoso.Widget_1a2b3c4d5e6f7\"))(A;;CC;;;S-1-15-3-1)(A;;CC;;;S-1-15-3-2)(A;;CC;;;S-1-15-3-3)</sd>", xml, StringComparison.Ordinal);
        Assert.Contains("<sid>S-1-15-2-1111111111-2222222222-3333333333-4044444444-555555555-666666666-777777777</sid>", xml, StringComparison.Ordinal);
        Assert.Contains("<fieldKey>FWPM_CONDITION_ALE_SIO_FIREWALL_SYSTEM_PORT</fieldKey>", xml, StringComparison.Ordinal);
        var again = NetshImporter.Import(NetshImporter.Read(xml, "export.xml"), out var second);
        Assert.Empty(again.Skipped);
        AssertSameObjects(engine, second);
    }

    [Fact]
    public void StateFeatures_ExportThenImport_GivesTheSameObjectsAndNetshFlagWords()
    {
        Import("state-features.xml", out var first, out _);
        var xml = NetshExporter.Write(first.Current);
        Assert.Contains("<item>00000300</item>", xml, StringComparison.Ordinal);
        Assert.Contains("<item>FWPM_FILTER_FLAG_HAS_FILTER_ORIGIN</item>", xml, StringComparison.Ordinal);
        Assert.Contains("<filterType>{c2000000-0000-4000-8000-000000000001}</filterType>", xml, StringComparison.Ordinal);
        Assert.Contains("<providerContextKey>FWPM_PROVIDER_CONTEXT_SECURE_SOCKET_AUTHIP</providerContextKey>", xml, StringComparison.Ordinal);

        var again = NetshImporter.Import(NetshImporter.Read(xml, "export.xml"), out var second);
        Assert.Empty(again.Skipped);
        AssertSameObjects(first, second);
    }

    [Fact]
    public void StateFeatures_NativeJson_KeepsProviderContextsAndState()
    {
        Import("state-features.xml", out var engine, out var document);
        var json = PolicyJsonWriter.Write(document.ToPolicyDocument());
        var back = PolicyJsonReader.Read(json, "policy.json");
        Assert.Equal(3, back.ProviderContexts.Count);
        var loaded = new FilterEngine();
        back.ApplyTo(loaded);
        foreach (var c in engine.Current.ProviderContextsByKey.Values)
        {
            var d = loaded.Current.ProviderContextsByKey[c.Key];
            Assert.Equal((c.Type, c.Flags, c.ProviderContextId, c.Policy), (d.Type, d.Flags, d.ProviderContextId, d.Policy));
            Assert.Equal(c.Data, d.Data);
        }

        Assert.Equal(engine.Current.CalloutsByKey[new Guid("c2000000-0000-4000-8000-000000000001")].Flags, loaded.Current.CalloutsByKey[new Guid("c2000000-0000-4000-8000-000000000001")].Flags);
        Assert.Equal(new Guid("c6000000-0000-4000-8000-000000000001"), loaded.Current.FiltersByKey[new Guid("c4000000-0000-4000-8000-000000000002")].ProviderContextKey);
    }

    [Fact]
    public void OutputOnlyFlags_AreStillRejectedOnAClientAdd()
    {
        var engine = new FilterEngine();
        using var txn = engine.BeginTransaction();
        var ex = Assert.Throws<Errors.WfpException>(() => txn.AddProvider(new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new("p"), Flags = ProviderFlags.Disabled }));
        Assert.Equal(Errors.WfpError.InvalidFlags, ex.Error);
        txn.KeepState = true;
        Assert.Equal(ProviderFlags.Disabled, txn.AddProvider(new ProviderSpec { Key = Guid.NewGuid(), DisplayData = new("p"), Flags = ProviderFlags.Disabled }).Flags);
    }

    [Fact]
    public void RealKeployDump_ImportsEveryObject_NothingSkipped()
    {
        var document = NetshImporter.Read(ReadReal(), "keploy-win11-wfpstate.xml");
        var result = NetshImporter.Import(document, out var engine);
        Assert.Empty(result.Skipped);
        Assert.Equal((7, 27, 41, 469, 1254), (result.Providers, result.Sublayers, result.Callouts, result.ProviderContexts, result.Filters));
        Assert.Equal(15, document.State["sessions"]);
        Assert.Equal(48, document.BuiltinCallouts.Count);
        Assert.Equal(19, result.BuiltinSublayerWeights); // by SDK name: 17 sublayers, two of them with a second name
        Assert.Equal(0x0001, engine.Current.SublayersByKey[OpenWfp.Engine.Catalog.LayerCatalog.TryFindSublayer("FWPM_SUBLAYER_TEREDO", out var teredo) ? teredo.Key : Guid.Empty].Weight);
    }

    [Fact]
    public void RealKeployDump_RoundTrip_ProviderContextsByteIdentical_ObjectsEqual()
    {
        var original = ReadReal();
        NetshImporter.Import(NetshImporter.Read(original, "keploy.xml"), out var first);
        var exported = NetshExporter.Write(first.Current);
        var again = NetshImporter.Import(NetshImporter.Read(exported, "export.xml"), out var second);
        Assert.Empty(again.Skipped);
        AssertSameObjects(first, second);

        // netsh's own format: every provider-context item of the export equals the dump's, after normalising white space.
        var wanted = Items(original, "providerContexts");
        var got = Items(exported, "providerContexts");
        Assert.Equal(469, wanted.Count);
        Assert.Equal(wanted, got);
    }

    private static List<string> Items(string xml, string section)
    {
        var end = xml.IndexOf("</wfpstate>", StringComparison.Ordinal);
        var root = XElement.Parse(end > 0 ? xml[..(end + "</wfpstate>".Length)] : xml);
        return [.. root.Element(section)!.Elements().Select(e => e.ToString(SaveOptions.DisableFormatting).Replace("<asString></asString>", "<asString />", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    private static void AssertSameObjects(FilterEngine a, FilterEngine b)
    {
        Assert.Equal(a.Current.FiltersByKey.Count, b.Current.FiltersByKey.Count);
        foreach (var f in a.Current.FiltersByKey.Values)
        {
            var g = b.Current.FiltersByKey[f.Key];
            Assert.Equal((f.Flags, f.Action, f.ProviderContextKey, f.FilterId, f.EffectiveWeight, f.LayerKey, f.SublayerKey), (g.Flags, g.Action, g.ProviderContextKey, g.FilterId, g.EffectiveWeight, g.LayerKey, g.SublayerKey));
            Assert.Equal(f.Conditions, g.Conditions);
        }

        Assert.Equal(a.Current.ProviderContextsByKey.Count, b.Current.ProviderContextsByKey.Count);
        foreach (var c in a.Current.ProviderContextsByKey.Values)
        {
            var d = b.Current.ProviderContextsByKey[c.Key];
            Assert.Equal((c.Type, c.Flags, c.ProviderContextId, c.Policy, c.DisplayData, c.ProviderKey), (d.Type, d.Flags, d.ProviderContextId, d.Policy, d.DisplayData, d.ProviderKey));
            Assert.Equal(c.Data, d.Data);
        }

        Assert.Equal(a.Current.CalloutsByKey.Keys.Order(), b.Current.CalloutsByKey.Keys.Order());
        foreach (var c in a.Current.CalloutsByKey.Values)
        {
            var d = b.Current.CalloutsByKey[c.Key];
            Assert.Equal((c.Flags, c.CalloutId, c.ApplicableLayer, c.ProviderKey, c.DisplayData), (d.Flags, d.CalloutId, d.ApplicableLayer, d.ProviderKey, d.DisplayData));
        }

        foreach (var p in a.Current.ProvidersByKey.Values)
        {
            var q = b.Current.ProvidersByKey[p.Key];
            Assert.Equal((p.Flags, p.DisplayData, p.ServiceName), (q.Flags, q.DisplayData, q.ServiceName));
        }
    }
}
