using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpenWfp.Client.Tests;

/// <summary>Hosts a <see cref="FakeBfe"/> in Kestrel on a fresh Unix socket under /tmp, HTTP/2 only, as wfpd does.</summary>
internal sealed class FakeBfeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeBfeServer(WebApplication app, FakeBfe fake, string socketPath)
    {
        _app = app;
        Fake = fake;
        SocketPath = socketPath;
    }

    public FakeBfe Fake { get; }

    public string SocketPath { get; }

    public static async Task<FakeBfeServer> StartAsync()
    {
        var path = Path.Combine("/tmp", $"openwfp-client-test-{Guid.NewGuid():N}.sock");
        var fake = new FakeBfe();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(path, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(fake);
        var app = builder.Build();
        app.MapGrpcService<FakeBfe>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new FakeBfeServer(app, fake, path);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }
        finally
        {
            File.Delete(SocketPath);
        }
    }
}
