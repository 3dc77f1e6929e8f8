namespace OpenWfp.Netlink;

/// <summary>Why <see cref="NfQueue.Open"/> failed, for callers that react differently (retry, other queue, exit).</summary>
public enum NfQueueFailure
{
    /// <summary>Any other failure; the message carries the errno.</summary>
    Other,

    /// <summary>Another socket (another process, or another <see cref="NfQueue"/>) owns the queue.</summary>
    AlreadyBound,

    /// <summary>The process lacks CAP_NET_ADMIN in this network namespace.</summary>
    NeedsCapNetAdmin,

    /// <summary>The kernel refused a configuration flag (EOPNOTSUPP).</summary>
    FlagNotSupported,

    /// <summary>The kernel has no nfnetlink or no nfnetlink_queue.</summary>
    NoKernelSupport,
}

/// <summary>An NFQUEUE could not be opened; the message is one line naming the cause and the fix.</summary>
public sealed class NfQueueException : NetlinkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errno">The errno.</param>
    /// <param name="failure">The classified cause.</param>
    /// <param name="message">One line naming the cause and the fix.</param>
    public NfQueueException(int errno, NfQueueFailure failure, string message)
        : base(errno, message) => Failure = failure;

    /// <summary>The classified cause.</summary>
    public NfQueueFailure Failure { get; }

    /// <summary>Builds the exception for a failed configuration step.</summary>
    /// <param name="step">What was sent: "bind", "PARAMS", "QUEUE_MAXLEN" or a flag name such as "NFQA_CFG_F_GSO".</param>
    /// <param name="queue">The queue number.</param>
    /// <param name="errno">The errno from the acknowledgement.</param>
    /// <param name="queueModulePresent">Whether the nfnetlink_queue proc file exists (the module is loaded).</param>
    /// <param name="ownerPortId">The port id that owns the queue according to the proc file, when another one does.</param>
    /// <returns>The exception.</returns>
    internal static NfQueueException ForStep(string step, ushort queue, int errno, bool queueModulePresent, uint? ownerPortId)
    {
        // The kernel checks the owner before the command: binding a queue held by another port id gives EPERM, binding
        // it twice from the same socket gives EBUSY (net/netfilter/nfnetlink_queue.c, nfqnl_recv_config).
        if (errno == OpenWfp.Netlink.Errno.EBUSY || (errno == OpenWfp.Netlink.Errno.EPERM && ownerPortId.HasValue))
        {
            var who = ownerPortId.HasValue ? $" (netlink port id {ownerPortId.Value})" : "";
            return new(errno, NfQueueFailure.AlreadyBound,
                $"NFQUEUE {queue} is already bound by another process{who} ({Name(errno)}): stop it or choose another queue number");
        }

        if (errno is OpenWfp.Netlink.Errno.EPERM or OpenWfp.Netlink.Errno.EACCES)
        {
            return new(errno, NfQueueFailure.NeedsCapNetAdmin, $"NFQUEUE {queue} needs CAP_NET_ADMIN (run wfpd as root) ({Name(errno)})");
        }

        if (!queueModulePresent && errno is OpenWfp.Netlink.Errno.EINVAL or OpenWfp.Netlink.Errno.EOPNOTSUPP or OpenWfp.Netlink.Errno.EPROTONOSUPPORT or OpenWfp.Netlink.Errno.ENODEV)
        {
            // nfnetlink answers EINVAL for a subsystem whose module is missing and cannot be loaded.
            return new(errno, NfQueueFailure.NoKernelSupport,
                $"this kernel has no nfnetlink_queue ({Name(errno)} on {step}): load the nfnetlink_queue module");
        }

        if (errno == OpenWfp.Netlink.Errno.EOPNOTSUPP && step.StartsWith("NFQA_CFG_F_", StringComparison.Ordinal))
        {
            return new(errno, NfQueueFailure.FlagNotSupported, $"this kernel does not support {step} (EOPNOTSUPP): turn that option off");
        }

        return new(errno, NfQueueFailure.Other, $"NFQUEUE {queue}: {step} failed: {OpenWfp.Netlink.Errno.Describe(errno)}");
    }

    /// <summary>Builds the exception for a netlink socket that could not be opened.</summary>
    /// <param name="inner">The socket failure.</param>
    /// <returns>The exception.</returns>
    internal static NfQueueException ForSocket(NetlinkException inner) => inner.Errno switch
    {
        OpenWfp.Netlink.Errno.EPROTONOSUPPORT => new(inner.Errno, NfQueueFailure.NoKernelSupport,
            "this kernel has no nfnetlink (EPROTONOSUPPORT): load the nfnetlink and nfnetlink_queue modules"),
        OpenWfp.Netlink.Errno.EPERM or OpenWfp.Netlink.Errno.EACCES => new(inner.Errno, NfQueueFailure.NeedsCapNetAdmin,
            $"NFQUEUE needs CAP_NET_ADMIN (run wfpd as root) ({Name(inner.Errno)})"),
        _ => new(inner.Errno, NfQueueFailure.Other, inner.Message),
    };

    private static string Name(int errno) => errno switch
    {
        OpenWfp.Netlink.Errno.EPERM => "EPERM",
        OpenWfp.Netlink.Errno.EACCES => "EACCES",
        OpenWfp.Netlink.Errno.EBUSY => "EBUSY",
        OpenWfp.Netlink.Errno.EINVAL => "EINVAL",
        OpenWfp.Netlink.Errno.ENODEV => "ENODEV",
        OpenWfp.Netlink.Errno.EOPNOTSUPP => "EOPNOTSUPP",
        OpenWfp.Netlink.Errno.EPROTONOSUPPORT => "EPROTONOSUPPORT",
        _ => $"errno {errno}",
    };
}
