using System.Diagnostics;

namespace OpenWfp.Daemon.Tests;

/// <summary>Runs tests/OpenWfp.Daemon.TestClient as a separate process (from its own build output, with its own dependencies).</summary>
internal static class TestClient
{
    public static string Path
    {
        get
        {
            // Same layout for both build styles: …/OpenWfp.Daemon.Tests/… → …/OpenWfp.Daemon.TestClient/….
            var dir = AppContext.BaseDirectory.Replace("OpenWfp.Daemon.Tests", "OpenWfp.Daemon.TestClient", StringComparison.Ordinal);
            var dll = System.IO.Path.Combine(dir, "OpenWfp.Daemon.TestClient.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"the test client was not built at {dll}");
        }
    }

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }
}
