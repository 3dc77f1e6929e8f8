namespace OpenWfp.Engine.Tests;

public class SmokeTests
{
    [Fact]
    public void Placeholder_IsOne() => Assert.Equal(1, Placeholder.Value);
}
