namespace OpenWfp.Cli;

/// <summary>Where a command writes, and whether it may colour its output (a terminal with NO_COLOR unset).</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error: user errors, one line each.</param>
/// <param name="Color">True to use ANSI colours on <paramref name="Out"/>.</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool Color)
{
    /// <summary>
    /// Ends a command that runs until interrupted (<c>wfp events --follow</c>) as Ctrl-C does; tests cancel it
    /// instead of sending SIGINT.
    /// </summary>
    public CancellationToken Interrupt { get; init; }

    /// <summary>
    /// How long a daemon-facing command keeps retrying while wfpd's socket does not exist yet or refuses connections
    /// (<c>--wait SECONDS</c>); zero fails at once.
    /// </summary>
    public TimeSpan DaemonWait { get; init; }
}
