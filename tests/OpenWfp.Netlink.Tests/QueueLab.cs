using System.Net;
using System.Net.Sockets;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Netlink.Tests;

/// <summary>
/// A private network namespace with a UDP receiver and sender on loopback and mangle-OUTPUT rules, for live NFQUEUE
/// tests. Everything netfilter touches stays inside the namespace, which is deleted on dispose.
/// </summary>
internal sealed class QueueLab : IDisposable
{
    public const ushort Port = 9000;

    private readonly List<IDisposable> _owned = [];

    private QueueLab(NetworkNamespace ns, bool v6)
    {
        Namespace = ns;
        V6 = v6;
    }

    public NetworkNamespace Namespace { get; }

    public bool V6 { get; }

    public byte Family => V6 ? NfQueueConstants.NfProtoIpv6 : NfQueueConstants.NfProtoIpv4;

    public int IpHeaderLength => V6 ? 40 : 20;

    public Socket Receiver { get; private set; } = null!;

    public Socket Sender { get; private set; } = null!;

    public IPEndPoint Target => new(V6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, Port);

    public static string? SkipReason => NetworkNamespace.UnavailableReason
        ?? (NetworkNamespace.FindTool("iptables-nft") is null ? "iptables-nft is not installed (Debian package iptables)" : null);

    /// <summary>Creates the namespace, the sockets and a rule queueing UDP to <see cref="Port"/> on <paramref name="queue"/>.</summary>
    public static QueueLab Create(bool v6, ushort? queue, params string[][] rulesBefore)
    {
        var lab = new QueueLab(NetworkNamespace.Create("owfp-nlq"), v6);
        try
        {
            foreach (var rule in rulesBefore)
            {
                lab.Rule(rule);
            }

            if (queue.HasValue)
            {
                lab.Rule("-p", "udp", "--dport", $"{Port}", "-j", "NFQUEUE", "--queue-num", $"{queue.Value}");
            }

            lab.Namespace.Run(() =>
            {
                var family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
                lab.Receiver = lab.Own(new Socket(family, SocketType.Dgram, ProtocolType.Udp));
                lab.Receiver.Bind(lab.Target);
                lab.Sender = lab.Own(new Socket(family, SocketType.Dgram, ProtocolType.Udp));
                lab.Sender.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
                return 0;
            });
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    public void Rule(params string[] rule) =>
        Namespace.Exec(V6 ? "ip6tables-nft" : "iptables-nft", ["-t", "mangle", "-A", "OUTPUT", .. rule]).EnsureSuccess(string.Join(' ', rule));

    /// <summary>Packets counted by the mangle OUTPUT rule whose listing contains <paramref name="text"/>.</summary>
    public long RuleCounter(string text)
    {
        var listing = Namespace.Exec(V6 ? "ip6tables-nft" : "iptables-nft", "-t", "mangle", "-L", "OUTPUT", "-v", "-x", "-n").EnsureSuccess("list").StandardOutput;
        var line = listing.Split('\n').Single(l => l.Contains(text, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public NfQueue OpenQueue(NfQueueOptions options) => Own(Namespace.Run(() => NfQueue.Open(options)));

    public NfQueueKernelStats KernelStats(ushort queue) =>
        Namespace.Run(() => NfQueue.TryReadKernelStats(queue, out var stats) ? stats : throw new InvalidOperationException($"queue {queue} not in the proc file"));

    public void Send(byte[] data) => Sender.SendTo(data, Target);

    /// <summary>The next datagram at the receiver, or null when none comes within the timeout.</summary>
    public byte[]? Received(int timeoutMilliseconds)
    {
        if (!Receiver.Poll(timeoutMilliseconds * 1000, SelectMode.SelectRead))
        {
            return null;
        }

        var buffer = new byte[65536];
        var n = Receiver.Receive(buffer);
        return buffer[..n];
    }

    /// <summary>Receives until <paramref name="count"/> packets arrived or the deadline passed; copies them out.</summary>
    public static List<(NfQueuePacket Packet, byte[] Payload)> Take(NfQueue queue, int count, int timeoutMilliseconds = 3000)
    {
        var packets = new List<(NfQueuePacket, byte[])>();
        var deadline = Environment.TickCount64 + timeoutMilliseconds;
        while (packets.Count < count && Environment.TickCount64 < deadline)
        {
            var n = queue.Receive(100);
            for (var i = 0; i < n; i++)
            {
                Assert.True(queue.TryReadPacket(i, out var packet));
                packets.Add((packet, queue.Datagram(i).Slice(packet.PayloadOffset, packet.PayloadLength).ToArray()));
            }
        }

        return packets;
    }

    public T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }

        Namespace.Dispose();
    }
}
