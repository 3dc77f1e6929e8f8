using OpenWfp.Dataplane.Live;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Live;

/// <summary>Helpers for tests that host the engine and <see cref="LiveDataplane"/> in the test process.</summary>
internal static class InProcess
{
    /// <summary>Starts the data plane from a thread inside <paramref name="ns"/>: its queues and rules live there.</summary>
    public static void Start(NetworkNamespace ns, LiveDataplane dataplane) => ns.Run(() =>
    {
        dataplane.Start();
        return 0;
    });
}
