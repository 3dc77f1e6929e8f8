using System.Reflection;
using System.Xml.Linq;

namespace OpenWfp.Dataplane.Tests;

/// <summary>
/// The packet path (Wire, Engine, Shim, Netlink, NetEvents, Dataplane) depends on nothing of the management side: no
/// gRPC, no Protobuf, no SQLite, no BFE service — neither directly nor through another project or package
/// (dependencies point one way: wire → engine → shim → data planes → service → host). Checked twice: on the compiled
/// assemblies' references, and on the project files' references (which also catches a package referenced but not
/// yet used in code).
/// </summary>
public sealed class HotPathDependencyTests
{
    private static readonly string[] HotPathProjects =
        ["OpenWfp.Wire", "OpenWfp.Engine", "OpenWfp.Shim", "OpenWfp.Netlink", "OpenWfp.NetEvents", "OpenWfp.Dataplane"];

    [Fact]
    public void HotPathAssemblies_ReferenceNoGrpcProtobufSqliteOrService_Transitively()
    {
        foreach (var name in HotPathProjects)
        {
            var forbidden = ForbiddenAssemblies(name);
            Assert.True(forbidden.Count == 0, $"{name} reaches {string.Join(", ", forbidden)}");
        }
    }

    [Fact]
    public void AssemblyCheck_FindsSqliteAndProtobufBehindTheDaemon()
    {
        // The check itself can fail: wfpd (next to these tests, run by the live tests) does reach them.
        var forbidden = ForbiddenAssemblies("wfpd");

        Assert.Contains(forbidden, a => a.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal));
        Assert.Contains(forbidden, a => a.StartsWith("Google.Protobuf", StringComparison.Ordinal));
        Assert.Contains(forbidden, a => a.StartsWith("OpenWfp.Bfe", StringComparison.Ordinal));
    }

    [Fact]
    public void HotPathProjects_ReferenceNoGrpcProtobufSqliteOrService_Transitively()
    {
        foreach (var name in HotPathProjects)
        {
            var forbidden = ForbiddenReferences(name);
            Assert.True(forbidden.Count == 0, $"{name}.csproj reaches {string.Join(", ", forbidden)}");
        }
    }

    [Fact]
    public void ProjectCheck_FindsTheServiceReferencesOfTheDaemon()
    {
        var forbidden = ForbiddenReferences("OpenWfp.Daemon");

        Assert.Contains("package Grpc.AspNetCore (OpenWfp.Daemon)", forbidden);
        Assert.Contains("package Microsoft.Data.Sqlite (OpenWfp.Bfe)", forbidden);
        Assert.Contains("project OpenWfp.Protocol", forbidden);
    }

    private static bool IsForbidden(string name) =>
        name.StartsWith("Grpc", StringComparison.Ordinal)
        || name.StartsWith("Google.Protobuf", StringComparison.Ordinal)
        || name.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal)
        || name.StartsWith("SQLitePCLRaw", StringComparison.Ordinal)
        || name is "OpenWfp.Bfe" or "OpenWfp.Protocol" or "OpenWfp.Client" or "OpenWfp.Daemon" or "wfpd" or "wfp";

    /// <summary>Every assembly <paramref name="root"/> references, followed through each referenced assembly, that is forbidden.</summary>
    private static List<string> ForbiddenAssemblies(string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var forbidden = new List<string>();
        var pending = new Stack<AssemblyName>();
        pending.Push(new AssemblyName(root));
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name.Name!))
            {
                continue;
            }

            if (name.Name != root && IsForbidden(name.Name!))
            {
                forbidden.Add(name.Name!);
            }

            // The framework's own assemblies reference only each other: nothing forbidden lies behind them.
            if (name.Name!.StartsWith("System", StringComparison.Ordinal) || name.Name is "netstandard" or "mscorlib"
                || (name.Name.StartsWith("Microsoft.", StringComparison.Ordinal) && !IsForbidden(name.Name)))
            {
                continue;
            }

            Assembly assembly;
            try
            {
                assembly = Assembly.Load(name);
            }
            catch (FileNotFoundException)
            {
                Assert.Fail($"{name.Name} (referenced from the {root} graph) is not next to the tests; cannot check what it references");
                throw;
            }

            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                pending.Push(reference);
            }
        }

        return forbidden;
    }

    /// <summary>The forbidden package and project references of <paramref name="project"/> and every project it references.</summary>
    private static List<string> ForbiddenReferences(string project)
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var forbidden = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(project);
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name))
            {
                continue;
            }

            if (name != project && IsForbidden(name))
            {
                forbidden.Add($"project {name}");
            }

            var file = Path.Combine(src, name, name + ".csproj");
            Assert.True(File.Exists(file), $"{file} is missing");
            var xml = XDocument.Load(file);
            foreach (var package in xml.Descendants("PackageReference"))
            {
                var id = (string?)package.Attribute("Include") ?? "";
                if (IsForbidden(id))
                {
                    forbidden.Add($"package {id} ({name})");
                }
            }

            foreach (var reference in xml.Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFileNameWithoutExtension((string?)reference.Attribute("Include") ?? ""));
            }
        }

        return forbidden;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "wfp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no wfp.slnx above {AppContext.BaseDirectory}");
    }
}
