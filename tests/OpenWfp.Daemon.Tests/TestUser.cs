using static OpenWfp.Daemon.Tests.OtherUser;

namespace OpenWfp.Daemon.Tests;

/// <summary>
/// A throw-away system user and group of one name (created as root), a work directory the user can read with a copy
/// of the test client in it, and a socket directory under it; all removed on dispose.
/// </summary>
internal sealed class TestUser : IDisposable
{
    private TestUser(string name)
    {
        Name = name;
        Work = Path.Combine(Path.GetTempPath(), name);
        Directory.CreateDirectory(Work);
    }

    public string Name { get; }

    public string Work { get; }

    public string Uid { get; private set; } = "";

    public string Gid { get; private set; } = "";

    /// <summary>The test client's dll, in a copy the user can read.</summary>
    public string Client => Path.Combine(Work, "client", "OpenWfp.Daemon.TestClient.dll");

    /// <summary>wfpd's socket, in a directory the user can reach.</summary>
    public string Socket => Path.Combine(Work, "run", "bfe.sock");

    /// <summary>Creates the user; <paramref name="prefix"/> tells test runs apart in the system's user list.</summary>
    public static TestUser Create(string prefix)
    {
        var user = new TestUser(prefix + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Run("groupadd", "--system", user.Name);
            Run("useradd", "--system", "--no-create-home", "--gid", user.Name, "--shell", "/usr/sbin/nologin", user.Name);
            user.Uid = Run("id", "-u", user.Name).Trim();
            user.Gid = Run("id", "-g", user.Name).Trim();
            CopyDirectory(Path.GetDirectoryName(TestClient.Path)!, Path.GetDirectoryName(user.Client)!);
            return user;
        }
        catch
        {
            user.Dispose();
            throw;
        }
    }

    /// <summary>Writes wfpd's configuration file into the work directory and makes everything readable to the user.</summary>
    public async Task<string> WriteConfigAsync(string json)
    {
        var config = Path.Combine(Work, "wfpd.json");
        await File.WriteAllTextAsync(config, json);
        Run("chmod", "-R", "a+rX", Work);
        return config;
    }

    /// <summary>Runs the test client as this user.</summary>
    public string RunClient(params string[] args) => AsUser(Uid, Gid, Work, [Client, .. args]).Output.Trim();

    public void Dispose()
    {
        TryRun("userdel", Name);
        TryRun("groupdel", Name);
        Directory.Delete(Work, recursive: true);
    }
}
