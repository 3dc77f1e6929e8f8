using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using OpenWfp.Protocol.V1;
using OpenWfp.Testing.Daemon;
using DisplayData = OpenWfp.Engine.Model.DisplayData;
using FilterAction = OpenWfp.Engine.Model.FilterAction;
using FilterCondition = OpenWfp.Engine.Model.FilterCondition;

namespace OpenWfp.Cli.Daemon.Tests;

/// <summary>
/// Stands in for wfpd where it does not serve net events yet: sessions, GetState with one filter, a stored ring
/// (EnumNetEvents) and a live stream (SubscribeNetEvents) fed from <see cref="Live"/>. Hosted in Kestrel on a
/// Unix socket, HTTP/2 only, as wfpd is.
/// </summary>
internal sealed class FakeNetEventDaemon : OpenWfp.Protocol.V1.Bfe.BfeBase
{
    /// <summary>The filter GetState reports: id 5, "Block telnet".</summary>
    public static readonly FilterSpec Telnet = new()
    {
        Key = Guid.Parse("0fa1e7e0-5a3d-4c1e-9d2b-000000000005"),
        FilterId = 5,
        DisplayData = new DisplayData("Block telnet"),
        LayerKey = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").Key,
        Action = FilterAction.Block,
        Conditions = [new FilterCondition(LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").Field("IP_REMOTE_PORT").ConditionKey!.Value, FwpMatchType.Equal, FwpConditionValue.Of(FwpValue.FromUInt16(23)))],
    };

    public List<NetEvent> Ring { get; } = [];

    public Channel<NetEvent> Live { get; } = Channel.CreateUnbounded<NetEvent>();

    /// <summary>Set when a SubscribeNetEvents call is in place.</summary>
    public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A drop at ALE_AUTH_CONNECT_V4: tcp 10.0.0.1:40000 → 192.0.2.1:23 by filter 5, outbound.</summary>
    public static NetEvent Drop(ulong sequence, ulong filterId = 5) => new()
    {
        TimeUnixNs = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000 + (long)sequence * 1_000_000,
        Type = 3,
        IpVersion = 4,
        IpProtocol = 6,
        LocalAddress = "10.0.0.1",
        RemoteAddress = "192.0.2.1",
        LocalPort = 40000,
        RemotePort = 23,
        FilterId = filterId,
        LayerId = LayerCatalog.Layer("ALE_AUTH_CONNECT_V4").LayerId,
        LayerName = "ALE_AUTH_CONNECT_V4",
        Direction = 0x3901,
        Sequence = sequence,
        TerminatingFilters = { new TerminatingFilter { FilterId = filterId, SublayerKey = LayerCatalog.SublayerUniversal.ToString(), Action = (uint)ActionType.Block } },
    };

    /// <summary>An inbound allow over IPv6 with an application id and no deciding filter.</summary>
    public static NetEvent Allow(ulong sequence) => new()
    {
        TimeUnixNs = new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000,
        Type = 6,
        IpVersion = 6,
        IpProtocol = 17,
        LocalAddress = "2001:db8::1",
        RemoteAddress = "2001:db8::2",
        LocalPort = 53,
        RemotePort = 5353,
        AppId = Google.Protobuf.ByteString.CopyFrom(AppId.FromPath("/usr/sbin/named")),
        LayerId = LayerCatalog.Layer("ALE_AUTH_RECV_ACCEPT_V6").LayerId,
        LayerName = "ALE_AUTH_RECV_ACCEPT_V6",
        Direction = 0x3900,
        Sequence = sequence,
    };

    public override async Task OpenSession(OpenSessionRequest request, IServerStreamWriter<SessionEvent> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new SessionEvent { Opened = new SessionOpened { SessionKey = Guid.NewGuid().ToString("D"), Uid = 0, Pid = 1, CanWrite = true } });
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override Task<State> GetState(Empty request, ServerCallContext context) =>
        Task.FromResult(new State { Generation = 1, Filters = { ProtoMap.ToProto(Telnet) } });

    public override Task<Filter> GetFilter(ObjectRef request, ServerCallContext context) =>
        request.Id == 77
            ? Task.FromResult(ProtoMap.ToProto(Telnet with { FilterId = 77, Key = Guid.NewGuid(), DisplayData = new DisplayData("Added later") }))
            : throw new RpcException(new Status(StatusCode.NotFound, "no such filter"), WfpErrorTrailers.CreateTrailers(Engine.Errors.WfpError.FilterNotFound));

    public override Task<NetEventList> EnumNetEvents(NetEventTemplate request, ServerCallContext context) =>
        Task.FromResult(new NetEventList { Items = { Ring } });

    public override async Task SubscribeNetEvents(NetEventTemplate request, IServerStreamWriter<NetEvent> responseStream, ServerCallContext context)
    {
        await context.WriteResponseHeadersAsync(new Metadata());
        Subscribed.TrySetResult();
        try
        {
            await foreach (var e in Live.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(e);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The fake, hosted.</summary>
    internal sealed class Server : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Server(WebApplication app, FakeNetEventDaemon daemon, string directory)
        {
            _app = app;
            Daemon = daemon;
            Directory = directory;
        }

        public FakeNetEventDaemon Daemon { get; }

        public string Directory { get; }

        public string Socket => Path.Combine(Directory, "fake.sock");

        public static async Task<Server> StartAsync()
        {
            var dir = WfpdProcess.NewStateDirectory();
            var daemon = new FakeNetEventDaemon();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(Path.Combine(dir, "fake.sock"), l => l.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(daemon);
            var app = builder.Build();
            app.MapGrpcService<FakeNetEventDaemon>();
            await app.StartAsync(TestContext.Current.CancellationToken);
            return new Server(app, daemon, dir);
        }

        public async ValueTask DisposeAsync()
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
            WfpdProcess.DeleteDirectory(Directory);
        }
    }
}
