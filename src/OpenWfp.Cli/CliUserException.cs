namespace OpenWfp.Cli;

/// <summary>A mistake in the command line or its inputs: printed as one line on stderr, exit code 1.</summary>
/// <param name="message">The line.</param>
/// <param name="moreErrors">Further errors of the same failure (wfpd rejected an object for several reasons), one line each after it.</param>
internal sealed class CliUserException(string message, IReadOnlyList<string>? moreErrors = null) : Exception(message)
{
    /// <summary>Further errors, printed one a line after the message.</summary>
    public IReadOnlyList<string> MoreErrors { get; } = moreErrors ?? [];
}
