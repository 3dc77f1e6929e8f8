namespace OpenWfp.Dataplane.Rules;

/// <summary>
/// The kernel rules could not be read or changed. The message is one line that names the cause and, for known failures
/// (no NFQUEUE target, not root, tools missing), the fix; the tool's own error output follows it.
/// </summary>
public sealed class RulesException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line: the cause and the fix.</param>
    public RulesException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for a tool that failed.</summary>
    /// <param name="message">One line: the cause and the fix.</param>
    /// <param name="exitCode">The tool's exit code (-1 when it was killed for running too long).</param>
    /// <param name="standardError">What the tool printed on stderr.</param>
    public RulesException(string message, int exitCode, string standardError)
        : base(message)
    {
        ExitCode = exitCode;
        StandardError = standardError;
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">One line: the cause and the fix.</param>
    /// <param name="innerException">The cause.</param>
    public RulesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The failing tool's exit code, or null when no tool ran to the end.</summary>
    public int? ExitCode { get; }

    /// <summary>What the failing tool printed on stderr, or null.</summary>
    public string? StandardError { get; }
}
