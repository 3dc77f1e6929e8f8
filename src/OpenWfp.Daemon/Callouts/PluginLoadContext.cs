using System.Reflection;
using System.Runtime.Loader;

namespace OpenWfp.Daemon.Callouts;

/// <summary>
/// A collectible load context for one callout plug-in. Assemblies wfpd itself ships (OpenWfp.*, the framework, its
/// packages) come from the default context, so the plug-in's <c>ICallout</c> is wfpd's own type; anything else
/// comes from the plug-in's folder, through its .deps.json when it has one (AssemblyDependencyResolver; Microsoft
/// Learn, "Create a .NET application with plugins").
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private static readonly HashSet<string> HostAssemblies = TrustedPlatformAssemblies();

    private readonly AssemblyDependencyResolver? _resolver;
    private readonly string _directory;

    public PluginLoadContext(string pluginPath)
        : base("callout:" + Path.GetFileName(pluginPath), isCollectible: true)
    {
        _directory = Path.GetDirectoryName(Path.GetFullPath(pluginPath))!;
        if (File.Exists(Path.ChangeExtension(pluginPath, ".deps.json")))
        {
            _resolver = new AssemblyDependencyResolver(pluginPath);
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } name || HostAssemblies.Contains(name))
        {
            return null;
        }

        var path = _resolver?.ResolveAssemblyToPath(assemblyName) ?? Path.Combine(_directory, name + ".dll");
        return File.Exists(path) ? LoadCopy(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    /// <summary>
    /// Loads an assembly from a copy of its bytes (and its .pdb's, for line numbers in logged faults): the file
    /// itself is not kept open or mapped, so it can be replaced or deleted while loaded.
    /// </summary>
    public Assembly LoadCopy(string path)
    {
        using var image = new MemoryStream(File.ReadAllBytes(path));
        var pdb = Path.ChangeExtension(path, ".pdb");
        if (!File.Exists(pdb))
        {
            return LoadFromStream(image);
        }

        using var symbols = new MemoryStream(File.ReadAllBytes(pdb));
        return LoadFromStream(image, symbols);
    }

    private static HashSet<string> TrustedPlatformAssemblies()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        foreach (var loaded in Default.Assemblies)
        {
            if (loaded.GetName().Name is { } n)
            {
                names.Add(n);
            }
        }

        return names;
    }
}
