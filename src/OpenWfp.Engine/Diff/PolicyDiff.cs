using System.Text.Json;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Policy;
using OpenWfp.Engine.PolicyFile;

namespace OpenWfp.Engine.Diff;

/// <summary>
/// What differs between two policies, object by object: objects are matched by key (the identity WFP itself uses,
/// so a renamed filter is one changed object, not a removal and an addition), and compared field by field in their
/// native JSON form (docs/POLICY.md), so every property the policy format carries takes part without a second list
/// of fields to keep in step.
/// </summary>
public static class PolicyDiff
{
    // Run-time state that two loads of the same policy do not share; comparing it would report every filter.
    private static readonly HashSet<string> StateProperties = ["filterId", "calloutId", "providerContextId"];

    // Properties that name another object: compared by the referenced object's key, shown by its name.
    private static readonly Dictionary<string, ObjectKind> References = new(StringComparer.Ordinal)
    {
        ["provider"] = ObjectKind.Provider,
        ["sublayer"] = ObjectKind.Sublayer,
        ["callout"] = ObjectKind.Callout,
        ["providerContext"] = ObjectKind.ProviderContext,
    };

    /// <summary>Every object added, removed or changed from <paramref name="before"/> to <paramref name="after"/>, kind by kind, in key order.</summary>
    public static IReadOnlyList<ObjectChange> Compare(PolicySnapshot before, PolicySnapshot after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = Canonical.Of(before);
        var b = Canonical.Of(after);
        var changes = new List<ObjectChange>();
        foreach (var kind in Enum.GetValues<ObjectKind>())
        {
            var left = a.Objects(kind);
            var right = b.Objects(kind);
            foreach (var key in left.Keys.Union(right.Keys).Order())
            {
                var inA = left.TryGetValue(key, out var x);
                var inB = right.TryGetValue(key, out var y);
                if (inA && !inB)
                {
                    changes.Add(new ObjectChange(kind, key, x!.Name, ChangeType.Removed, x.Layer, []));
                }
                else if (!inA && inB)
                {
                    changes.Add(new ObjectChange(kind, key, y!.Name, ChangeType.Added, y.Layer, []));
                }
                else
                {
                    var fields = CompareFields(x!, y!, a, b);
                    if (fields.Count > 0)
                    {
                        changes.Add(new ObjectChange(kind, key, y!.Name, ChangeType.Changed, y.Layer ?? x!.Layer, fields));
                    }
                }
            }
        }

        return changes;
    }

    private static List<FieldChange> CompareFields(CanonicalObject x, CanonicalObject y, Canonical a, Canonical b)
    {
        var fields = new List<FieldChange>();
        foreach (var name in x.Properties.Keys.Union(y.Properties.Keys).Order(StringComparer.Ordinal))
        {
            if (StateProperties.Contains(name))
            {
                continue;
            }

            x.Properties.TryGetValue(name, out var before);
            y.Properties.TryGetValue(name, out var after);
            if (References.TryGetValue(name, out var kind))
            {
                if (a.Resolve(kind, before) != b.Resolve(kind, after))
                {
                    fields.Add(new FieldChange(name, Text(before), Text(after), [], []));
                }

                continue;
            }

            if (name == "action" && (before is { ValueKind: JsonValueKind.Object } || after is { ValueKind: JsonValueKind.Object }))
            {
                // A callout action names its callout like any reference: compared by key.
                if (a.ResolveAction(before) != b.ResolveAction(after))
                {
                    fields.Add(new FieldChange(name, Text(before), Text(after), [], []));
                }

                continue;
            }

            if (before is { ValueKind: JsonValueKind.Array } || after is { ValueKind: JsonValueKind.Array })
            {
                var left = Items(before);
                var right = Items(after);
                if (!left.SequenceEqual(right, StringComparer.Ordinal))
                {
                    // A list is reported as the items that left and the items that came, the way a person reads a
                    // change to a condition list; a pure reordering (significant for nothing but display) shows as such.
                    var removed = Subtract(left, right);
                    var added = Subtract(right, left);
                    fields.Add(new FieldChange(name, removed.Count + added.Count == 0 ? "(same items, other order)" : null, null, removed, added));
                }

                continue;
            }

            var t1 = Text(before);
            var t2 = Text(after);
            if (!string.Equals(t1, t2, StringComparison.Ordinal))
            {
                fields.Add(new FieldChange(name, t1, t2, [], []));
            }
        }

        return fields;
    }

    private static List<string> Items(JsonElement? list) =>
        list is { ValueKind: JsonValueKind.Array } array ? [.. array.EnumerateArray().Select(e => Text(e)!)] : [];

    // Multiset difference: a condition listed twice on one side and once on the other is one removal.
    private static List<string> Subtract(List<string> from, List<string> remove)
    {
        var left = new List<string>(from);
        foreach (var item in remove)
        {
            left.Remove(item);
        }

        return left;
    }

    private static string? Text(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Object } o => string.Join(' ', o.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())),
        { } other => other.GetRawText(),
    };

    /// <summary>One policy in the comparable form: per kind, key → the object's native JSON properties.</summary>
    private sealed class Canonical
    {
        private readonly Dictionary<ObjectKind, Dictionary<Guid, CanonicalObject>> _objects = [];
        private readonly Dictionary<ObjectKind, Dictionary<string, List<Guid>>> _names = [];

        public static Canonical Of(PolicySnapshot snapshot)
        {
            // Built-in objects go into the document too, so references to them are written by name like any other.
            // Filters carry their effective weight: it decides the order of evaluation, and is what two policies must
            // agree on whether one gave it as a number and the other as an auto-weight.
            var document = PolicyDocument.FromSnapshot(snapshot, "policy", withBuiltins: true);
            using var json = JsonDocument.Parse(PolicyJsonWriter.Write(document));
            var canonical = new Canonical();
            canonical.Add(ObjectKind.Provider, json.RootElement, "providers", snapshot.ProvidersByKey.Values.Where(p => !p.IsBuiltin).Select(p => p.Key));
            canonical.Add(ObjectKind.Sublayer, json.RootElement, "sublayers", snapshot.SublayersByKey.Values.Where(s => !s.IsBuiltin).Select(s => s.Key));
            canonical.Add(ObjectKind.Callout, json.RootElement, "callouts", snapshot.CalloutsByKey.Values.Where(c => !c.IsBuiltin).Select(c => c.Key));
            canonical.Add(ObjectKind.ProviderContext, json.RootElement, "providerContexts", snapshot.ProviderContextsByKey.Keys);
            canonical.Add(ObjectKind.Filter, json.RootElement, "filters", snapshot.FiltersByKey.Keys);
            return canonical;
        }

        public Dictionary<Guid, CanonicalObject> Objects(ObjectKind kind) => _objects.TryGetValue(kind, out var map) ? map : [];

        /// <summary>The key a reference's text names in this policy, or the text itself when no single object has that name.</summary>
        public string? Resolve(ObjectKind kind, JsonElement? reference)
        {
            var text = Text(reference);
            if (text is null)
            {
                return null;
            }

            if (_names.TryGetValue(kind, out var names) && names.TryGetValue(text, out var keys) && keys.Count == 1)
            {
                return keys[0].ToString();
            }

            // The writer names a built-in object by its SDK name, and any other object whose name is not unique by key.
            var builtin = kind switch
            {
                ObjectKind.Provider => LayerCatalog.TryFindProvider(text, out var b) ? b : null,
                ObjectKind.Sublayer => LayerCatalog.TryFindSublayer(text, out var b) ? b : null,
                ObjectKind.Callout => LayerCatalog.TryFindCallout(text, out var b) ? b : null,
                _ => LayerCatalog.TryFindProviderContext(text, out var b) ? b : null,
            };
            return builtin?.Key.ToString() ?? (Guid.TryParse(text, out var key) ? key.ToString() : text);
        }

        /// <summary>An action with its callout, if any, given by key.</summary>
        public string? ResolveAction(JsonElement? action) =>
            action is { ValueKind: JsonValueKind.Object } o
                ? (o.TryGetProperty("type", out var t) ? t.GetString() : null) + " " + Resolve(ObjectKind.Callout, o.TryGetProperty("callout", out var c) ? c : null)
                : Text(action);

        private void Add(ObjectKind kind, JsonElement root, string collection, IEnumerable<Guid> compared)
        {
            var map = new Dictionary<Guid, CanonicalObject>();
            var names = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
            var wanted = compared.ToHashSet();
            if (root.TryGetProperty(collection, out var array))
            {
                foreach (var item in array.EnumerateArray())
                {
                    var key = Guid.Parse(item.GetProperty("key").GetString()!);
                    var name = item.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                    if (!names.TryGetValue(name, out var list))
                    {
                        names[name] = list = [];
                    }

                    list.Add(key);
                    if (!wanted.Contains(key))
                    {
                        continue;
                    }

                    var properties = item.EnumerateObject().ToDictionary(p => p.Name, p => (JsonElement?)p.Value.Clone(), StringComparer.Ordinal);
                    var layer = item.TryGetProperty("layer", out var l) ? l.GetString() : null;
                    map[key] = new CanonicalObject(name, layer, properties);
                }
            }

            _objects[kind] = map;
            _names[kind] = names;
        }
    }

    private sealed record CanonicalObject(string Name, string? Layer, Dictionary<string, JsonElement?> Properties);
}
