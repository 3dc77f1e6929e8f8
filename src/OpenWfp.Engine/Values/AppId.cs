using System.Text;

namespace OpenWfp.Engine.Values;

/// <summary>
/// ALE_APP_ID values: WFP's application id is the executable's path as UTF-16LE including the terminating NUL
/// (what FwpmGetAppIdFromFileName0 returns; docs/LAYERS.md, Field values). On Linux the path is the executable's absolute path and
/// is not case-folded, since Linux paths are case-sensitive.
/// </summary>
public static class AppId
{
    /// <summary>The application id blob of a path.</summary>
    public static byte[] FromPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = new byte[(path.Length + 1) * 2];
        Encoding.Unicode.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary>An FWP_BYTE_BLOB_TYPE value holding the application id of a path.</summary>
    public static FwpValue ValueFromPath(string path) => FwpValue.FromByteBlob(FromPath(path));

    /// <summary>Decodes a blob that looks like an application id (even length, NUL-terminated, printable UTF-16).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> blob, out string text)
    {
        text = "";
        if (blob.Length < 4 || (blob.Length & 1) != 0 || blob[^1] != 0 || blob[^2] != 0)
        {
            return false;
        }

        var s = Encoding.Unicode.GetString(blob[..^2]);
        foreach (var c in s)
        {
            if (char.IsControl(c) || c == '\uFFFD')
            {
                return false;
            }
        }

        text = s;
        return true;
    }
}
