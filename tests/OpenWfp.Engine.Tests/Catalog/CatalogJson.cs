using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Values;

namespace OpenWfp.Engine.Tests.Catalog;

/// <summary>
/// The test oracle: <c>src/OpenWfp.Engine/Catalog/layers.json</c> read with System.Text.Json, plus the mapping rules from
/// JSON text to the catalog's enums, written independently of the generator.
/// </summary>
internal static class CatalogJson
{
    public const string RelativePath = "src/OpenWfp.Engine/Catalog/layers.json";

    private static readonly Lazy<string> LazyRepoRoot = new(() => FindRepoRoot());
    private static readonly Lazy<JsonDocument> LazyDocument = new(() => JsonDocument.Parse(File.ReadAllBytes(JsonPath)));

    private static readonly Dictionary<string, FwpDataType> PlainTypes = new(StringComparer.Ordinal)
    {
        ["FWP_EMPTY"] = FwpDataType.Empty,
        ["FWP_UINT8"] = FwpDataType.UInt8,
        ["FWP_UINT16"] = FwpDataType.UInt16,
        ["FWP_UINT32"] = FwpDataType.UInt32,
        ["FWP_UINT64"] = FwpDataType.UInt64,
        ["FWP_INT8"] = FwpDataType.Int8,
        ["FWP_INT16"] = FwpDataType.Int16,
        ["FWP_INT32"] = FwpDataType.Int32,
        ["FWP_INT64"] = FwpDataType.Int64,
        ["FWP_FLOAT"] = FwpDataType.Float,
        ["FWP_DOUBLE"] = FwpDataType.Double,
        ["FWP_BYTE_ARRAY16_TYPE"] = FwpDataType.ByteArray16,
        ["FWP_BYTE_BLOB_TYPE"] = FwpDataType.ByteBlob,
        ["FWP_SID"] = FwpDataType.Sid,
        ["FWP_SECURITY_DESCRIPTOR_TYPE"] = FwpDataType.SecurityDescriptor,
        ["FWP_TOKEN_INFORMATION_TYPE"] = FwpDataType.TokenInformation,
        ["FWP_TOKEN_ACCESS_INFORMATION_TYPE"] = FwpDataType.TokenAccessInformation,
        ["FWP_UNICODE_STRING_TYPE"] = FwpDataType.UnicodeString,
        ["FWP_BYTE_ARRAY6_TYPE"] = FwpDataType.ByteArray6,
        ["FWP_V4_ADDR_MASK"] = FwpDataType.V4AddrMask,
        ["FWP_V6_ADDR_MASK"] = FwpDataType.V6AddrMask,
        ["FWP_RANGE_TYPE"] = FwpDataType.Range,
    };

    public static string RepoRoot => LazyRepoRoot.Value;

    public static string JsonPath => Path.Combine(RepoRoot, RelativePath);

    public static JsonElement Root => LazyDocument.Value.RootElement;

    public static IEnumerable<JsonElement> Layers => Root.GetProperty("layers").EnumerateArray();

    public static JsonElement Layer(string name) =>
        Layers.Single(l => l.GetProperty("layer").GetString() == name);

    /// <summary>A string property; <see langword="null"/> when the property is absent or JSON null.</summary>
    public static string? Str(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;

    public static Guid? GuidOrNull(JsonElement element, string property) =>
        Str(element, property) is { } text ? Guid.Parse(text) : null;

    public static FwpDataType PlainType(string text, string where) =>
        PlainTypes.TryGetValue(text, out var type) ? type : throw new InvalidOperationException($"{where}: unknown type '{text}'");

    /// <summary>A list of type names; empty when the property is absent or JSON null.</summary>
    public static FwpDataType[] Types(JsonElement element, string property, string where) =>
        element.TryGetProperty(property, out var list) && list.ValueKind != JsonValueKind.Null
            ? list.EnumerateArray().Select(t => PlainType(t.GetString()!, where)).ToArray()
            : [];

    /// <summary>The brief's rules for incoming_value_type: plain names map directly, annotations keep their text.</summary>
    public static (FwpDataType Type, string? Note) IncomingType(string? text, string where)
    {
        if (text is null)
        {
            return (FwpDataType.Empty, null);
        }

        if (PlainTypes.TryGetValue(text, out var plain))
        {
            return (plain, null);
        }

        if (text == "FWP_TOKEN_INFORMATION_TYPE (inferred)")
        {
            return (FwpDataType.TokenInformation, text);
        }

        if (text.StartsWith("token/blob-like", StringComparison.Ordinal))
        {
            return (FwpDataType.TokenAccessInformation, text);
        }

        throw new InvalidOperationException($"{where}: unmapped incoming_value_type '{text}'");
    }

    public static LayerDirection Direction(string text, string where) => text switch
    {
        "inbound" => LayerDirection.Inbound,
        "outbound" => LayerDirection.Outbound,
        "forward" => LayerDirection.Forward,
        "n/a" => LayerDirection.NotApplicable,
        _ when text.StartsWith("both", StringComparison.Ordinal) => LayerDirection.Both,
        _ => throw new InvalidOperationException($"{where}: unmapped direction '{text}'"),
    };

    public static IpVersion IpVersion(string text, string where) => text switch
    {
        "V4" => Engine.Catalog.IpVersion.V4,
        "V6" => Engine.Catalog.IpVersion.V6,
        "NONE" => Engine.Catalog.IpVersion.None,
        _ => throw new InvalidOperationException($"{where}: unmapped ip_version '{text}'"),
    };

    public static uint Hex(string text) =>
        uint.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>
    /// Walks up from the test assembly's directory to the directory holding <c>wfp.slnx</c>. When the build output
    /// lives outside the repository (<c>--artifacts-path /tmp/...</c>), falls back to this source file's compile-time
    /// path, then to the current directory.
    /// </summary>
    private static string FindRepoRoot([CallerFilePath] string sourceFile = "")
    {
        var starts = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile), Directory.GetCurrentDirectory() };
        foreach (var start in starts)
        {
            if (string.IsNullOrEmpty(start))
            {
                continue;
            }

            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "wfp.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"No wfp.slnx above {AppContext.BaseDirectory}, {sourceFile} or {Directory.GetCurrentDirectory()}.");
    }
}
