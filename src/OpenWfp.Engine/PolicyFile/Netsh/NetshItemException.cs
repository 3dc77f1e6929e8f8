namespace OpenWfp.Engine.PolicyFile.Netsh;

/// <summary>One item of a dump cannot be read; the importer reports it and goes on.</summary>
internal sealed class NetshItemException(string path, string reason) : Exception(reason)
{
    public string Path { get; } = path;
}
