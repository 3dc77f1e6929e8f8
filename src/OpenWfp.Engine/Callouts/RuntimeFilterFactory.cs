using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;

namespace OpenWfp.Engine.Callouts;

/// <summary>Makes the FWPS run-time copy of a callout filter once, at add time, so a callout's per-filter context survives recompiles.</summary>
internal static class RuntimeFilterFactory
{
    public static RuntimeFilter Create(LayerInfo layer, FilterSpec f, ushort sublayerWeight, CalloutSpec callout, IReadOnlyDictionary<Guid, ProviderContextSpec> contexts)
    {
        var flags = RuntimeFilterFlags.None;
        if ((f.Flags & FilterFlags.ClearActionRight) != 0)
        {
            flags |= RuntimeFilterFlags.ClearActionRight;
        }

        if ((f.Flags & FilterFlags.PermitIfCalloutUnregistered) != 0)
        {
            flags |= RuntimeFilterFlags.PermitIfCalloutUnregistered;
        }

        if ((f.Flags & FilterFlags.SilentMode) != 0)
        {
            flags |= RuntimeFilterFlags.SilentMode;
        }

        var fields = new HashSet<int>();
        foreach (var c in f.Conditions)
        {
            if (!fields.Add(layer.FieldIndexOf(c.FieldKey)))
            {
                flags |= RuntimeFilterFlags.OrConditions;
            }
        }

        ProviderContextSpec? context = null;
        var contextValue = f.RawContext;
        if ((f.Flags & FilterFlags.HasProviderContext) != 0 && f.ProviderContextKey is { } ck && contexts.TryGetValue(ck, out var pc))
        {
            contextValue = pc.ProviderContextId;
            if ((callout.Flags & CalloutFlags.UsesProviderContext) != 0)
            {
                context = pc;
            }
        }

        return new RuntimeFilter(f, sublayerWeight, flags, callout.CalloutId, contextValue, context);
    }
}
