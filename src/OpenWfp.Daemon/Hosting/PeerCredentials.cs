using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using OpenWfp.Bfe.Access;

namespace OpenWfp.Daemon.Hosting;

/// <summary>
/// Who is on the other end of a Unix socket connection: SO_PEERCRED (socket(7): struct ucred { pid_t pid; uid_t uid;
/// gid_t gid; }, 12 bytes), read once per connection by a Kestrel connection middleware, plus the supplementary
/// groups from /proc/PID/status.
/// </summary>
internal static class PeerCredentials
{
    /// <summary>SOL_SOCKET (asm-generic/socket.h).</summary>
    public const int SolSocket = 1;

    /// <summary>SO_PEERCRED (asm-generic/socket.h).</summary>
    public const int SoPeerCred = 17;

    private const string ItemKey = "openwfp.peer";

    /// <summary>Reads the peer's credentials and keeps them with the connection.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => context =>
    {
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is not null && Read(socket) is { } caller)
        {
            context.Items[ItemKey] = caller;
        }

        return next(context);
    };

    /// <summary>The caller recorded for a connection, or null (then every call is refused).</summary>
    public static CallerIdentity? Of(IDictionary<object, object?>? connectionItems) =>
        connectionItems is not null && connectionItems.TryGetValue(ItemKey, out var v) ? v as CallerIdentity : null;

    /// <summary>SO_PEERCRED of a connected Unix socket.</summary>
    public static CallerIdentity? Read(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            var n = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
            if (n < 12)
            {
                return null;
            }
        }
        catch (SocketException)
        {
            return null;
        }

        // struct ucred is in the host's byte order.
        var pid = MemoryMarshal.Read<int>(ucred);
        var uid = MemoryMarshal.Read<uint>(ucred[4..]);
        var gid = MemoryMarshal.Read<uint>(ucred[8..]);
        return new CallerIdentity(uid, gid, pid, SupplementaryGroups(pid));
    }

    /// <summary>The "Groups:" line of /proc/PID/status (proc(5)); empty when unreadable.</summary>
    public static IReadOnlyList<uint> SupplementaryGroups(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Groups:", StringComparison.Ordinal))
                {
                    return [.. line[7..].Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse)];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return [];
    }
}
