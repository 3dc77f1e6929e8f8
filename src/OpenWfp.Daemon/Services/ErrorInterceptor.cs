using Grpc.Core;
using Grpc.Core.Interceptors;
using OpenWfp.Engine.Errors;
using OpenWfp.Protocol.Mapping;

namespace OpenWfp.Daemon.Services;

/// <summary>
/// Turns engine errors into gRPC statuses carrying the FWP_E_* name and value (bfe.proto's error contract), and logs
/// refused calls with the caller's uid and pid. Anything else that escapes is a bug: logged with its stack, returned
/// as INTERNAL without details.
/// </summary>
internal sealed class ErrorInterceptor(ILogger<ErrorInterceptor> log) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Translate(e, context) is { } rpc)
        {
            throw rpc;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Translate(e, context) is { } rpc)
        {
            throw rpc;
        }
    }

    private RpcException? Translate(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case RpcException:
                return null;
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
            case WfpException wfp:
                if (wfp.Error == WfpError.AccessDenied)
                {
                    var caller = BfeService.CallerOf(context);
                    log.LogWarning("refused {Method} from uid {Uid} pid {Pid}: {Message}", context.Method, caller?.Uid, caller?.Pid, wfp.Message);
                }

                return WfpErrorTrailers.ToRpcException(wfp);
            default:
                log.LogError(e, "{Method} failed", context.Method);
                return new RpcException(new Status(StatusCode.Internal, "wfpd failed to process the call; see its log"));
        }
    }
}
