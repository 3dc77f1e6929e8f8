using System.Net;
using System.Net.Sockets;
using OpenWfp.Testing.Netns;

namespace OpenWfp.Dataplane.Tests.Rules;

/// <summary>Whether traffic from one namespace gets to another: ping, a TCP connect, a UDP datagram. Each try is bounded.</summary>
internal static class Reach
{
    private static readonly TimeSpan WaitTime = TimeSpan.FromMilliseconds(1500);

    /// <summary>One echo request, one second to answer.</summary>
    public static bool Ping(NetworkNamespace from, string address) =>
        from.ExecWithTimeout(TimeSpan.FromSeconds(5), "ping", address.Contains(':', StringComparison.Ordinal) ? "-6" : "-4", "-c", "1", "-W", "1", address).ExitCode == 0;

    /// <summary>A TCP connect to a listener in <paramref name="to"/>.</summary>
    public static bool Tcp(NetworkNamespace from, NetworkNamespace to, string address)
    {
        using var listener = to.Run(() => Listen(address));
        using var client = Connect(from, listener.LocalEndPoint!);
        return client is not null;
    }

    /// <summary>Connects from <paramref name="from"/>; null when the connect did not finish in time.</summary>
    public static Socket? Connect(NetworkNamespace from, EndPoint target) => from.Run(() =>
    {
        var client = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(WaitTime);
        try
        {
            client.ConnectAsync(target, timeout.Token).AsTask().GetAwaiter().GetResult();
            return client;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            client.Dispose();
            return null;
        }
    });

    /// <summary>A listening TCP socket on <paramref name="address"/>, any port (call inside the namespace).</summary>
    public static Socket Listen(string address)
    {
        var ip = IPAddress.Parse(address);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(ip, 0));
        socket.Listen();
        return socket;
    }

    /// <summary>Whether <paramref name="socket"/> receives something within the wait.</summary>
    public static bool Receives(Socket socket, Span<byte> buffer) =>
        socket.Poll(WaitTime, SelectMode.SelectRead) && socket.Receive(buffer) > 0;

    /// <summary>One UDP datagram to a socket in <paramref name="to"/>.</summary>
    public static bool Udp(NetworkNamespace from, NetworkNamespace to, string address)
    {
        var ip = IPAddress.Parse(address);
        using var receiver = to.Run(() =>
        {
            var s = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(ip, 0));
            return s;
        });
        using var sender = from.Run(() => new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
        try
        {
            sender.SendTo("owfp"u8, receiver.LocalEndPoint!);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            // EPERM: a netfilter hook in the sender's own OUTPUT path dropped the datagram.
            return false;
        }

        return Receives(receiver, new byte[16]);
    }

    /// <summary>
    /// Waits until host 1 of a fresh <see cref="NetworkNamespace.CreatePair"/> reaches host 2 in both families. Right
    /// after the links come up the first IPv6 neighbour solicitation can go unanswered, and the next one follows only
    /// after the 1 s retransmit timer: a 1 s test probe would then fail for reasons that have nothing to do with rules.
    /// </summary>
    public static void WaitForLink(NetworkNamespace a, int net)
    {
        foreach (var address in (string[])[NetworkNamespace.V4(net, 2), NetworkNamespace.V6(net, 2)])
        {
            var result = a.ExecWithTimeout(TimeSpan.FromSeconds(10), "ping", "-c", "1", "-W", "5", address);
            Assert.True(result.ExitCode == 0, $"the link to {address} works before the rules: {result.StandardOutput}");
        }
    }
}
