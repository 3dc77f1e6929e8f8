using System.Security.Cryptography;
using System.Text;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.PolicyFile;

/// <summary>
/// A native policy file, read: the providers, sublayers, callouts and filters it defines, as engine objects with
/// every name reference resolved to a key. <see cref="ApplyTo"/> adds them all in one transaction.
/// </summary>
public sealed class PolicyDocument
{
    /// <summary>The format version this code reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The file name errors mention.</summary>
    public string Source { get; init; } = "policy";

    /// <summary>The top-level description, if any.</summary>
    public string? Description { get; init; }

    /// <summary>The providers, in file order.</summary>
    public IReadOnlyList<ProviderSpec> Providers { get; init; } = [];

    /// <summary>The sublayers, in file order.</summary>
    public IReadOnlyList<SublayerSpec> Sublayers { get; init; } = [];

    /// <summary>The callouts, in file order.</summary>
    public IReadOnlyList<CalloutSpec> Callouts { get; init; } = [];

    /// <summary>The provider contexts, in file order.</summary>
    public IReadOnlyList<ProviderContextSpec> ProviderContexts { get; init; } = [];

    /// <summary>The filters, in file order (the engine assigns ids in this order).</summary>
    public IReadOnlyList<FilterSpec> Filters { get; init; } = [];

    /// <summary>
    /// A policy's objects as a document, in the engine's order (callouts, provider contexts and filters by id).
    /// Filter ids and effective weights have no place in the native format, so each filter's effective weight becomes
    /// its weight: the order of evaluation is kept whatever the source gave (an auto-weight, a range). Built-in objects
    /// are left out unless <paramref name="withBuiltins"/> (then references to them are written by their names too).
    /// </summary>
    public static PolicyDocument FromSnapshot(Policy.PolicySnapshot snapshot, string source, string? description = null, bool withBuiltins = false)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new PolicyDocument
        {
            Source = source,
            Description = description,
            Providers = [.. snapshot.ProvidersByKey.Values.Where(p => withBuiltins || !p.IsBuiltin).OrderBy(p => p.Key)],
            Sublayers = [.. snapshot.SublayersByKey.Values.Where(s => withBuiltins || !s.IsBuiltin).OrderBy(s => s.Key)],
            Callouts = [.. snapshot.CalloutsByKey.Values.Where(c => withBuiltins || !c.IsBuiltin).OrderBy(c => c.CalloutId).ThenBy(c => c.Key)],
            ProviderContexts = [.. snapshot.ProviderContextsByKey.Values.OrderBy(c => c.ProviderContextId).ThenBy(c => c.Key)],
            Filters = [.. snapshot.FiltersByKey.Values.OrderBy(f => f.FilterId).Select(f => f with { Weight = Values.FwpValue.FromUInt64(f.EffectiveWeight) })],
        };
    }

    /// <summary>How errors name an object: <c>filters[3] "Block telnet"</c>.</summary>
    public static string Label(string collection, int index, string? name) =>
        string.IsNullOrEmpty(name) ? $"{collection}[{index}]" : $"{collection}[{index}] \"{name}\"";

    /// <summary>
    /// A stable key for an object the file gives no key, so that the same file always yields the same keys (and
    /// explain output and scripts can rely on them).
    /// </summary>
    public static Guid DerivedKey(string kind, string identity)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("openwfp-policy/" + kind + "/" + identity));
        var bytes = hash.AsSpan(0, 16).ToArray();

        // RFC 9562 version 8 (custom) with the RFC variant, so the key reads as a well-formed GUID.
        bytes[7] = (byte)((bytes[7] & 0x0f) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>
    /// Adds every object to <paramref name="engine"/> in one transaction (providers, sublayers, callouts, then
    /// filters). If any is rejected nothing changes and a <see cref="PolicyFileException"/> names the object.
    /// </summary>
    /// <returns>The filters as stored (with ids).</returns>
    public IReadOnlyList<FilterSpec> ApplyTo(FilterEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        using var txn = engine.BeginTransaction();

        // A policy file may be an import of a Windows dump: it keeps the state the dump showed (docs/POLICY.md).
        txn.KeepState = true;
        for (var i = 0; i < Providers.Count; i++)
        {
            Apply(() => txn.AddProvider(Providers[i]), Label("providers", i, Providers[i].DisplayData.Name));
        }

        for (var i = 0; i < Sublayers.Count; i++)
        {
            Apply(() => txn.AddSublayer(Sublayers[i]), Label("sublayers", i, Sublayers[i].DisplayData.Name));
        }

        for (var i = 0; i < Callouts.Count; i++)
        {
            Apply(() => txn.AddCallout(Callouts[i]), Label("callouts", i, Callouts[i].DisplayData.Name));
        }

        for (var i = 0; i < ProviderContexts.Count; i++)
        {
            Apply(() => txn.AddProviderContext(ProviderContexts[i]), Label("providerContexts", i, ProviderContexts[i].DisplayData.Name));
        }

        var stored = new List<FilterSpec>(Filters.Count);
        for (var i = 0; i < Filters.Count; i++)
        {
            stored.Add(Apply(() => txn.AddFilter(Filters[i]), Label("filters", i, Filters[i].DisplayData.Name)));
        }

        txn.Commit();
        return stored;
    }

    private T Apply<T>(Func<T> add, string label)
    {
        try
        {
            return add();
        }
        catch (WfpException ex)
        {
            var what = string.Join("; ", ex.Details.Select(d => (d.Member.Length > 0 ? FileMember(d.Member) + ": " : "") + d.Message + " [" + WfpErrorInfo.NameOf(d.Error) + "]"));
            throw new PolicyFileException(Source, label, null, what, ex);
        }
    }

    // The engine names members as FWPM_* structs do; the file's own key names are what the user can find.
    private static string FileMember(string member) => member
        .Replace("filterCondition", "conditions", StringComparison.Ordinal)
        .Replace("conditionValue", "value", StringComparison.Ordinal)
        .Replace("matchType", "match", StringComparison.Ordinal)
        .Replace("fieldKey", "field", StringComparison.Ordinal)
        .Replace("subLayerKey", "sublayer", StringComparison.Ordinal)
        .Replace("layerKey", "layer", StringComparison.Ordinal)
        .Replace("displayData.name", "name", StringComparison.Ordinal)
        .Replace("action.calloutKey", "action.callout", StringComparison.Ordinal);
}
