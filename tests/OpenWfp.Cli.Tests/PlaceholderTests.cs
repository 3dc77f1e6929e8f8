namespace OpenWfp.Cli.Tests;

public class PlaceholderTests
{
    [Fact]
    public void CliAssembly_IsNamedWfp() => Assert.Equal("wfp", typeof(OpenWfp.Cli.CliMarker).Assembly.GetName().Name);
}
