using OpenWfp.Bfe;
using OpenWfp.Bfe.Access;
using OpenWfp.Callouts;
using OpenWfp.Daemon.Callouts;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;

namespace OpenWfp.Daemon.Tests.Callouts;

/// <summary>wfpd registers the built-in callouts at start, logs their events with the callout id (rate-limited) and unregisters them on stop.</summary>
public sealed class BuiltinCalloutHostTests : IDisposable
{
    private readonly BaseFilteringEngine _bfe = new(new AccessPolicy());
    private readonly ListLogger<BuiltinCalloutHost> _log = new();

    public void Dispose() => _bfe.Dispose();

    [Fact]
    public async Task BuiltinCallouts_AreRegistered_TheirEventsLogged_AndUnregisteredOnStop()
    {
        var host = new BuiltinCalloutHost(_bfe, _log);
        await host.StartAsync(CancellationToken.None);
        Assert.True(_bfe.Engine.Callouts.IsRegistered(OpenWfpCallouts.HttpRequest.Key));
        Assert.Contains("built-in callouts registered: openwfp.http-request", _log.Text, StringComparison.Ordinal);

        var id = _bfe.Engine.Callouts.Slot(OpenWfpCallouts.HttpRequest.Key).CalloutId;
        var flow = new FlowTuple(4, 6, 0x0A000001, 0xC0000207, 40000, 80, 0);
        var e = new CalloutEvent(id, LayerIds.StreamV4, 5, 9, flow, CalloutEventKind.HttpRequestBlocked, "GET example.com /admin");
        host.OnEvent(e);
        Assert.Contains($"openwfp.http-request (callout id {id}) HttpRequestBlocked at STREAM_V4, filter 5: GET example.com /admin (10.0.0.1:40000 -> 192.0.2.7:80)", _log.Text, StringComparison.Ordinal);

        // A burst is cut at 20 lines a second; the next line says how many were left out.
        for (var i = 0; i < 30; i++)
        {
            host.OnEvent(e);
        }

        Assert.Equal(20, Lines());
        await Task.Delay(1100);
        host.OnEvent(e);
        Assert.Equal(21, Lines());
        Assert.EndsWith("; 11 more events not logged", _log.Text, StringComparison.Ordinal);

        await host.StopAsync(CancellationToken.None);
        Assert.False(_bfe.Engine.Callouts.IsRegistered(OpenWfpCallouts.HttpRequest.Key));
    }

    private int Lines() => _log.Text.Split('\n').Count(l => l.Contains("HttpRequestBlocked", StringComparison.Ordinal));
}
