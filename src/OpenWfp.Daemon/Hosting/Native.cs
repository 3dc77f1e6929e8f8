using System.Runtime.InteropServices;

namespace OpenWfp.Daemon.Hosting;

/// <summary>The one libc call .NET has no managed form of: chown(2), to give the socket its group.</summary>
internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Chown(string path, int owner, int group);
}
