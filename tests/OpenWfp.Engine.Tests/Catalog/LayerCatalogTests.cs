using System.Text.Json;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Catalog;

public sealed class LayerCatalogTests
{
    // GUIDs and ids as the Windows SDK defines them (fwpmu.h, fwpstypes.h; listed on Microsoft Learn's "Filtering Layer
    // Identifiers" and "Filtering Condition Identifiers" pages), hard-coded to pin the generator independently of the JSON.
    private static readonly Guid AleAuthConnectV4 = new("c38d57d1-05a7-4c33-904f-7fbceee60e82");
    private static readonly Guid ConditionIpRemoteAddress = new("b235ae9a-1d64-49b8-a44c-5ff3d9095045");
    private static readonly Guid ConditionIpProtocol = new("3971ef2b-623e-4f9a-8cb1-6e79b806b9a7");
    private static readonly Guid ConditionIpLocalPort = new("0c1ba1af-5765-453f-af22-a8f791ac775b");
    private static readonly Guid SublayerUniversal = new("eebecc03-ced4-4380-819a-2734397b2b74");
    private static readonly Guid ProviderMpssvcWsh = new("4b153735-1049-4480-aab4-d1b9bdc03710");
    private static readonly Guid ProviderIpsecDospConfig = new("3c6c05a9-c05c-4bb9-8338-2327814ce8bf");

    public static TheoryData<string> LayerNames =>
        new(CatalogJson.Layers.Select(l => l.GetProperty("layer").GetString()!));

    public static TheoryData<string> BuiltinGroups => new("sublayers", "providers", "provider_contexts", "callouts", "keying_modules");

    // ---- The generated catalog against layers.json -------------------------------------------------------------

    [Fact]
    public void LayersHaveTheJsonCountAndOrder()
    {
        var expected = CatalogJson.Layers.Select(l => l.GetProperty("layer").GetString()).ToArray();

        // The 97 layers of fwpmu.h and the two ALE accept redirect layers Windows reports without an SDK name.
        Assert.Equal(99, expected.Length);
        Assert.Equal(expected, LayerCatalog.Layers.Select(l => l.Name));
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void LayerMatchesJson(string layerName)
    {
        var json = CatalogJson.Layer(layerName);
        var m = new Mismatches();
        var layer = LayerCatalog.Layers.SingleOrDefault(l => l.Name == layerName);
        Assert.True(layer is not null, $"{layerName}: not in LayerCatalog.Layers");

        var where = layerName;
        m.Check(where, "Key", Guid.Parse(json.GetProperty("guid").GetString()!), layer.Key);
        m.Check(where, "ShortName", layerName["FWPM_LAYER_".Length..], layer.ShortName);
        m.Check(where, "FwpsName", json.GetProperty("fwps_layer").GetString(), layer.FwpsName);
        m.Check(where, "LayerId", json.GetProperty("layer_id").GetUInt16(), layer.LayerId);
        m.Check(where, "IsKernel", json.GetProperty("mode").GetString() switch
        {
            "kernel" => true,
            "user" => false,
            var other => throw new InvalidOperationException($"{where}: unmapped mode '{other}'"),
        }, layer.IsKernel);
        m.Check(where, "IsDiscard", json.GetProperty("discard").GetBoolean(), layer.IsDiscard);
        m.Check(where, "IpVersion", CatalogJson.IpVersion(json.GetProperty("ip_version").GetString()!, where), layer.IpVersion);
        m.Check(where, "Direction", CatalogJson.Direction(json.GetProperty("direction").GetString()!, where), layer.Direction);
        m.Check(where, "Family", json.GetProperty("family").GetString(), layer.Family);
        m.Check(where, "Since", json.GetProperty("guid_since").GetString(), layer.Since);
        m.Check(where, "FieldEnum", json.GetProperty("field_enum").GetString(), layer.FieldEnum);
        m.Check(where, "Note", CatalogJson.Str(json, "note"), layer.Note);
        m.Check(where, "field_count vs Fields.Count", json.GetProperty("field_count").GetInt32(), layer.Fields.Count);
        m.Check(where, "ToString()", layerName, layer.ToString());

        // Lookups must return this very object.
        m.Check(where, "ByKey(Key)", layer, LayerCatalog.ByKey(layer.Key));
        m.Check(where, "ById(LayerId)", layer, LayerCatalog.ById(layer.LayerId));
        m.Check(where, "TryFindLayer(Name)", layer, LayerCatalog.TryFindLayer(layerName, out var byName) ? byName : null);
        m.Check(where, "FwpsBuiltinLayers[FwpsName]", layer.LayerId,
            LayerCatalog.FwpsBuiltinLayers.TryGetValue(layer.FwpsName, out var fwpsId) ? fwpsId : (ushort)0xffff);
        m.Check(where, "BuiltinNameOf(Key)", layerName, LayerCatalog.BuiltinNameOf(layer.Key));

        var jsonFields = json.GetProperty("fields").EnumerateArray().ToArray();
        m.Check(where, "number of fields", jsonFields.Length, layer.Fields.Count);
        for (var i = 0; i < Math.Min(jsonFields.Length, layer.Fields.Count); i++)
        {
            CheckField(m, layer, jsonFields[i], layer.Fields[i]);
        }

        var metadataNames = json.TryGetProperty("metadata_fields", out var md)
            ? md.EnumerateArray().Select(e => e.GetString()!).ToArray()
            : [];
        var flags = CatalogJson.Root.GetProperty("fwps_metadata_field_flags");
        uint metadata = 0;
        foreach (var flag in metadataNames)
        {
            if (flags.TryGetProperty(flag, out var value))
            {
                metadata |= CatalogJson.Hex(value.GetString()!);
            }
            else
            {
                m.Fail(where, $"metadata flag {flag} is not in fwps_metadata_field_flags");
            }
        }

        m.Check(where, "MetadataFields", metadata, layer.MetadataFields);
        m.CheckSequence(where, "MetadataFieldNames", metadataNames, layer.MetadataFieldNames);
        m.AssertNone();
    }

    [Fact]
    public void ConditionsMatchJson()
    {
        var json = CatalogJson.Root.GetProperty("conditions").EnumerateArray().ToArray();
        // 138 DEFINE_GUIDs and 10 #define aliases of fwpmu.h.
        Assert.Equal(148, json.Length);
        Assert.Equal(json.Length, LayerCatalog.Conditions.Count);

        var m = new Mismatches();
        for (var i = 0; i < json.Length; i++)
        {
            var expected = json[i];
            var actual = LayerCatalog.Conditions[i];
            var name = expected.GetProperty("name").GetString()!;
            var where = $"conditions[{i}] {name}";
            var key = Guid.Parse(expected.GetProperty("guid").GetString()!);
            var aliasOf = CatalogJson.Str(expected, "alias_of");
            m.Check(where, "Name", name, actual.Name);
            m.Check(where, "Key", key, actual.Key);
            m.CheckSequence(where, "ValueTypes", CatalogJson.Types(expected, "value_types", where), actual.ValueTypes);
            m.Check(where, "AliasOf", aliasOf, actual.AliasOf);
            m.Check(where, "Since", CatalogJson.Str(expected, "since"), actual.Since);
            m.Check(where, "TryFindCondition(Name)", actual, LayerCatalog.TryFindCondition(name, out var found) ? found : null);

            // An alias shares its target's GUID; lookups by GUID report the canonical name.
            var canonical = aliasOf ?? name;
            m.Check(where, "ConditionNameOf(Key)", canonical, LayerCatalog.ConditionNameOf(key));
            m.Check(where, "BuiltinNameOf(Key)", canonical, LayerCatalog.BuiltinNameOf(key));
            if (aliasOf is not null)
            {
                var target = json.SingleOrDefault(c => c.GetProperty("name").GetString() == aliasOf);
                m.Check(where, "alias target's GUID", key,
                    target.ValueKind == JsonValueKind.Object ? Guid.Parse(target.GetProperty("guid").GetString()!) : Guid.Empty);
            }
        }

        m.AssertNone();
    }

    [Theory]
    [MemberData(nameof(BuiltinGroups))]
    public void BuiltinObjectsMatchJson(string group)
    {
        var (list, prefix) = group switch
        {
            "sublayers" => (LayerCatalog.Sublayers, "FWPM_SUBLAYER_"),
            "providers" => (LayerCatalog.Providers, "FWPM_PROVIDER_"),
            "provider_contexts" => (LayerCatalog.ProviderContexts, "FWPM_PROVIDER_CONTEXT_"),
            "callouts" => (LayerCatalog.Callouts, "FWPM_CALLOUT_"),
            "keying_modules" => (LayerCatalog.KeyingModules, "FWPM_KEYING_MODULE_"),
            _ => throw new ArgumentOutOfRangeException(nameof(group)),
        };
        var json = CatalogJson.Root.GetProperty(group).EnumerateObject().ToArray();
        Assert.NotEmpty(json);
        Assert.Equal(json.Length, list.Count);

        var m = new Mismatches();
        for (var i = 0; i < json.Length; i++)
        {
            var name = json[i].Name;
            var where = $"{group}[{i}] {name}";
            var actual = list[i];
            var key = Guid.Parse(json[i].Value.GetProperty("guid").GetString()!);
            var aliasOf = CatalogJson.Str(json[i].Value, "alias_of");
            m.Check(where, "Name", name, actual.Name);
            m.Check(where, "Key", key, actual.Key);
            m.Check(where, "Since (empty when absent)", CatalogJson.Str(json[i].Value, "since") ?? string.Empty, actual.Since);
            m.Check(where, "AliasOf", aliasOf, actual.AliasOf);
            m.Check(where, "BuiltinNameOf(Key)", aliasOf ?? name, LayerCatalog.BuiltinNameOf(key));

            var shortName = name[prefix.Length..];
            var found = group switch
            {
                "sublayers" => LayerCatalog.TryFindSublayer(shortName, out var s) ? s : null,
                "providers" => LayerCatalog.TryFindProvider(shortName, out var p) ? p : null,
                "provider_contexts" => LayerCatalog.TryFindProviderContext(shortName, out var pc) ? pc : null,
                "callouts" => LayerCatalog.TryFindCallout(shortName, out var c) ? c : null,
                _ => LayerCatalog.TryFindKeyingModule(shortName, out var k) ? k : null,
            };
            m.Check(where, "TryFind(short name)", actual, found);
        }

        m.AssertNone();
    }

    [Fact]
    public void FwpsBuiltinLayersMatchJson()
    {
        var json = CatalogJson.Root.GetProperty("fwps_builtin_layers").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetUInt16());

        Assert.Equal(json.Count, LayerCatalog.FwpsBuiltinLayers.Count);
        Assert.Equal(
            json.OrderBy(p => p.Key, StringComparer.Ordinal),
            LayerCatalog.FwpsBuiltinLayers.OrderBy(p => p.Key, StringComparer.Ordinal));

        // Only the MAX sentinel has no layer: the reserved ids 83/84 are the ALE accept redirect layers.
        var withoutLayer = json.Where(p => LayerCatalog.ById(p.Value) is null).Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["FWPS_BUILTIN_LAYER_MAX"], withoutLayer);
    }

    [Fact]
    public void FwpsFieldAliasesMatchJson()
    {
        var json = CatalogJson.Root.GetProperty("fwps_field_aliases").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);

        Assert.Equal(60, json.Count);
        Assert.Equal(
            json.OrderBy(p => p.Key, StringComparer.Ordinal),
            LayerCatalog.FwpsFieldAliases.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void MetadataFieldFlagsMatchJson()
    {
        var json = CatalogJson.Root.GetProperty("fwps_metadata_field_flags").EnumerateObject()
            .ToDictionary(p => p.Name, p => CatalogJson.Hex(p.Value.GetString()!));

        Assert.Equal(39, json.Count);
        Assert.Equal(
            json.OrderBy(p => p.Key, StringComparer.Ordinal),
            LayerCatalog.MetadataFieldFlags.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(0x80000000u, LayerCatalog.MetadataFieldFlags["FWPS_METADATA_FIELD_SUB_PROCESS_TAG"]);
    }

    [Fact]
    public void GeneratedFileCarriesTheGeneratorHeader()
    {
        var path = Path.Combine(CatalogJson.RepoRoot, "src/OpenWfp.Engine/Catalog/Generated/LayerCatalog.g.cs");

        Assert.Equal(
            "// <auto-generated/> Generated by tools/gen-catalog.cs from Catalog/layers.json; do not edit.",
            File.ReadLines(path).First());
    }

    // ---- Spot checks pinned to the SDK's constants --------------------------------------------------------------

    [Fact]
    public void AleAuthConnectV4HasTheSdkGuidAndItsRunTimeId()
    {
        Assert.True(LayerCatalog.TryFindLayer("FWPM_LAYER_ALE_AUTH_CONNECT_V4", out var layer));
        var runTimeId = LayerCatalog.FwpsBuiltinLayers["FWPS_LAYER_ALE_AUTH_CONNECT_V4"];

        Assert.Equal(AleAuthConnectV4, layer.Key);
        Assert.Equal(runTimeId, layer.LayerId);
        Assert.Same(layer, LayerCatalog.ById(runTimeId));
        Assert.Same(layer, LayerCatalog.ByKey(AleAuthConnectV4));
        Assert.True(layer.IsKernel);
        Assert.False(layer.IsDiscard);
        Assert.Equal(IpVersion.V4, layer.IpVersion);
        Assert.Equal(LayerDirection.Outbound, layer.Direction);
        Assert.Equal("FWPM_LAYER_ALE_AUTH_CONNECT_V4", layer.ToString());
    }

    [Fact]
    public void ConditionGuidsMatchTheSdk()
    {
        Assert.True(LayerCatalog.TryFindCondition("FWPM_CONDITION_IP_REMOTE_ADDRESS", out var remoteAddress));
        Assert.True(LayerCatalog.TryFindCondition("FWPM_CONDITION_IP_PROTOCOL", out var protocol));
        Assert.True(LayerCatalog.TryFindCondition("FWPM_CONDITION_IP_LOCAL_PORT", out var localPort));

        Assert.Equal(ConditionIpRemoteAddress, remoteAddress.Key);
        Assert.Equal(ConditionIpProtocol, protocol.Key);
        Assert.Equal(ConditionIpLocalPort, localPort.Key);
        Assert.Null(localPort.AliasOf);
        Assert.Equal([FwpDataType.UInt8], protocol.ValueTypes);
    }

    [Fact]
    public void IcmpTypeIsAnAliasSharingTheIpLocalPortGuid()
    {
        Assert.True(LayerCatalog.TryFindCondition("ICMP_TYPE", out var icmpType));

        Assert.Equal("FWPM_CONDITION_ICMP_TYPE", icmpType.Name);
        Assert.Equal(ConditionIpLocalPort, icmpType.Key);
        Assert.Equal("FWPM_CONDITION_IP_LOCAL_PORT", icmpType.AliasOf);
        Assert.Equal("FWPM_CONDITION_IP_LOCAL_PORT", LayerCatalog.ConditionNameOf(ConditionIpLocalPort));
        Assert.Equal("FWPM_CONDITION_IP_LOCAL_PORT", LayerCatalog.BuiltinNameOf(ConditionIpLocalPort));
        Assert.True(LayerCatalog.TryFindCondition(ConditionIpLocalPort.ToString("B"), out var byGuid));
        Assert.Equal("FWPM_CONDITION_IP_LOCAL_PORT", byGuid.Name);
    }

    [Fact]
    public void SublayerUniversalIsTheSpecDefaultSublayer()
    {
        Assert.Equal(SublayerUniversal, LayerCatalog.SublayerUniversal);
        Assert.True(LayerCatalog.TryFindSublayer("universal", out var universal));
        Assert.Equal(SublayerUniversal, universal.Key);
        Assert.Equal("FWPM_SUBLAYER_UNIVERSAL", LayerCatalog.BuiltinNameOf(SublayerUniversal));
    }

    [Fact]
    public void ProvidersUseTheSdkGuids()
    {
        Assert.True(LayerCatalog.TryFindProvider("FWPM_PROVIDER_MPSSVC_WSH", out var wsh));
        Assert.True(LayerCatalog.TryFindProvider("ipsec_dosp_config", out var dosp));

        Assert.Equal(ProviderMpssvcWsh, wsh.Key);
        Assert.Equal(ProviderIpsecDospConfig, dosp.Key);
        Assert.NotEqual(new Guid("3c6c0519-c05c-4bb9-8338-2327814ce8bf"), dosp.Key); // mingw-w64's typo
        Assert.Equal("FWPM_PROVIDER_IPSEC_DOSP_CONFIG", LayerCatalog.BuiltinNameOf(ProviderIpsecDospConfig));
    }

    [Fact]
    public void SublayerAliasResolvesToItsTarget()
    {
        Assert.True(LayerCatalog.TryFindSublayer("EDGE_TRAVERSAL", out var edge));
        Assert.True(LayerCatalog.TryFindSublayer("FWPM_SUBLAYER_TEREDO", out var teredo));

        Assert.Equal("FWPM_SUBLAYER_TEREDO", edge.AliasOf);
        Assert.Equal(teredo.Key, edge.Key);
        Assert.Equal(string.Empty, edge.Since);
        Assert.Equal("FWPM_SUBLAYER_TEREDO", LayerCatalog.BuiltinNameOf(edge.Key));
        Assert.True(LayerCatalog.TryFindSublayer(edge.Key.ToString(), out var byGuid));
        Assert.Same(teredo, byGuid);
    }

    [Theory]
    [InlineData("FWPM_LAYER_ALE_AUTH_CONNECT_V4")]
    [InlineData("ALE_AUTH_CONNECT_V4")]
    [InlineData("ale_auth_connect_v4")]
    [InlineData("fwpm_layer_Ale_Auth_Connect_V4")]
    [InlineData("FWPS_LAYER_ALE_AUTH_CONNECT_V4")]
    [InlineData("c38d57d1-05a7-4c33-904f-7fbceee60e82")]
    [InlineData("{C38D57D1-05A7-4C33-904F-7FBCEEE60E82}")]
    [InlineData("  ALE_AUTH_CONNECT_V4 ")]
    public void TryFindLayerAcceptsNamesAndGuidText(string text)
    {
        Assert.True(LayerCatalog.TryFindLayer(text, out var layer));
        Assert.Equal(AleAuthConnectV4, layer.Key);
    }

    [Theory]
    [InlineData("FWPM_CONDITION_IP_REMOTE_ADDRESS")]
    [InlineData("IP_REMOTE_ADDRESS")]
    [InlineData("ip_remote_address")]
    [InlineData("Fwpm_Condition_Ip_Remote_Address")]
    [InlineData("b235ae9a-1d64-49b8-a44c-5ff3d9095045")]
    [InlineData("{B235AE9A-1D64-49B8-A44C-5FF3D9095045}")]
    public void TryFindConditionAcceptsNamesAndGuidText(string text)
    {
        Assert.True(LayerCatalog.TryFindCondition(text, out var condition));
        Assert.Equal("FWPM_CONDITION_IP_REMOTE_ADDRESS", condition.Name);
        Assert.Equal(ConditionIpRemoteAddress, condition.Key);
    }

    [Theory]
    [InlineData("FWPM_PROVIDER_MPSSVC_WSH")]
    [InlineData("mpssvc_wsh")]
    [InlineData("4b153735-1049-4480-aab4-d1b9bdc03710")]
    [InlineData("{4B153735-1049-4480-AAB4-D1B9BDC03710}")]
    public void TryFindProviderAcceptsNamesAndGuidText(string text)
    {
        Assert.True(LayerCatalog.TryFindProvider(text, out var provider));
        Assert.Equal(ProviderMpssvcWsh, provider.Key);
    }

    [Fact]
    public void TryFindCalloutAcceptsNamesWithAndWithoutPrefix()
    {
        Assert.True(LayerCatalog.TryFindCallout("FWPM_CALLOUT_IPSEC_INBOUND_TRANSPORT_V4", out var full));
        Assert.True(LayerCatalog.TryFindCallout("ipsec_inbound_transport_v4", out var bare));

        Assert.Equal(new Guid("5132900d-5e84-4b5f-80e4-01741e81ff10"), full.Key);
        Assert.Same(full, bare);
    }

    [Fact]
    public void UnknownNamesAndKeysAreNotFound()
    {
        var unknown = new Guid("01234567-89ab-cdef-0123-456789abcdef");

        Assert.False(LayerCatalog.TryFindLayer("FWPM_LAYER_NO_SUCH_LAYER", out _));
        Assert.False(LayerCatalog.TryFindLayer(unknown.ToString(), out _));
        Assert.False(LayerCatalog.TryFindCondition("NO_SUCH_CONDITION", out _));
        Assert.False(LayerCatalog.TryFindSublayer("FWPM_PROVIDER_MPSSVC_WSH", out _)); // a provider, not a sublayer
        Assert.False(LayerCatalog.TryFindProvider(string.Empty, out _));
        Assert.False(LayerCatalog.TryFindCallout(unknown.ToString("B"), out _));
        Assert.Null(LayerCatalog.ByKey(unknown));
        Assert.Null(LayerCatalog.ByKey(Guid.Empty));
        Assert.Null(LayerCatalog.ById(LayerCatalog.FwpsBuiltinLayers["FWPS_BUILTIN_LAYER_MAX"]));
        Assert.Null(LayerCatalog.ById(ushort.MaxValue));
        Assert.Null(LayerCatalog.ConditionNameOf(unknown));
        Assert.Null(LayerCatalog.BuiltinNameOf(unknown));
    }

    [Fact]
    public void FieldIndexOfIpRemotePortOnAleAuthConnectV4IsTheJsonIndex()
    {
        var jsonIndex = CatalogJson.Layer("FWPM_LAYER_ALE_AUTH_CONNECT_V4").GetProperty("fields").EnumerateArray()
            .Single(f => f.GetProperty("field").GetString() == "IP_REMOTE_PORT").GetProperty("index").GetInt32();
        Assert.True(LayerCatalog.TryFindCondition("IP_REMOTE_PORT", out var remotePort));

        var layer = LayerCatalog.ByKey(AleAuthConnectV4)!;

        Assert.Equal(jsonIndex, layer.FieldIndexOf(remotePort.Key));
        Assert.Equal("FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT", layer.Fields[jsonIndex].FwpsName);
        Assert.Equal(FwpDataType.UInt16, layer.Fields[jsonIndex].IncomingType);
    }

    [Fact]
    public void FieldIndexOfReturnsMinusOneForAbsentOrEmptyKeys()
    {
        var layer = LayerCatalog.ByKey(AleAuthConnectV4)!;
        Assert.True(LayerCatalog.TryFindCondition("FWPM_CONDITION_IP_SOURCE_ADDRESS", out var sourceAddress));

        Assert.Equal(-1, layer.FieldIndexOf(sourceAddress.Key)); // only at forward/vSwitch layers
        Assert.Equal(-1, layer.FieldIndexOf(Guid.Empty)); // no field has the empty key
        Assert.Equal(-1, layer.FieldIndexOf(AleAuthConnectV4)); // a layer key, not a condition key
    }

    [Theory]
    [InlineData("IP_REMOTE_ADDRESS", "IP_REMOTE_ADDRESS")]
    [InlineData("ip_remote_address", "IP_REMOTE_ADDRESS")]
    [InlineData("FWPM_CONDITION_IP_REMOTE_ADDRESS", "IP_REMOTE_ADDRESS")]
    [InlineData("FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_ADDRESS", "IP_REMOTE_ADDRESS")]
    [InlineData("b235ae9a-1d64-49b8-a44c-5ff3d9095045", "IP_REMOTE_ADDRESS")]
    [InlineData("{b235ae9a-1d64-49b8-a44c-5ff3d9095045}", "IP_REMOTE_ADDRESS")]
    [InlineData("ICMP_TYPE", "IP_LOCAL_PORT")]
    [InlineData("fwpm_condition_icmp_code", "IP_REMOTE_PORT")]
    [InlineData("FWPS_FIELD_ALE_AUTH_CONNECT_V4_ICMP_TYPE", "IP_LOCAL_PORT")]
    [InlineData("ALE_PACKAGE_FAMILY_NAME", "PACKAGE_FAMILY_NAME")]
    [InlineData("PACKAGE_FAMILY_NAME", "PACKAGE_FAMILY_NAME")]
    [InlineData("RESERVED_0", "RESERVED_0")]
    public void FindFieldOnAleAuthConnectV4(string text, string expectedField)
    {
        var layer = LayerCatalog.ByKey(AleAuthConnectV4)!;

        var field = layer.FindField(text);

        Assert.NotNull(field);
        Assert.Equal(expectedField, field.Name);
        Assert.Same(layer.Fields[field.Index], field);
    }

    [Theory]
    [InlineData("NO_SUCH_FIELD")]
    [InlineData("FWPM_CONDITION_IP_SOURCE_ADDRESS")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef")]
    [InlineData("")]
    public void FindFieldReturnsNullForFieldsTheLayerLacks(string text)
    {
        var layer = LayerCatalog.ByKey(AleAuthConnectV4)!;

        Assert.Null(layer.FindField(text));
    }

    [Fact]
    public void ReservedAndAnnotatedFieldsFollowTheMappingRules()
    {
        var connect = LayerCatalog.ByKey(AleAuthConnectV4)!;
        var reserved = connect.FindField("RESERVED_0")!;
        var userId = connect.FindField("ALE_USER_ID")!;
        var remoteUserId = connect.FindField("ALE_REMOTE_USER_ID")!;
        var packageFamily = connect.FindField("PACKAGE_FAMILY_NAME")!;

        // Windows lists FWPM_CONDITION_RESERVED0 (a byte blob) for the field fwpsu.h calls RESERVED_0.
        Assert.Equal("FWPM_CONDITION_RESERVED0", reserved.ConditionName);
        Assert.Equal(new Guid("678f4deb-45af-4882-93fe-19d4729d9834"), reserved.ConditionKey);
        Assert.Equal(FwpDataType.ByteBlob, reserved.IncomingType);
        Assert.Equal([FwpDataType.ByteBlob], reserved.ConditionTypes);
        Assert.StartsWith("observed in netsh wfp show state, Windows build 26100", reserved.Note);
        Assert.Equal(FwpDataType.TokenAccessInformation, userId.IncomingType);
        Assert.Null(userId.IncomingTypeNote);
        // The token fields have the types Windows reports, not guesses: no annotation is left.
        Assert.Equal(FwpDataType.TokenAccessInformation, remoteUserId.IncomingType);
        Assert.Null(remoteUserId.IncomingTypeNote);
        Assert.Contains("as netsh wfp show state reports it", remoteUserId.Note, StringComparison.Ordinal);
        Assert.Equal(FwpDataType.TokenAccessInformation, packageFamily.IncomingType);
        Assert.Null(packageFamily.IncomingTypeNote);
        Assert.Equal([FwpDataType.SecurityDescriptor], packageFamily.ConditionTypes);
        Assert.Equal(FwpDataType.TokenInformation, LayerCatalog.Layer("RPC_UM").Field("REMOTE_USER_TOKEN").IncomingType);
        Assert.All(LayerCatalog.Layers.SelectMany(l => l.Fields), f => Assert.Null(f.IncomingTypeNote));
    }

    [Fact]
    public void HotPathLookupsDoNotAllocate()
    {
        var layer = LayerCatalog.ByKey(AleAuthConnectV4)!;
        var keys = layer.Fields.Where(f => f.ConditionKey is not null).Select(f => f.ConditionKey!.Value).ToArray();
        var ids = LayerCatalog.Layers.Select(l => l.LayerId).ToArray();
        var sum = Exercise(); // warm up (tiered JIT, static initialization)

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            sum += Exercise();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0L, allocated);
        Assert.Equal(101L * (keys.Length + ids.Length + 1), sum);

        long Exercise()
        {
            long hits = 0;
            foreach (var key in keys)
            {
                hits += layer.FieldIndexOf(key) >= 0 ? 1 : 0;
            }

            foreach (var id in ids)
            {
                hits += LayerCatalog.ById(id) is not null ? 1 : 0;
            }

            hits += LayerCatalog.ByKey(AleAuthConnectV4) is not null ? 1 : 0;
            return hits;
        }
    }

    private static void CheckField(Mismatches m, LayerInfo layer, JsonElement json, LayerFieldInfo field)
    {
        var fwpsName = json.GetProperty("fwps_field").GetString()!;
        var where = $"{layer.Name}.{fwpsName}";
        var (incomingType, incomingNote) = CatalogJson.IncomingType(CatalogJson.Str(json, "incoming_value_type"), where);
        var conditionKey = CatalogJson.GuidOrNull(json, "condition_guid");

        m.Check(where, "Index", json.GetProperty("index").GetInt32(), field.Index);
        m.Check(where, "FwpsName", fwpsName, field.FwpsName);
        m.Check(where, "Name", json.GetProperty("field").GetString(), field.Name);
        m.Check(where, "ConditionName", CatalogJson.Str(json, "condition"), field.ConditionName);
        m.Check(where, "ConditionKey", conditionKey, field.ConditionKey);
        m.Check(where, "ConditionAliasOf", CatalogJson.Str(json, "condition_alias_of"), field.ConditionAliasOf);
        m.Check(where, "IncomingType", incomingType, field.IncomingType);
        m.Check(where, "IncomingTypeNote", incomingNote, field.IncomingTypeNote);
        m.CheckSequence(where, "ConditionTypes", CatalogJson.Types(json, "condition_value_types", where), field.ConditionTypes);
        m.Check(where, "Since", json.GetProperty("since").GetString(), field.Since);
        m.Check(where, "Note", CatalogJson.Str(json, "note"), field.Note);

        // Lookups on the layer find this field.
        m.Check(where, "FindField(Name)", field, layer.FindField(field.Name));
        m.Check(where, "FindField(FwpsName)", field, layer.FindField(fwpsName));
        if (conditionKey is { } key)
        {
            m.Check(where, "FieldIndexOf(ConditionKey)", field.Index, layer.FieldIndexOf(key));
            m.Check(where, "FindField(condition GUID text)", field, layer.FindField(key.ToString("B")));
        }

        if (field.ConditionName is { } conditionName)
        {
            m.Check(where, "FindField(ConditionName)", field, layer.FindField(conditionName));
        }
    }
}
