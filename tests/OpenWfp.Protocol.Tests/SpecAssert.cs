using OpenWfp.Engine.Model;

namespace OpenWfp.Protocol.Tests;

/// <summary>
/// Structural equality of the engine's specs. Record equality compares <c>byte[]</c> and condition lists by
/// reference, so those members are compared here element by element and the rest by the record's own equality.
/// </summary>
internal static class SpecAssert
{
    public static void Equal(FilterSpec expected, FilterSpec actual)
    {
        Assert.Equal(expected.Conditions, actual.Conditions);
        Bytes(expected.ProviderData, actual.ProviderData);
        Assert.Equal(Strip(expected), Strip(actual));

        static FilterSpec Strip(FilterSpec f) => f with { Conditions = [], ProviderData = null };
    }

    public static void Equal(ProviderSpec expected, ProviderSpec actual)
    {
        Bytes(expected.ProviderData, actual.ProviderData);
        Assert.Equal(expected with { ProviderData = null }, actual with { ProviderData = null });
    }

    public static void Equal(SublayerSpec expected, SublayerSpec actual)
    {
        Bytes(expected.ProviderData, actual.ProviderData);
        Assert.Equal(expected with { ProviderData = null }, actual with { ProviderData = null });
    }

    public static void Equal(CalloutSpec expected, CalloutSpec actual)
    {
        Bytes(expected.ProviderData, actual.ProviderData);
        Assert.Equal(expected with { ProviderData = null }, actual with { ProviderData = null });
    }

    public static void Equal(ProviderContextSpec expected, ProviderContextSpec actual)
    {
        Bytes(expected.ProviderData, actual.ProviderData);
        Bytes(expected.Data, actual.Data);
        Assert.Equal(expected with { ProviderData = null, Data = null }, actual with { ProviderData = null, Data = null });
    }

    private static void Bytes(byte[]? expected, byte[]? actual) => Assert.Equal(expected, actual);
}
