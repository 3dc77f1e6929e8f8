namespace OpenWfp.Ebpf;

/// <summary>The kernel or libbpf refused something the eBPF data plane needs; the message says what and why in one line.</summary>
public sealed class EbpfException : Exception
{
    /// <summary>An error with a message.</summary>
    /// <param name="message">One line.</param>
    public EbpfException(string message)
        : base(message)
    {
    }

    /// <summary>An error with a message and its cause.</summary>
    /// <param name="message">One line.</param>
    /// <param name="inner">The cause.</param>
    public EbpfException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>An empty error (for serializers).</summary>
    public EbpfException()
    {
    }
}
