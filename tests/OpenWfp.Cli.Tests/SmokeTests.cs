namespace OpenWfp.Cli.Tests;

public class SmokeTests
{
    [Fact]
    public void Placeholder_IsOne() => Assert.Equal(1, OpenWfp.Engine.Placeholder.Value);
}
