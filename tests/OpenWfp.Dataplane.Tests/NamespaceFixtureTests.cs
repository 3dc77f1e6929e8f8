using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests;

/// <summary>The namespace fixture every live test stands on: a veth pair that carries IPv4 and IPv6, then is gone.</summary>
public sealed class NamespaceFixtureTests
{
    [Fact]
    public void PairPingsBothFamiliesAndIsRemoved()
    {
        Assert.SkipWhen(NetworkNamespace.UnavailableReason is not null, NetworkNamespace.UnavailableReason ?? "");
        NetworkNamespace.CreatePair(201, out var a, out var b);
        string nameA = a.Name, nameB = b.Name;
        using (a)
        using (b)
        {
            Assert.Equal(0, a.Exec("ping", "-c", "1", "-W", "2", NetworkNamespace.V4(201, 2)).ExitCode);
            Assert.Equal(0, a.Exec("ping", "-6", "-c", "1", "-W", "2", NetworkNamespace.V6(201, 2)).ExitCode);
            var inside = a.Run(() => File.ReadAllText("/proc/thread-self/net/dev"));
            Assert.Contains("veth0", inside, StringComparison.Ordinal);
        }

        var list = NetworkNamespace.RunTool("ip", ["netns", "list"]).StandardOutput;
        Assert.DoesNotContain(nameA, list, StringComparison.Ordinal);
        Assert.DoesNotContain(nameB, list, StringComparison.Ordinal);
    }
}
