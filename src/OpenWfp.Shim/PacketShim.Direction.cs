using OpenWfp.Wire;

namespace OpenWfp.Shim;

// Direction inference for offline replay (docs/SHIM.md, "Direction"); a live data plane knows the direction from the
// netfilter hook and skips all of this. With ShimOptions.LocalNetworks the addresses decide (both local: loopback;
// neither: forwarded). Without, the capture decides when it records one (Linux cooked captures' packet type), otherwise
// loopback addresses are loopback and the sender of a flow's first packet is taken to be this host. Non-IP frames are
// outbound when their source MAC was seen sending IP from this host.
public sealed partial class PacketShim
{
    private void LearnLocalMac(ulong mac)
    {
        if (mac == 0 || IsLocalMac(mac))
        {
            return;
        }

        _localMacs[_localMacNext] = mac;
        _localMacNext = (_localMacNext + 1) % LocalMacSlots;
    }

    private bool IsLocalMac(ulong mac)
    {
        foreach (var m in _localMacs)
        {
            if (m == mac)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True for an ARP packet (RFC 826, Ethernet/IPv4: hardware type 1, protocol 0x0800, lengths 6 and 4) whose sender
    /// protocol address is in the local networks: this host is asking or answering.
    /// </summary>
    private bool ArpSenderIsLocal(ref ParsedPacket p, ReadOnlySpan<byte> frame)
    {
        const int SenderAddressOffset = 14;
        if (p.EtherType != 0x0806 || _options.LocalNetworks.IsEmpty || frame.Length < p.NetworkOffset + 28)
        {
            return false;
        }

        var arp = frame[p.NetworkOffset..];
        if (arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08 || arp[3] != 0x00 || arp[4] != 6 || arp[5] != 4)
        {
            return false;
        }

        return _options.LocalNetworks.Contains(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(arp[SenderAddressOffset..]));
    }

    /// <summary>
    /// Which side of the packet is this host. <paramref name="knownFlow"/> is the flow slot found on the way (only
    /// without --local, where a packet's flow decides its direction), so the ALE step does not look it up again.
    /// </summary>
    private TrafficDirection Direction(ref ParsedPacket p, UInt128 source, UInt128 destination, long now, out bool loopbackDevice, out int knownFlow)
    {
        knownFlow = -1;
        // ARPHRD_LOOPBACK (if_arp.h) in a cooked capture's header: the packet was seen on lo.
        loopbackDevice = p.LinkType is LinkType.LinuxSll or LinkType.LinuxSll2 && p.LinkDeviceType == 772;
        var local = _options.LocalNetworks;
        if (!local.IsEmpty)
        {
            var v4 = p.IpVersion == 4;
            var srcLocal = v4 ? local.Contains((uint)source) : local.Contains(source);
            // A multicast or broadcast destination reaches this host too (it is not forwarded traffic).
            var dstLocal = (v4 ? local.Contains((uint)destination) : local.Contains(destination)) || (!srcLocal && IsGroupAddress(p.IpVersion, destination));
            return (srcLocal, dstLocal) switch
            {
                (true, true) => TrafficDirection.Loopback,
                (true, false) => TrafficDirection.Outbound,
                (false, true) => TrafficDirection.Inbound,
                _ => TrafficDirection.Forward,
            };
        }

        if (p.LinkType is LinkType.LinuxSll or LinkType.LinuxSll2)
        {
            // PACKET_* packet types (if_packet.h): a capture on lo records each packet once as OUTGOING and once as
            // HOST, so each copy takes its own direction and together they meet both, as loopback does in WFP.
            return p.LinkPacketType switch
            {
                4 => TrafficDirection.Outbound,
                3 => TrafficDirection.Forward,
                _ => TrafficDirection.Inbound,
            };
        }

        if (IsLoopbackAddress(p.IpVersion, source) && IsLoopbackAddress(p.IpVersion, destination))
        {
            return TrafficDirection.Loopback;
        }

        // No --local: the flow's first packet was sent by this host. Look the flow up from both sides.
        var asSender = new PacketFacts { IpVersion = p.IpVersion, Protocol = p.Protocol };
        Orient(ref asSender, ref p, outbound: true, addressesOnly: true);
        var expired = default(ExpiredFlow);
        knownFlow = _flows.Find(KeyOf(in asSender, ref p), now, in _timeouts, ref expired);
        if (knownFlow >= 0)
        {
            Notify(expired);
            return TrafficDirection.Outbound;
        }

        Notify(expired);
        var asReceiver = asSender;
        Orient(ref asReceiver, ref p, outbound: false, addressesOnly: true);
        expired = default;
        knownFlow = _flows.Find(KeyOf(in asReceiver, ref p), now, in _timeouts, ref expired);
        Notify(expired);
        if (knownFlow >= 0)
        {
            return TrafficDirection.Inbound;
        }

        // An ICMP error belongs to the flow of the packet it quotes: if this host sent that packet, the error is inbound.
        return p.Has(PacketFlags.IcmpError) && p.Has(PacketFlags.InnerNetworkPresent) && QuotedFlowIsOurs(ref p, now)
            ? TrafficDirection.Inbound
            : TrafficDirection.Outbound;
    }

    private bool QuotedFlowIsOurs(ref ParsedPacket p, long now)
    {
        var v4 = p.InnerIpVersion == 4;
        var key = new FlowKey(
            v4 ? p.InnerSourceIPv4 : p.InnerSourceIPv6,
            v4 ? p.InnerDestinationIPv4 : p.InnerDestinationIPv6,
            p.Has(PacketFlags.InnerPortsPresent) ? p.InnerSourcePort : (ushort)0,
            p.Has(PacketFlags.InnerPortsPresent) ? p.InnerDestinationPort : (ushort)0,
            p.InnerProtocol,
            p.InnerIpVersion);
        var expired = default(ExpiredFlow);
        var found = _flows.Find(key, now, in _timeouts, ref expired) >= 0;
        Notify(expired);
        return found;
    }
}
