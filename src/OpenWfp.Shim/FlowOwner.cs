using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;

namespace OpenWfp.Shim;

/// <summary>The application and user behind a flow's local end: ALE_APP_ID, ALE_USER_ID and the matching metadata.</summary>
/// <param name="AppId">ALE_APP_ID: an application id blob (<see cref="Engine.Values.AppId.ValueFromPath"/>), or empty.</param>
/// <param name="Token">ALE_USER_ID's token, or null.</param>
/// <param name="ProcessId">The process id, or 0 when unknown.</param>
public readonly record struct FlowOwner(FwpValue AppId, FwpToken? Token, ulong ProcessId);

/// <summary>
/// Finds who owns the local end of a new flow. Called once per flow, on the shim's thread; implementations cache
/// (the live data plane's sock_diag + /proc lookup, docs/IDENTITY.md). Offline replay has none.
/// </summary>
public interface IFlowOwnerSource
{
    /// <summary>Looks up the socket of a flow.</summary>
    /// <param name="flow">The flow, oriented to this host.</param>
    /// <param name="owner">The owner when found.</param>
    /// <returns>True when found.</returns>
    public bool TryResolve(in FlowTuple flow, out FlowOwner owner);
}

/// <summary>A flow's addresses and ports as this host sees them (IPv4 addresses in the low 32 bits, host order).</summary>
public readonly record struct FlowTuple(byte IpVersion, byte Protocol, UInt128 LocalAddress, ushort LocalPort, UInt128 RemoteAddress, ushort RemotePort, bool Outbound);
