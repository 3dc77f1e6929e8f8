using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using OpenWfp.Protocol.V1;

// Usage: dynamic-add SOCKET   open a dynamic session, add a sublayer and a filter, print "added <sublayer> <filter>", wait
//        read SOCKET          enumerate filters; print "read ok <count>" or "read <status> <fwp-error>"
//        write SOCKET         add a sublayer; print "write ok" or "write <status> <fwp-error>"
//        get-filter SOCKET KEY, delete-filter SOCKET KEY, get-sd SOCKET KEY, set-dacl SOCKET KEY SDDL
//                             per-object security; print "<command> ok [detail]" or "<command> <status> <fwp-error>"
//        count SOCKET         print "count <number of filters the caller can enumerate>"
//        remote-callout SOCKET KEY once|hang
//                             register a remote callout; print "register ok" or "register <fwp-error>"; once: exit,
//                             hang: stay registered, print "classify <request id>" for each classify and never answer
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: OpenWfp.Daemon.TestClient dynamic-add|read|write|count SOCKET | get-filter|delete-filter|get-sd SOCKET KEY | set-dacl SOCKET KEY SDDL");
    return 2;
}

var socket = args[1];
using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    },
});
var client = new Bfe.BfeClient(channel);
try
{
    switch (args[0])
    {
        case "dynamic-add":
            using (var session = client.OpenSession(new OpenSessionRequest { Flags = 1, DisplayData = new DisplayData { Name = "test client" } }))
            {
                await session.ResponseStream.MoveNext(CancellationToken.None);
                var headers = new Metadata { { "openwfp-session", session.ResponseStream.Current.Opened.SessionKey } };
                var sublayer = await client.AddSublayerAsync(new Sublayer { DisplayData = new DisplayData { Name = "dynamic sublayer" }, Weight = 0x100 }, headers);
                var filter = await client.AddFilterAsync(
                    new Filter
                    {
                        DisplayData = new DisplayData { Name = "dynamic filter" },
                        LayerKey = "c38d57d1-05a7-4c33-904f-7fbceee60e82", // FWPM_LAYER_ALE_AUTH_CONNECT_V4
                        SublayerKey = sublayer.Key,
                        Action = new FilterAction { Type = 0x1001 },
                    },
                    headers);
                Console.WriteLine($"added {sublayer.Key} {filter.Key}");
                await Task.Delay(Timeout.Infinite);
            }

            return 0;
        case "read":
            var list = await client.EnumFiltersAsync(new FilterEnumTemplate());
            Console.WriteLine($"read ok {list.Items.Count}");
            return 0;
        case "write":
            await client.AddSublayerAsync(new Sublayer { DisplayData = new DisplayData { Name = "from another user" }, Weight = 1 });
            Console.WriteLine("write ok");
            return 0;
        case "count":
            Console.WriteLine($"count {(await client.EnumFiltersAsync(new FilterEnumTemplate())).Items.Count}");
            return 0;
        case "get-filter":
            Console.WriteLine($"get-filter ok {(await client.GetFilterAsync(new ObjectRef { Key = args[2] })).Key}");
            return 0;
        case "delete-filter":
            await client.DeleteFilterAsync(new ObjectRef { Key = args[2] });
            Console.WriteLine("delete-filter ok");
            return 0;
        case "get-sd":
            var info = await client.GetSecurityInfoAsync(new SecurityInfoRequest { ObjectType = ObjectType.Filter, Object = new ObjectRef { Key = args[2] } });
            Console.WriteLine($"get-sd ok {info.Sddl}");
            return 0;
        case "set-dacl":
            await client.SetSecurityInfoAsync(new SetSecurityInfoRequest { ObjectType = ObjectType.Filter, Object = new ObjectRef { Key = args[2] }, SecurityInfo = 0x4, Sddl = args[3] });
            Console.WriteLine("set-dacl ok");
            return 0;
        case "remote-callout":
            using (var callouts = client.CalloutSession())
            {
                await callouts.RequestStream.WriteAsync(new CalloutClientMessage { Register = new CalloutRegister { Token = 1, CalloutKey = args[2] } });
                while (await callouts.ResponseStream.MoveNext(CancellationToken.None))
                {
                    var message = callouts.ResponseStream.Current;
                    if (message.Ack is { } ack)
                    {
                        Console.WriteLine(ack.ErrorCode == 0 ? "register ok" : $"register {ack.Error}");
                        if (args[3] == "once" || ack.ErrorCode != 0)
                        {
                            return ack.ErrorCode == 0 ? 0 : 1;
                        }
                    }
                    else if (message.Classify is { } classify)
                    {
                        Console.WriteLine($"classify {classify.RequestId}");
                    }
                }
            }

            return 0;
        default:
            Console.Error.WriteLine($"unknown command {args[0]}");
            return 2;
    }
}
catch (RpcException e)
{
    Console.WriteLine($"{args[0]} {e.StatusCode} {e.Trailers.GetValue("fwp-error")}");
    return 1;
}
