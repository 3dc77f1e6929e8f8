using System.Text;

namespace OpenWfp.Dataplane.Identity;

/// <summary>Parsers for the /proc files the identity lookup reads; pure functions over bytes.</summary>
internal static class ProcParsers
{
    /// <summary>What the kernel appends to <c>/proc/&lt;pid&gt;/exe</c> when the file was unlinked (fs/d_path.c).</summary>
    internal const string DeletedSuffix = " (deleted)";

    /// <summary>
    /// Field 22 of <c>/proc/&lt;pid&gt;/stat</c> (proc(5)): starttime. Field 2 (comm) is in parentheses and may itself
    /// contain spaces and ')', so counting starts after the last ')'.
    /// </summary>
    /// <param name="stat">The file's contents.</param>
    /// <param name="startTime">The start time in clock ticks.</param>
    /// <returns>False when malformed.</returns>
    public static bool TryParseStartTime(ReadOnlySpan<byte> stat, out ulong startTime)
    {
        startTime = 0;
        var close = stat.LastIndexOf((byte)')');
        if (close < 0)
        {
            return false;
        }

        // After ')' come fields 3, 4, …, each preceded by one space; field 22 is the 20th of them.
        var rest = stat[(close + 1)..];
        for (var field = 3; field <= 22; field++)
        {
            if (rest.IsEmpty || rest[0] != (byte)' ')
            {
                return false;
            }

            rest = rest[1..];
            var end = rest.IndexOfAny((byte)' ', (byte)'\n');
            var token = end < 0 ? rest : rest[..end];
            if (field == 22)
            {
                return TryParseUInt64(token, out startTime);
            }

            rest = end < 0 ? default : rest[end..];
        }

        return false;
    }

    /// <summary>
    /// The effective uid (second value of "Uid:"), the effective gid (second value of "Gid:") and the "Groups:" line of
    /// <c>/proc/&lt;pid&gt;/status</c> (proc(5); values are tab-separated: real, effective, saved, filesystem).
    /// </summary>
    /// <param name="status">The file's contents.</param>
    /// <param name="uid">The effective uid.</param>
    /// <param name="gids">Cleared, then the effective gid followed by the supplementary groups, without duplicates.</param>
    /// <returns>False when the Uid or Gid line is missing or malformed.</returns>
    public static bool TryParseStatus(ReadOnlySpan<byte> status, out uint uid, List<uint> gids)
    {
        uid = 0;
        gids.Clear();
        var haveUid = false;
        var haveGid = false;
        ReadOnlySpan<byte> groups = default;
        while (!status.IsEmpty)
        {
            var end = status.IndexOf((byte)'\n');
            var line = end < 0 ? status : status[..end];
            status = end < 0 ? default : status[(end + 1)..];
            if (line.StartsWith("Uid:"u8))
            {
                haveUid = TryParseSecond(line[4..], out uid);
            }
            else if (line.StartsWith("Gid:"u8))
            {
                haveGid = TryParseSecond(line[4..], out var gid);
                if (haveGid)
                {
                    gids.Insert(0, gid);
                }
            }
            else if (line.StartsWith("Groups:"u8))
            {
                groups = line[7..];
            }
        }

        if (!haveUid || !haveGid)
        {
            return false;
        }

        while (!groups.IsEmpty)
        {
            groups = groups.TrimStart(" \t"u8);
            var end = groups.IndexOfAny((byte)' ', (byte)'\t');
            var token = end < 0 ? groups : groups[..end];
            groups = end < 0 ? default : groups[end..];
            if (token.IsEmpty)
            {
                continue;
            }

            if (!TryParseUInt64(token, out var value) || value > uint.MaxValue)
            {
                return false;
            }

            if (!gids.Contains((uint)value))
            {
                gids.Add((uint)value);
            }
        }

        return true;
    }

    /// <summary>Parses a <c>/proc/&lt;pid&gt;/fd/N</c> link target of the form "socket:[inode]".</summary>
    /// <param name="link">The link target.</param>
    /// <param name="inode">The socket inode.</param>
    /// <returns>False for anything else (files, pipes, anon inodes).</returns>
    public static bool TryParseSocketLink(ReadOnlySpan<byte> link, out ulong inode)
    {
        inode = 0;
        return link.Length > 9 && link.StartsWith("socket:["u8) && link[^1] == (byte)']' && TryParseUInt64(link[8..^1], out inode);
    }

    /// <summary>The executable path of an exe link: UTF-8, without the " (deleted)" the kernel adds for unlinked files.</summary>
    /// <param name="link">The raw link target.</param>
    /// <returns>The path.</returns>
    public static string ExePath(ReadOnlySpan<byte> link)
    {
        if (link.EndsWith(" (deleted)"u8))
        {
            link = link[..^DeletedSuffix.Length];
        }

        return Encoding.UTF8.GetString(link);
    }

    private static bool TryParseSecond(ReadOnlySpan<byte> values, out uint value)
    {
        value = 0;
        values = values.TrimStart(" \t"u8);
        var first = values.IndexOfAny((byte)'\t', (byte)' ');
        if (first < 0)
        {
            return false;
        }

        values = values[first..].TrimStart(" \t"u8);
        var end = values.IndexOfAny((byte)'\t', (byte)' ');
        var token = end < 0 ? values : values[..end];
        if (!TryParseUInt64(token, out var parsed) || parsed > uint.MaxValue)
        {
            return false;
        }

        value = (uint)parsed;
        return true;
    }

    private static bool TryParseUInt64(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 20)
        {
            return false;
        }

        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            var digit = (ulong)(b - '0');
            if (value > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }

            value = value * 10 + digit;
        }

        return true;
    }
}
