namespace OpenWfp.Client.Tests;

/// <summary>Test classes that set OPENWFP_SOCKET run one at a time (the environment is process-wide).</summary>
[CollectionDefinition(Name)]
public sealed class EnvironmentCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "OPENWFP_SOCKET";
}
