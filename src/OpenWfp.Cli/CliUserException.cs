namespace OpenWfp.Cli;

/// <summary>A mistake in the command line or its inputs: printed as one line on stderr, exit code 1.</summary>
internal sealed class CliUserException(string message) : Exception(message)
{
}
