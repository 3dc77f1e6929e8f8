using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Daemon.Tests;

/// <summary>gRPC channels to a daemon over its Unix socket.</summary>
internal static class DaemonChannel
{
    /// <summary>A channel to <paramref name="daemon"/>'s socket.</summary>
    public static GrpcChannel Channel(this WfpdProcess daemon) => Create(daemon.Socket);

    public static GrpcChannel Create(string socket)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 * 1024 * 1024 });
    }
}

/// <summary>A session on a daemon: the open OpenSession stream and calls that carry its header.</summary>
internal sealed class TestSession : IAsyncDisposable
{
    private readonly AsyncServerStreamingCall<SessionEvent> _stream;

    private TestSession(V1.Bfe.BfeClient client, AsyncServerStreamingCall<SessionEvent> stream, SessionOpened opened)
    {
        Client = client;
        _stream = stream;
        Opened = opened;
        Headers = new Metadata { { "openwfp-session", opened.SessionKey } };
    }

    public V1.Bfe.BfeClient Client { get; }

    public SessionOpened Opened { get; }

    public Metadata Headers { get; }

    public static async Task<TestSession> OpenAsync(GrpcChannel channel, bool dynamic = false, string name = "test")
    {
        var client = new V1.Bfe.BfeClient(channel);
        var stream = client.OpenSession(new OpenSessionRequest { DisplayData = new DisplayData { Name = name }, Flags = dynamic ? 1u : 0u });
        if (!await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            throw new InvalidOperationException("the session stream ended before it said the session was open");
        }

        return new TestSession(client, stream, stream.ResponseStream.Current.Opened);
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
