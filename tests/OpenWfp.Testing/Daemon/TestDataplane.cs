using OpenWfp.Testing.Netns;

namespace OpenWfp.Testing.Daemon;

/// <summary>
/// Which data plane the live tests run wfpd with: NFQUEUE unless OPENWFP_TEST_DATAPLANE=ebpf, when wfpd decides in
/// the kernel with programs attached to the namespace's own cgroup (never the root cgroup) and pinned under the test's
/// own bpffs directory. The same tests then check both data planes.
/// </summary>
public static class TestDataplane
{
    /// <summary>The variable that selects the eBPF data plane for the live tests.</summary>
    public const string Variable = "OPENWFP_TEST_DATAPLANE";

    /// <summary>True when the live tests run on the eBPF data plane.</summary>
    public static bool IsEbpf => string.Equals(Environment.GetEnvironmentVariable(Variable), "ebpf", StringComparison.OrdinalIgnoreCase);

    /// <summary>wfpd's data-plane arguments for a wfpd started in <paramref name="ns"/>.</summary>
    /// <param name="ns">The namespace wfpd runs in.</param>
    /// <param name="stateDirectory">wfpd's state directory (names its bpffs directory).</param>
    /// <returns>The arguments.</returns>
    public static string[] Arguments(NetworkNamespace ns, string stateDirectory)
    {
        if (!IsEbpf)
        {
            return ["--dataplane", "nfqueue"];
        }

        var cgroup = ns.UseCgroup();
        return ["--dataplane", "ebpf", "--cgroup", cgroup, "--bpf-dir", BpfDirectory(stateDirectory)];
    }

    /// <summary>The bpffs directory a test wfpd pins under: one per state directory.</summary>
    /// <param name="stateDirectory">The state directory.</param>
    /// <returns>A directory under /sys/fs/bpf.</returns>
    public static string BpfDirectory(string stateDirectory) =>
        "/sys/fs/bpf/owfp-test-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(stateDirectory))))[..12].ToLowerInvariant();
}
