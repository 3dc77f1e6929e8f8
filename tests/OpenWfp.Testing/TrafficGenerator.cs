using OpenWfp.Testing.Packets;
using OpenWfp.Wire;

namespace OpenWfp.Testing;

/// <summary>
/// Realistic Ethernet traffic between this host (10.0.0.0/24, fd00::/64) and remote peers: whole TCP connections
/// (handshake, request, response, close), DNS over UDP, ICMP echo, over IPv4 and IPv6, interleaved. Deterministic
/// for a seed. For shim tests and the replay benchmark.
/// </summary>
public static class TrafficGenerator
{
    /// <summary>The local ranges the generated traffic assumes (pass to the shim as --local).</summary>
    public static IReadOnlyList<string> LocalNetworks { get; } = ["10.0.0.0/24", "fd00::/64"];

    /// <summary>Remote TCP ports the generator uses.</summary>
    public static IReadOnlyList<ushort> TcpPorts { get; } = [22, 80, 443, 8080, 8443];

    private const ulong LocalMac = 0x02_00_00_00_00_01;
    private const ulong GatewayMac = 0x02_00_00_00_00_FE;

    /// <summary>About <paramref name="conversations"/> conversations' frames, interleaved a few at a time.</summary>
    public static List<byte[]> Generate(int seed, int conversations)
    {
        var rng = new Random(seed);
        var pending = new List<Queue<byte[]>>();
        var frames = new List<byte[]>();
        for (var c = 0; c < conversations; c++)
        {
            pending.Add(new Queue<byte[]>(Conversation(rng, c)));

            // Keep up to 8 conversations open at once, taking frames from them in random order.
            while (pending.Count > (c + 1 < conversations ? 8 : 0))
            {
                var i = rng.Next(pending.Count);
                frames.Add(pending[i].Dequeue());
                if (pending[i].Count == 0)
                {
                    pending.RemoveAt(i);
                }
            }
        }

        return frames;
    }

    private static IEnumerable<byte[]> Conversation(Random rng, int n)
    {
        var v6 = rng.Next(4) == 0;
        var local4 = 0x0A00_0000u | (uint)rng.Next(1, 250);
        var remote4 = (rng.Next(2) == 0 ? 0xC000_0200u : 0xC633_6400u) | (uint)rng.Next(1, 250);
        var local6 = ((UInt128)0xfd00_0000_0000_0000UL << 64) | (uint)rng.Next(1, 0xFFFF);
        var remote6 = ((UInt128)0x2001_0db8_0000_0000UL << 64) | (uint)rng.Next(1, 0xFFFF);
        var localPort = (ushort)(32768 + (n % 28000));
        byte[] Out(byte protocol, byte[] transport) => v6
            ? PacketBuilder.Ethernet(GatewayMac, LocalMac, EtherType.Ipv6, PacketBuilder.Ipv6(local6, remote6, protocol, transport))
            : PacketBuilder.Ethernet(GatewayMac, LocalMac, EtherType.Ipv4, PacketBuilder.Ipv4(local4, remote4, protocol, transport));
        byte[] In(byte protocol, byte[] transport) => v6
            ? PacketBuilder.Ethernet(LocalMac, GatewayMac, EtherType.Ipv6, PacketBuilder.Ipv6(remote6, local6, protocol, transport))
            : PacketBuilder.Ethernet(LocalMac, GatewayMac, EtherType.Ipv4, PacketBuilder.Ipv4(remote4, local4, protocol, transport));

        switch (rng.Next(10))
        {
            case < 6:
                var port = TcpPorts[rng.Next(TcpPorts.Count)];
                var request = new byte[rng.Next(40, 400)];
                var response = new byte[rng.Next(200, 1400)];
                rng.NextBytes(request);
                rng.NextBytes(response);
                yield return Out(IpProtocol.Tcp, PacketBuilder.Tcp(localPort, port, 1000, 0, TcpFlags.Syn));
                yield return In(IpProtocol.Tcp, PacketBuilder.Tcp(port, localPort, 5000, 1001, TcpFlags.Syn | TcpFlags.Ack));
                yield return Out(IpProtocol.Tcp, PacketBuilder.Tcp(localPort, port, 1001, 5001, TcpFlags.Ack));
                yield return Out(IpProtocol.Tcp, PacketBuilder.Tcp(localPort, port, 1001, 5001, TcpFlags.Ack | TcpFlags.Psh, request));
                for (var i = 0; i < rng.Next(1, 6); i++)
                {
                    yield return In(IpProtocol.Tcp, PacketBuilder.Tcp(port, localPort, 5001, 1001, TcpFlags.Ack | TcpFlags.Psh, response));
                    yield return Out(IpProtocol.Tcp, PacketBuilder.Tcp(localPort, port, 1001, 5001, TcpFlags.Ack));
                }

                yield return Out(IpProtocol.Tcp, PacketBuilder.Tcp(localPort, port, 1001, 5001, TcpFlags.Fin | TcpFlags.Ack));
                yield return In(IpProtocol.Tcp, PacketBuilder.Tcp(port, localPort, 5001, 1002, TcpFlags.Fin | TcpFlags.Ack));
                yield return Out(IpProtocol.Tcp, PacketBuilder.Tcp(localPort, port, 1002, 5002, TcpFlags.Ack));
                break;

            case < 9:
                var query = new byte[rng.Next(30, 60)];
                var answer = new byte[rng.Next(60, 200)];
                rng.NextBytes(query);
                rng.NextBytes(answer);
                yield return Out(IpProtocol.Udp, PacketBuilder.Udp(localPort, 53, query));
                yield return In(IpProtocol.Udp, PacketBuilder.Udp(53, localPort, answer));
                break;

            default:
                var id = (uint)rng.Next(1, 0xFFFF) << 16;
                var icmp = v6 ? IpProtocol.Icmpv6 : IpProtocol.Icmp;
                for (uint s = 1; s <= 2; s++)
                {
                    yield return Out(icmp, PacketBuilder.Icmp(v6 ? (byte)128 : (byte)8, 0, id | s, new byte[56], v6));
                    yield return In(icmp, PacketBuilder.Icmp(v6 ? (byte)129 : (byte)0, 0, id | s, new byte[56], v6));
                }

                break;
        }
    }
}
