using System.Text.Json;
using System.Text.Json.Serialization;
using OpenWfp.Bfe.Access;

namespace OpenWfp.Daemon.Hosting;

/// <summary>
/// wfpd's settings: defaults, then the config file (JSON, --config), then the command line. Documented in
/// docs/WFPD.md; contrib/wfpd.json is a commented sample.
/// </summary>
internal sealed record DaemonConfig
{
    public const string DefaultStateDirectory = "/var/lib/openwfp";
    public const string DefaultSocket = "/run/openwfp/bfe.sock";
    public const string DefaultConfigFile = "/etc/openwfp/wfpd.json";

    /// <summary>The variable wfp and the client read for the socket; wfpd reads it too, so one export serves both.</summary>
    public const string SocketEnvironmentVariable = "OPENWFP_SOCKET";

    /// <summary>$OPENWFP_SOCKET when set and not empty.</summary>
    public static string? SocketFromEnvironment() =>
        Environment.GetEnvironmentVariable(SocketEnvironmentVariable) is { Length: > 0 } s ? s : null;

    /// <summary>Where the policy store (policy.db) lives.</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>The management socket.</summary>
    public string Socket { get; init; } = DefaultSocket;

    /// <summary>Members of this group (name or number) may change policy; root always may. Null: root only.</summary>
    public string? WriterGroup { get; init; } = "openwfp";

    /// <summary>Who else may read: everyone (who can reach the socket), group, none.</summary>
    public ReadAccess Readers { get; init; } = ReadAccess.Everyone;

    /// <summary>The reader group, for readers = group.</summary>
    public string? ReaderGroup { get; init; }

    /// <summary>The socket file's group (mode 0660). Null: the writer group if it exists, else root's.</summary>
    public string? SocketGroup { get; init; }

    /// <summary>False for --no-dataplane: serve the API only, touch nothing in the kernel.</summary>
    public bool Dataplane { get; init; } = true;

    /// <summary>
    /// --dataplane: which data plane enforces the policy. Auto (the default) runs the eBPF data plane where the kernel
    /// allows it, beside the NFQUEUE one for what the kernel hands over, and NFQUEUE alone elsewhere (docs/DATAPLANE.md).
    /// </summary>
    public DataplaneMode DataplaneMode { get; init; } = DataplaneMode.Auto;

    /// <summary>
    /// --cgroup: the cgroup-v2 directory the eBPF programs attach to; they see the sockets of processes in it and below.
    /// Null: the cgroup-v2 root (every process of the machine; the programs act only on this network namespace's sockets).
    /// </summary>
    public string? Cgroup { get; init; }

    /// <summary>--bpf-dir: where in bpffs the eBPF programs, links and maps are pinned, so they outlive wfpd.</summary>
    public string BpfDirectory { get; init; } = DefaultBpfDirectory;

    /// <summary>The default <see cref="BpfDirectory"/>.</summary>
    public const string DefaultBpfDirectory = "/sys/fs/bpf/openwfp";

    /// <summary>The first NFQUEUE number the data plane binds (docs/DATAPLANE.md).</summary>
    public ushort QueueNumber { get; init; } = 7000;

    /// <summary>How many queues (one thread each); more than one spreads flows with --queue-balance.</summary>
    public ushort QueueCount { get; init; } = 1;

    /// <summary>
    /// Let packets pass while wfpd is down (--queue-bypass) or overloaded (NFQA_CFG_F_FAIL_OPEN) instead of dropping
    /// them. Off by default (fail-closed).
    /// </summary>
    public bool FailOpen { get; init; }

    /// <summary>The lowest of the four consecutive packet/connection mark bits wfpd owns (default 20: mask 0x00F00000).</summary>
    public int MarkShift { get; init; } = 20;

    /// <summary>Look up the process behind new connections (ALE_APP_ID, ALE_USER_ID, net events).</summary>
    public bool ProcessIdentity { get; init; } = true;

    /// <summary>--callout-dir: callout plug-ins (*.dll) loaded at start and followed while wfpd runs (docs/CALLOUTS.md). Null: none.</summary>
    public string? CalloutDirectory { get; init; }

    /// <summary>--callout-deadline-ms: a classify call running longer than this declares its callout hung (docs/CALLOUTS.md, Containment).</summary>
    public int CalloutDeadlineMs { get; init; } = 200;

    /// <summary>Largest request accepted, in bytes (larger ones get RESOURCE_EXHAUSTED).</summary>
    public int MaxRequestBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long a classify waits for a remote callout's answer before acting as unregistered (docs/CALLOUTS.md, Remote callouts).</summary>
    public int RemoteCalloutDeadlineMs { get; init; } = 100;

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a config file; a missing default file is not an error, a missing named one is.</summary>
    public static DaemonConfig Load(string? path)
    {
        var file = path ?? DefaultConfigFile;
        if (!File.Exists(file))
        {
            return path is null ? new DaemonConfig() : throw new DaemonStartException($"{file}: no such config file");
        }

        try
        {
            return JsonSerializer.Deserialize<DaemonConfig>(File.ReadAllText(file), FileOptions) ?? new DaemonConfig();
        }
        catch (JsonException e)
        {
            throw new DaemonStartException($"{file}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new DaemonStartException($"{file}: {e.Message}");
        }
    }

    /// <summary>The access policy with group names resolved through /etc/group.</summary>
    public AccessPolicy ToAccessPolicy() => new()
    {
        WriterGroupId = GroupId(WriterGroup),
        Readers = Readers,
        ReaderGroupId = GroupId(ReaderGroup),
    };

    /// <summary>A group's id from its name or number; null when unset or unknown.</summary>
    public static uint? GroupId(string? group)
    {
        if (string.IsNullOrWhiteSpace(group))
        {
            return null;
        }

        if (uint.TryParse(group, out var gid))
        {
            return gid;
        }

        try
        {
            foreach (var line in File.ReadLines("/etc/group"))
            {
                var parts = line.Split(':');
                if (parts.Length >= 3 && parts[0] == group && uint.TryParse(parts[2], out gid))
                {
                    return gid;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}

/// <summary>wfpd cannot start; the message is one line naming the file or setting.</summary>
internal sealed class DaemonStartException(string message) : Exception(message);

/// <summary>The data plane wfpd runs (--dataplane).</summary>
internal enum DataplaneMode
{
    /// <summary>eBPF where the kernel allows it (with NFQUEUE for what it hands over), else NFQUEUE alone.</summary>
    Auto,

    /// <summary>NFQUEUE alone: every connection's first packet is decided in wfpd.</summary>
    Nfqueue,

    /// <summary>eBPF (with NFQUEUE for what it hands over); wfpd refuses to start where the kernel cannot run it.</summary>
    Ebpf,
}
