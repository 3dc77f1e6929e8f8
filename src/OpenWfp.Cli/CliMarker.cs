namespace OpenWfp.Cli;

/// <summary>Anchors the CLI assembly for tests.</summary>
internal static class CliMarker
{
}
