using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace OpenWfp.Engine.Callouts;

/// <summary>A callout type a plug-in assembly offers, with the keys it is registered under.</summary>
/// <param name="Type">The public ICallout type (public parameterless constructor).</param>
/// <param name="Keys">Its [CalloutKey] attributes, one per key.</param>
public sealed record CalloutPluginType(Type Type, IReadOnlyList<CalloutKeyAttribute> Keys);

/// <summary>
/// What a callout plug-in assembly offers (docs/CALLOUTS.md, Loading callouts): every public, non-abstract
/// <see cref="ICallout"/> with a public parameterless constructor and at least one <see cref="CalloutKeyAttribute"/>.
/// wfpd's <c>--callout-dir</c> and <c>wfp replay --callout-assembly</c> both load plug-ins this way.
/// </summary>
public static class CalloutPlugins
{
    /// <summary>The callout types of <paramref name="assembly"/>; types that fail to load are skipped.</summary>
    [RequiresUnreferencedCode("Plug-in callouts are found and constructed by reflection.")]
    public static IReadOnlyList<CalloutPluginType> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        return [.. types
            .Where(t => t is { IsClass: true, IsAbstract: false }
                && typeof(ICallout).IsAssignableFrom(t)
                && t.GetConstructor(Type.EmptyTypes) is { IsPublic: true }
                && t.IsDefined(typeof(CalloutKeyAttribute), inherit: false))
            .Select(t => new CalloutPluginType(t, [.. t.GetCustomAttributes<CalloutKeyAttribute>()]))];
    }
}
