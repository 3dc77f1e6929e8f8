using OpenWfp.Wire;

namespace OpenWfp.Shim;

// Orientation: a packet's source/destination turned into this host's local/remote, as the layer fields want them.
public sealed partial class PacketShim
{
    /// <summary>Sets local/remote addresses, ports and MACs for one side of the packet.</summary>
    private static void Orient(ref PacketFacts f, ref ParsedPacket p, bool outbound, bool addressesOnly = false)
    {
        var v4 = p.IpVersion == 4;
        UInt128 src = v4 ? p.SourceIPv4 : p.SourceIPv6;
        UInt128 dst = v4 ? p.DestinationIPv4 : p.DestinationIPv6;
        f.LocalAddress = outbound ? src : dst;
        f.RemoteAddress = outbound ? dst : src;
        f.HasPorts = Ports(ref p, outbound, out f.LocalPort, out f.RemotePort);
        if (addressesOnly)
        {
            return;
        }

        f.LocalAddressType = AddressType(p.IpVersion, f.LocalAddress);
        f.DestinationAddressType = AddressType(p.IpVersion, dst);
        f.LocalMac = outbound ? p.SourceMac : p.DestinationMac;
        f.RemoteMac = outbound ? p.DestinationMac : p.SourceMac;
    }

    private static void SetEmbedded(ref PacketFacts f, ref ParsedPacket p)
    {
        if (!p.Has(PacketFlags.InnerNetworkPresent))
        {
            return;
        }

        // The quoted packet was sent by this host: its destination is the remote end, its source port our port.
        var v4 = p.InnerIpVersion == 4;
        f.HasEmbedded = true;
        f.EmbeddedProtocol = p.InnerProtocol;
        f.EmbeddedRemoteAddress = v4 ? p.InnerDestinationIPv4 : p.InnerDestinationIPv6;
        f.EmbeddedLocalAddressType = AddressType(p.InnerIpVersion, v4 ? p.InnerSourceIPv4 : p.InnerSourceIPv6);
        f.EmbeddedLocalPort = p.Has(PacketFlags.InnerPortsPresent) ? p.InnerSourcePort : (ushort)0;
        f.EmbeddedRemotePort = p.Has(PacketFlags.InnerPortsPresent) ? p.InnerDestinationPort : (ushort)0;
    }

    /// <summary>The packet's ports for one side of it; false when it carries none.</summary>
    private static bool Ports(ref ParsedPacket p, bool outbound, out ushort local, out ushort remote)
    {
        if (p.Protocol is Icmp or IcmpV6)
        {
            // ICMP_TYPE ≡ IP_LOCAL_PORT and ICMP_CODE ≡ IP_REMOTE_PORT (the FWPM_CONDITION_ICMP_TYPE/CODE definitions in fwpmu.h), whichever the direction.
            local = p.IcmpType;
            remote = p.IcmpCode;
            return p.Has(PacketFlags.TransportPresent);
        }

        local = outbound ? p.SourcePort : p.DestinationPort;
        remote = outbound ? p.DestinationPort : p.SourcePort;
        return p.Has(PacketFlags.PortsPresent);
    }

    /// <summary>A forwarded packet's tuple, oriented as sent by its source (ports 0 when it has none).</summary>
    private static FlowTuple SenderTuple(ref ParsedPacket p, UInt128 source, UInt128 destination)
    {
        var hasPorts = Ports(ref p, outbound: true, out var local, out var remote);
        return new(p.IpVersion, p.Protocol, source, hasPorts ? local : (ushort)0, destination, hasPorts ? remote : (ushort)0, Outbound: true);
    }

    /// <summary>The packet's tuple as the shim oriented it (ports 0 when it has none).</summary>
    private static FlowTuple TupleOf(in PacketFacts f, bool outbound) =>
        new(f.IpVersion, f.Protocol, f.LocalAddress, f.HasPorts ? f.LocalPort : (ushort)0, f.RemoteAddress, f.HasPorts ? f.RemotePort : (ushort)0, outbound);

    /// <summary>NL_ADDRESS_TYPE of an address.</summary>
    internal static byte AddressType(byte ipVersion, UInt128 address)
    {
        if (address == 0)
        {
            return StackValues.AddressUnspecified;
        }

        if (ipVersion == 4)
        {
            var a = (uint)address;
            return a == uint.MaxValue ? StackValues.AddressBroadcast
                : (a >> 28) == 0xE ? StackValues.AddressMulticast
                : StackValues.AddressUnicast;
        }

        return (address >> 120) == 0xFF ? StackValues.AddressMulticast : StackValues.AddressUnicast;
    }

    private static bool IsLoopbackAddress(byte ipVersion, UInt128 address) =>
        ipVersion == 4 ? ((uint)address >> 24) == 127 : address == 1;
}
