using OpenWfp.Engine.Model;

namespace OpenWfp.Client;

/// <summary>FWPM_SESSION0 (fwpmtypes.h) as <see cref="Fwpm.EngineOpen0"/> takes it (https://learn.microsoft.com/en-us/windows/win32/api/fwpmtypes/ns-fwpmtypes-fwpm_session0).</summary>
public sealed class FwpmSession0
{
    /// <summary>
    /// sessionKey. The daemon assigns the key (bfe.proto's OpenSessionRequest has no field for it), so a key set here
    /// is not sent; read the one in use from <see cref="FwpmEngineHandle.SessionKey"/>.
    /// </summary>
    public Guid SessionKey { get; set; }

    /// <summary>displayData: a name for the session, shown by the daemon's session list and logs.</summary>
    public DisplayData? DisplayData { get; set; }

    /// <summary>flags: <see cref="FwpmConstants.FWPM_SESSION_FLAG_DYNAMIC"/> makes every object the session adds go away when it ends.</summary>
    public uint Flags { get; set; }

    /// <summary>txnWaitTimeoutInMSec: how long TransactionBegin0 waits for the lock; 0 means the default (15 s), <see cref="FwpmConstants.INFINITE"/> forever.</summary>
    public uint TxnWaitTimeoutInMSec { get; set; }

    /// <summary>processId: output of FwpmSessionEnum0, the process that opened the session (as the daemon sees its socket).</summary>
    public uint ProcessId { get; set; }

    /// <summary>sid: output of FwpmSessionEnum0, the opener's SID (S-1-22-1-uid; docs/WFPD.md).</summary>
    public string? Sid { get; set; }

    /// <summary>username: output of FwpmSessionEnum0, the opener's account name.</summary>
    public string? Username { get; set; }

    /// <summary>kernelMode: output of FwpmSessionEnum0; always false, every session is a user-mode client.</summary>
    public bool KernelMode { get; set; }

    /// <summary>OpenWfp addition: the opener's uid.</summary>
    public uint Uid { get; set; }

    /// <summary>OpenWfp addition: whether the session has a transaction open right now.</summary>
    public bool InTransaction { get; set; }
}
