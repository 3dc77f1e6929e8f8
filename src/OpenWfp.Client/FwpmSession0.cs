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
}
