using System.Diagnostics;
using System.Globalization;

namespace OpenWfp.Daemon.Tests;

/// <summary>Runs the test client as a second, unprivileged user (via setpriv), and the root-only commands that set one up.</summary>
internal static class OtherUser
{
    public static bool IsRoot() => Run("id", "-u").Trim() == "0";

    /// <summary>Runs <c>dotnet</c> with <paramref name="dotnetArgs"/> as uid/gid, with no supplementary groups.</summary>
    public static (int Code, string Output) AsUser(string uid, string gid, string home, params string[] dotnetArgs)
    {
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "dotnet", .. dotnetArgs])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_HOME"] = home;
        psi.Environment["HOME"] = home;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + (error.Length > 0 ? "\n" + error : ""));
    }

    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode.ToString(CultureInfo.InvariantCulture)}): {error}");
    }

    public static void TryRun(string file, params string[] args)
    {
        try
        {
            Run(file, args);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
