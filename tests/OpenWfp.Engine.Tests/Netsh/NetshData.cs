namespace OpenWfp.Engine.Tests.Netsh;

/// <summary>The hand-written dumps under Netsh/Data, copied next to the test assembly.</summary>
internal static class NetshData
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Netsh", "Data", name);

    public static Stream Open(string name) => File.OpenRead(PathOf(name));

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));
}
