using System.Reflection;
using System.Runtime.Loader;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Cli.Replay;

/// <summary>
/// <c>--callout-assembly FILE</c>: registers a plug-in's callouts (<see cref="CalloutPlugins"/>) on the replay's engine.
/// The policy file defines their FWPM_CALLOUT objects (key and layer), as a driver's installer would; the replay ends
/// with the process, so the assembly is loaded into the default context.
/// </summary>
internal static class CalloutAssemblies
{
    public static void Load(FilterEngine engine, string path)
    {
        if (!File.Exists(path))
        {
            throw new CliUserException($"--callout-assembly {path}: no such file");
        }

        IReadOnlyList<CalloutPluginType> types;
        try
        {
            types = CalloutPlugins.Discover(AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.GetFullPath(path)));
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            throw new CliUserException($"--callout-assembly {path}: not a .NET assembly OpenWfp can load: {e.Message}");
        }

        var registered = 0;
        foreach (var (type, keys) in types)
        {
            ICallout callout;
            try
            {
                callout = (ICallout)Activator.CreateInstance(type)!;
                (callout as ICalloutLifecycle)?.Attach(engine);
            }
            catch (TargetInvocationException e)
            {
                throw new CliUserException($"--callout-assembly {path}: {type.FullName}'s constructor failed: {e.InnerException?.Message ?? e.Message}");
            }

            foreach (var key in keys)
            {
                try
                {
                    engine.Callouts.Register(key.Key, callout, key.Flags);
                }
                catch (WfpException e)
                {
                    throw new CliUserException($"--callout-assembly {path}: {type.FullName} {{{key.Key}}}: {e.Message}");
                }

                registered++;
            }
        }

        if (registered == 0)
        {
            throw new CliUserException($"--callout-assembly {path}: no public ICallout type with a [CalloutKey] attribute and a public parameterless constructor");
        }
    }
}
