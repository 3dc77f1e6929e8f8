using System.Runtime.InteropServices;

namespace OpenWfp.Dataplane.Live;

/// <summary>libc calls .NET has no managed form of.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();
}
