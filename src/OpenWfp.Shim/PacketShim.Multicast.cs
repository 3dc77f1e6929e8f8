namespace OpenWfp.Shim;

// Multicast and broadcast (docs/SHIM.md, "Multicast and broadcast"; Microsoft Learn, "ALE Multicast/Broadcast
// Traffic", https://learn.microsoft.com/windows/win32/fwp/ale-multicast-broadcast-traffic):
// - inbound multicast and broadcast traffic maps to one ALE flow per local endpoint (the group or broadcast address,
//   port and protocol), whoever sends it: ALE_AUTH_RECV_ACCEPT decides once for every sender;
// - an outbound packet to a multicast or broadcast address, once ALE_AUTH_CONNECT permits it, lets inbound traffic from
//   any remote address to the sending port in for a window (4 s by default) that only further outbound traffic of
//   that flow extends; replies to it meet no ALE layer. After the window, a reply is a new flow like any other.
public sealed partial class PacketShim
{
    /// <summary>True for a multicast or broadcast address: traffic that no single peer owns.</summary>
    private static bool IsGroupAddress(byte ipVersion, UInt128 address) =>
        AddressType(ipVersion, address) is StackValues.AddressMulticast or StackValues.AddressBroadcast;

    /// <summary>Opens or extends the response window of an outbound multicast or broadcast flow.</summary>
    private void OpenResponseWindow(in PacketFacts f, ulong flowId, long now)
    {
        ref var w = ref _windows[WindowSlot(f.IpVersion, f.Protocol, f.LocalPort)];
        w = new ResponseWindow
        {
            IpVersion = f.IpVersion,
            Protocol = f.Protocol,
            LocalPort = f.LocalPort,
            FlowId = flowId,
            Until = now + _timeouts.MulticastNanoseconds,
        };
    }

    /// <summary>
    /// True when an inbound packet that starts no known flow answers an outbound multicast or broadcast within its
    /// window: it is permitted as part of that flow, without a flow of its own (so the window's end still applies).
    /// </summary>
    private bool InResponseWindow(in PacketFacts f, long now, ref Walk walk)
    {
        if (!f.HasPorts || f.Protocol == Tcp)
        {
            return false;
        }

        ref var w = ref _windows[WindowSlot(f.IpVersion, f.Protocol, f.LocalPort)];
        if (w.FlowId == 0 || w.IpVersion != f.IpVersion || w.Protocol != f.Protocol || w.LocalPort != f.LocalPort || now > w.Until)
        {
            return false;
        }

        _counters.MulticastResponses++;
        walk.FlowId = w.FlowId;
        return true;
    }

    private static int WindowSlot(byte ipVersion, byte protocol, ushort localPort) =>
        (int)((((uint)localPort * 0x9E3779B1u) ^ ((uint)protocol << 8) ^ ipVersion) >> 24) % ResponseWindowSlots;

    /// <summary>One outbound multicast/broadcast flow's window, keyed by the local port it was sent from.</summary>
    private struct ResponseWindow
    {
        public byte IpVersion;
        public byte Protocol;
        public ushort LocalPort;
        public ulong FlowId;
        public long Until;
    }
}
