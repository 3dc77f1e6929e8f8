namespace OpenWfp.Cli.Commands;

/// <summary>The <c>explain --capture FILE --frame N [--local CIDR]…</c> part of a command line.</summary>
/// <param name="Capture">--capture, or null when only --frame or --local was given (an error).</param>
/// <param name="Frame">--frame, or null.</param>
/// <param name="Local">--local ranges.</param>
/// <param name="CalloutAssemblies">--callout-assembly: callout plug-ins to run while replaying up to the frame.</param>
internal sealed record CaptureFrameArguments(string? Capture, long? Frame, IReadOnlyList<string> Local, IReadOnlyList<string>? CalloutAssemblies = null);
