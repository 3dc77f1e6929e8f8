using System.Globalization;
using Grpc.Core;
using OpenWfp.Engine.Errors;

namespace OpenWfp.Protocol.Mapping;

/// <summary>
/// How an FWP_E_* error travels over gRPC (bfe.proto): the call ends with a status whose trailers carry
/// <see cref="ErrorNameKey"/> (the name, <c>FWP_E_FILTER_NOT_FOUND</c>) and <see cref="ErrorCodeKey"/> (the value in
/// hex, <c>0x80320003</c>); the status detail is the exception's message.
/// </summary>
/// <remarks>
/// Status codes (<see cref="StatusCodeFor"/>): *_NOT_FOUND → NotFound; FWP_E_ALREADY_EXISTS → AlreadyExists;
/// E_ACCESSDENIED and ERROR_ACCESS_DENIED → PermissionDenied; FWP_E_TIMEOUT → DeadlineExceeded; transaction and
/// session state (NO_TXN_IN_PROGRESS, TXN_IN_PROGRESS, TXN_ABORTED, INCOMPATIBLE_TXN, SESSION_ABORTED,
/// DYNAMIC_SESSION_IN_PROGRESS, WRONG_SESSION), FWP_E_IN_USE and FWP_E_NET_EVENTS_DISABLED → FailedPrecondition;
/// every other error → InvalidArgument. The trailers, not the status code, are authoritative.
/// </remarks>
public static class WfpErrorTrailers
{
    /// <summary>The trailer with the error's Windows name, e.g. <c>FWP_E_FILTER_NOT_FOUND</c>.</summary>
    public const string ErrorNameKey = "fwp-error";

    /// <summary>The trailer with the error's value as <c>0x</c> and eight hex digits, e.g. <c>0x80320003</c>.</summary>
    public const string ErrorCodeKey = "fwp-error-code";

    /// <summary>
    /// One trailer per error when a call failed for several reasons (an add whose object breaks several rules): the
    /// UTF-8 text <c>0xCODE TAB member TAB message</c>, in the order found; <see cref="ErrorCodeKey"/> is the first.
    /// </summary>
    public const string ErrorDetailKey = "fwp-error-detail-bin";

    /// <summary>With <see cref="ErrorDetailKey"/>: which object was rejected (UTF-8), when the engine said.</summary>
    public const string ErrorObjectKey = "fwp-error-object-bin";

    /// <summary>ERROR_ACCESS_DENIED (winerror.h), the plain Win32 form of <see cref="WfpError.AccessDenied"/>.</summary>
    private const uint Win32AccessDenied = 5;

    private static readonly Dictionary<string, WfpError> ByName = BuildNameTable();

    /// <summary>The error's code as it travels: <c>0x80320003</c>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The text.</returns>
    public static string FormatCode(WfpError error) => "0x" + ((uint)error).ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>Parses a code as <see cref="FormatCode"/> writes it; decimal is accepted too.</summary>
    /// <param name="text">The text.</param>
    /// <param name="error">The error, when the result is true.</param>
    /// <returns>Whether the text is a 32-bit number.</returns>
    public static bool TryParseCode(string? text, out WfpError error)
    {
        error = WfpError.None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        uint code;
        var ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code)
            : uint.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out code);
        error = (WfpError)code;
        return ok;
    }

    /// <summary>The error of a Windows name (<c>FWP_E_FILTER_NOT_FOUND</c>, <c>E_ACCESSDENIED</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="error">The error, when the result is true.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParseName(string? name, out WfpError error)
    {
        error = WfpError.None;
        return name is not null && ByName.TryGetValue(name.Trim(), out error);
    }

    /// <summary>The trailers for an error.</summary>
    /// <param name="error">The error.</param>
    /// <returns>A new metadata collection holding both trailers.</returns>
    public static Metadata CreateTrailers(WfpError error)
    {
        var trailers = new Metadata();
        AddTo(trailers, error);
        return trailers;
    }

    /// <summary>Adds both trailers for an error to <paramref name="trailers"/> (e.g. a server's <c>ResponseTrailers</c>).</summary>
    /// <param name="trailers">The collection.</param>
    /// <param name="error">The error.</param>
    public static void AddTo(Metadata trailers, WfpError error)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        trailers.Add(ErrorNameKey, WfpErrorInfo.NameOf(error));
        trailers.Add(ErrorCodeKey, FormatCode(error));
    }

    /// <summary>Reads the error from trailers: the code if present and valid, else the name.</summary>
    /// <param name="trailers">The trailers, or null.</param>
    /// <param name="error">The error, when the result is true.</param>
    /// <returns>Whether the trailers carry an error.</returns>
    public static bool TryGetError(Metadata? trailers, out WfpError error)
    {
        error = WfpError.None;
        if (trailers is null)
        {
            return false;
        }

        if (TryParseCode(trailers.GetValue(ErrorCodeKey), out error) && error != WfpError.None)
        {
            return true;
        }

        return TryParseName(trailers.GetValue(ErrorNameKey), out error) && error != WfpError.None;
    }

    /// <summary>The gRPC status code for an error; the table is in the type remarks.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The status code.</returns>
    public static StatusCode StatusCodeFor(WfpError error) => error switch
    {
        WfpError.CalloutNotFound or WfpError.ConditionNotFound or WfpError.FilterNotFound or WfpError.LayerNotFound
            or WfpError.ProviderNotFound or WfpError.ProviderContextNotFound or WfpError.SublayerNotFound
            or WfpError.NotFound => StatusCode.NotFound,
        WfpError.AlreadyExists => StatusCode.AlreadyExists,
        WfpError.AccessDenied or (WfpError)Win32AccessDenied => StatusCode.PermissionDenied,
        WfpError.Timeout => StatusCode.DeadlineExceeded,
        WfpError.NoTxnInProgress or WfpError.TxnInProgress or WfpError.TxnAborted or WfpError.IncompatibleTxn
            or WfpError.SessionAborted or WfpError.DynamicSessionInProgress or WfpError.WrongSession
            or WfpError.InUse or WfpError.NetEventsDisabled => StatusCode.FailedPrecondition,
        _ => StatusCode.InvalidArgument,
    };

    /// <summary>The <see cref="RpcException"/> a server throws for <paramref name="exception"/>: status, detail and both trailers.</summary>
    /// <param name="exception">The error.</param>
    /// <returns>The exception to throw.</returns>
    public static RpcException ToRpcException(WfpException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = new Status(StatusCodeFor(exception.Error), exception.Message);
        var trailers = CreateTrailers(exception.Error);
        if (exception.Details.Count > 1)
        {
            foreach (var d in exception.Details)
            {
                trailers.Add(ErrorDetailKey, System.Text.Encoding.UTF8.GetBytes($"{FormatCode(d.Error)}\t{d.Member}\t{d.Message}"));
            }

            if (exception.ObjectDescription is { } what)
            {
                trailers.Add(ErrorObjectKey, System.Text.Encoding.UTF8.GetBytes(what));
            }
        }

        return new RpcException(status, trailers, exception.Message);
    }

    /// <summary>
    /// The <see cref="WfpException"/> a failed call stands for: the error from the trailers with the status detail as
    /// its message, or, for a call that failed without them (the daemon is not running, the connection dropped, a
    /// deadline passed), an error chosen from the status code — see <see cref="ErrorForStatus"/>.
    /// </summary>
    /// <param name="exception">The gRPC exception.</param>
    /// <returns>The WFP exception.</returns>
    public static WfpException FromRpcException(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var detail = exception.Status.Detail ?? "";
        if (TryGetError(exception.Trailers, out var error))
        {
            return TryGetDetails(exception.Trailers) is { Count: > 1 } details && details[0].Error == error
                ? new WfpException(details, exception.Trailers.GetValueBytes(ErrorObjectKey) is { } what ? System.Text.Encoding.UTF8.GetString(what) : null)
                : new WfpException(error, StripSuffix(detail, error));
        }

        error = ErrorForStatus(exception.StatusCode);
        var message = detail.Length == 0 ? $"the call failed with gRPC status {exception.StatusCode}" : $"gRPC status {exception.StatusCode}: {detail}";
        return new WfpException(error, message);
    }

    /// <summary>
    /// The error for a failed call whose trailers carry none: Unavailable → RPC_S_SERVER_UNAVAILABLE (1722);
    /// Cancelled → RPC_S_CALL_CANCELLED (1818); DeadlineExceeded → FWP_E_TIMEOUT; PermissionDenied and
    /// Unauthenticated → E_ACCESSDENIED; NotFound → FWP_E_NOT_FOUND; AlreadyExists → FWP_E_ALREADY_EXISTS;
    /// InvalidArgument and OutOfRange → FWP_E_INVALID_PARAMETER; Unimplemented → RPC_S_PROCNUM_OUT_OF_RANGE (1745);
    /// anything else → RPC_S_CALL_FAILED (1726). The RPC_S_* values are plain Win32 codes, as Fwpm* returns them.
    /// </summary>
    /// <param name="status">The status code.</param>
    /// <returns>The error.</returns>
    public static WfpError ErrorForStatus(StatusCode status) => status switch
    {
        StatusCode.Unavailable => (WfpError)1722,
        StatusCode.Cancelled => (WfpError)1818,
        StatusCode.DeadlineExceeded => WfpError.Timeout,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => WfpError.AccessDenied,
        StatusCode.NotFound => WfpError.NotFound,
        StatusCode.AlreadyExists => WfpError.AlreadyExists,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => WfpError.InvalidParameter,
        StatusCode.Unimplemented => (WfpError)1745,
        _ => (WfpError)1726,
    };

    /// <summary>Every error of a call that failed for several reasons (<see cref="ErrorDetailKey"/>), or null when the trailers carry none.</summary>
    /// <param name="trailers">The trailers, or null.</param>
    /// <returns>The errors in order, or null.</returns>
    public static IReadOnlyList<WfpErrorDetail>? TryGetDetails(Metadata? trailers)
    {
        if (trailers is null)
        {
            return null;
        }

        var details = new List<WfpErrorDetail>();
        foreach (var entry in trailers)
        {
            if (!string.Equals(entry.Key, ErrorDetailKey, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parts = System.Text.Encoding.UTF8.GetString(entry.ValueBytes).Split('\t', 3);
            if (parts.Length == 3 && TryParseCode(parts[0], out var e))
            {
                details.Add(new WfpErrorDetail(e, parts[1], parts[2]));
            }
        }

        return details.Count == 0 ? null : details;
    }

    // A server's WfpException message ends with " [NAME (0xCODE)]"; the restored exception adds it again.
    private static string StripSuffix(string detail, WfpError error)
    {
        var suffix = " [" + WfpErrorInfo.Describe(error) + "]";
        var stripped = detail.EndsWith(suffix, StringComparison.Ordinal) ? detail[..^suffix.Length] : detail;
        return stripped.Length == 0 ? WfpErrorInfo.NameOf(error) : stripped;
    }

    private static Dictionary<string, WfpError> BuildNameTable()
    {
        var table = new Dictionary<string, WfpError>(StringComparer.OrdinalIgnoreCase);
        foreach (var error in Enum.GetValues<WfpError>())
        {
            table[WfpErrorInfo.NameOf(error)] = error;
        }

        table["ERROR_ACCESS_DENIED"] = (WfpError)Win32AccessDenied;
        return table;
    }
}
