using System.Diagnostics.CodeAnalysis;

namespace OpenWfp.Client;

/// <summary>
/// The Win32 constants that Fwpm* code passes and compares against, under their header names and with their header
/// values, so that ported code can keep writing <c>FWPM_SESSION_FLAG_DYNAMIC</c> (with
/// <c>using static OpenWfp.Client.FwpmConstants;</c>).
/// </summary>
[SuppressMessage("Style", "IDE1006:Naming Styles", Justification = "Win32 header names, kept for porting.")]
[SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "Win32 header names, kept for porting.")]
public static class FwpmConstants
{
    // winerror.h

    /// <summary>ERROR_SUCCESS (winerror.h): the call succeeded.</summary>
    public const uint ERROR_SUCCESS = 0;

    /// <summary>ERROR_ACCESS_DENIED (winerror.h): what Fwpm* returns when the caller lacks the right.</summary>
    public const uint ERROR_ACCESS_DENIED = 5;

    /// <summary>ERROR_INVALID_HANDLE (winerror.h): a null, closed or foreign engine, enum or subscription handle.</summary>
    public const uint ERROR_INVALID_HANDLE = 6;

    /// <summary>ERROR_INVALID_PARAMETER (winerror.h): an argument EngineOpen0 does not support (authnService, authIdentity).</summary>
    public const uint ERROR_INVALID_PARAMETER = 87;

    /// <summary>ERROR_NOT_SUPPORTED (winerror.h): a feature the OpenWfp protocol cannot carry.</summary>
    public const uint ERROR_NOT_SUPPORTED = 50;

    /// <summary>E_ACCESSDENIED (winerror.h): the HRESULT form of ERROR_ACCESS_DENIED, which the daemon sends.</summary>
    public const uint E_ACCESSDENIED = 0x80070005;

    /// <summary>RPC_S_SERVER_UNAVAILABLE (winerror.h): the daemon is not running or its socket cannot be reached.</summary>
    public const uint RPC_S_SERVER_UNAVAILABLE = 1722;

    /// <summary>RPC_S_CALL_FAILED (winerror.h): the call failed for a reason the daemon did not name.</summary>
    public const uint RPC_S_CALL_FAILED = 1726;

    /// <summary>RPC_S_PROCNUM_OUT_OF_RANGE (winerror.h): the daemon does not implement the call.</summary>
    public const uint RPC_S_PROCNUM_OUT_OF_RANGE = 1745;

    /// <summary>RPC_S_CALL_CANCELLED (winerror.h): the call was cancelled.</summary>
    public const uint RPC_S_CALL_CANCELLED = 1818;

    // rpcdce.h

    /// <summary>RPC_C_AUTHN_NONE (rpcdce.h).</summary>
    public const uint RPC_C_AUTHN_NONE = 0;

    /// <summary>RPC_C_AUTHN_WINNT (rpcdce.h): accepted by EngineOpen0; the daemon identifies callers by their socket credentials.</summary>
    public const uint RPC_C_AUTHN_WINNT = 10;

    /// <summary>RPC_C_AUTHN_DEFAULT (rpcdce.h): accepted by EngineOpen0.</summary>
    public const uint RPC_C_AUTHN_DEFAULT = 0xFFFFFFFF;

    // winbase.h

    /// <summary>INFINITE (winbase.h): for <see cref="FwpmSession0.TxnWaitTimeoutInMSec"/>, wait for the transaction lock forever.</summary>
    public const uint INFINITE = 0xFFFFFFFF;

    // fwpmtypes.h

    /// <summary>FWPM_SESSION_FLAG_DYNAMIC (fwpmtypes.h): objects the session adds are deleted when it ends.</summary>
    public const uint FWPM_SESSION_FLAG_DYNAMIC = 0x00000001;

    /// <summary>FWPM_SESSION_FLAG_RESERVED (fwpmtypes.h).</summary>
    public const uint FWPM_SESSION_FLAG_RESERVED = 0x10000000;

    /// <summary>FWPM_FILTER_SUBSCRIPTION flag FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD (fwpmtypes.h).</summary>
    public const uint FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_ADD = 0x00000001;

    /// <summary>FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE (fwpmtypes.h).</summary>
    public const uint FWPM_SUBSCRIPTION_FLAG_NOTIFY_ON_DELETE = 0x00000002;

    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_DROP (fwpmtypes.h, FWPM_NET_EVENT_TYPE).</summary>
    public const uint FWPM_NET_EVENT_TYPE_CLASSIFY_DROP = 3;

    /// <summary>FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW (fwpmtypes.h, FWPM_NET_EVENT_TYPE).</summary>
    public const uint FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW = 6;

    /// <summary>FWPM_NET_EVENT_KEYWORD_INBOUND_MCAST (fwpmtypes.h), for FWPM_ENGINE_NET_EVENT_MATCH_ANY_KEYWORDS.</summary>
    public const uint FWPM_NET_EVENT_KEYWORD_INBOUND_MCAST = 0x00000001;

    /// <summary>FWPM_NET_EVENT_KEYWORD_INBOUND_BCAST (fwpmtypes.h).</summary>
    public const uint FWPM_NET_EVENT_KEYWORD_INBOUND_BCAST = 0x00000002;

    /// <summary>FWPM_NET_EVENT_KEYWORD_CAPABILITY_DROP (fwpmtypes.h).</summary>
    public const uint FWPM_NET_EVENT_KEYWORD_CAPABILITY_DROP = 0x00000004;

    /// <summary>FWPM_NET_EVENT_KEYWORD_CAPABILITY_ALLOW (fwpmtypes.h).</summary>
    public const uint FWPM_NET_EVENT_KEYWORD_CAPABILITY_ALLOW = 0x00000008;

    /// <summary>FWPM_NET_EVENT_KEYWORD_CLASSIFY_ALLOW (fwpmtypes.h).</summary>
    public const uint FWPM_NET_EVENT_KEYWORD_CLASSIFY_ALLOW = 0x00000010;

    /// <summary>FWPM_NET_EVENT_KEYWORD_PORT_SCANNING_DROP (fwpmtypes.h).</summary>
    public const uint FWPM_NET_EVENT_KEYWORD_PORT_SCANNING_DROP = 0x00000020;

    // fwpmu.h

    /// <summary>FWPM_TXN_READ_ONLY (fwpmu.h): flag of TransactionBegin0.</summary>
    public const uint FWPM_TXN_READ_ONLY = 0x00000001;

    // fwptypes.h

    /// <summary>FWP_FILTER_ENUM_FULLY_CONTAINED (fwptypes.h, FWP_FILTER_ENUM_TYPE).</summary>
    public const uint FWP_FILTER_ENUM_FULLY_CONTAINED = 0;

    /// <summary>FWP_FILTER_ENUM_OVERLAPPING (fwptypes.h, FWP_FILTER_ENUM_TYPE).</summary>
    public const uint FWP_FILTER_ENUM_OVERLAPPING = 1;

    /// <summary>FWP_FILTER_ENUM_FLAG_BEST_TERMINATING_MATCH (fwptypes.h).</summary>
    public const uint FWP_FILTER_ENUM_FLAG_BEST_TERMINATING_MATCH = 0x00000001;

    /// <summary>FWP_FILTER_ENUM_FLAG_SORTED (fwptypes.h).</summary>
    public const uint FWP_FILTER_ENUM_FLAG_SORTED = 0x00000002;

    /// <summary>FWP_FILTER_ENUM_FLAG_BOOTTIME_ONLY (fwptypes.h).</summary>
    public const uint FWP_FILTER_ENUM_FLAG_BOOTTIME_ONLY = 0x00000004;

    /// <summary>FWP_FILTER_ENUM_FLAG_INCLUDE_BOOTTIME (fwptypes.h).</summary>
    public const uint FWP_FILTER_ENUM_FLAG_INCLUDE_BOOTTIME = 0x00000008;

    /// <summary>FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED (fwptypes.h).</summary>
    public const uint FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED = 0x00000010;

    /// <summary>FWP_DIRECTION_IN (fwptypes.h): the msFwpDirection of an inbound net event.</summary>
    public const uint FWP_DIRECTION_IN = 0x00003900;

    /// <summary>FWP_DIRECTION_OUT (fwptypes.h).</summary>
    public const uint FWP_DIRECTION_OUT = 0x00003901;

    /// <summary>FWP_DIRECTION_FORWARD (fwptypes.h).</summary>
    public const uint FWP_DIRECTION_FORWARD = 0x00003902;
}
