using System.Runtime.InteropServices;
using System.Text;

namespace OpenWfp.Ebpf.Native;

/// <summary>
/// Collects libbpf's messages (libbpf_set_print) on the thread that is loading, so a refused program's error can name
/// the program and the verifier's own last word instead of a bare errno.
/// </summary>
internal static unsafe class LibbpfLog
{
    private const int MaxChars = 1 << 20;
    private static int _installed;

    [ThreadStatic]
    private static StringBuilder? _capture;

    /// <summary>Starts collecting this thread's libbpf messages (installs the print callback once per process).</summary>
    public static void Begin()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
        {
            Libbpf.SetPrint(&Print);
        }

        _capture = new StringBuilder();
    }

    /// <summary>Stops collecting and returns what was printed since <see cref="Begin"/>.</summary>
    public static string End()
    {
        var text = _capture?.ToString() ?? string.Empty;
        _capture = null;
        return text;
    }

    /// <summary>
    /// From a load's log: the program the kernel refused and the verifier's last line that says why (not its closing
    /// statistics), e.g. "openwfp_connect4: R1 invalid mem access 'scalar'". Null when the log names no program.
    /// </summary>
    public static string? RefusedProgram(string log)
    {
        var lines = log.Split('\n');
        string? program = null;
        var inLog = false;
        string? last = null;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.Contains("-- BEGIN PROG LOAD LOG --", StringComparison.Ordinal))
            {
                program = ProgramOf(line) ?? program;
                inLog = true;
                last = null;
                continue;
            }

            if (line.Contains("-- END PROG LOAD LOG --", StringComparison.Ordinal))
            {
                inLog = false;
                continue;
            }

            if (inLog && line.Length > 0 && !line.StartsWith("processed ", StringComparison.Ordinal)
                && !line.StartsWith("verification time", StringComparison.Ordinal) && !line.StartsWith("stack depth", StringComparison.Ordinal))
            {
                last = line;
            }

            if (!inLog && line.Contains("failed to load program", StringComparison.Ordinal) || line.Contains("BPF program load failed", StringComparison.Ordinal))
            {
                program ??= ProgramOf(line);
            }
        }

        return program is null ? null : last is null ? program : $"{program}: {last}";
    }

    private static string? ProgramOf(string line)
    {
        var start = line.IndexOf("prog '", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += 6;
        var end = line.IndexOf('\'', start);
        return end > start ? line[start..end] : null;
    }

    [UnmanagedCallersOnly]
    private static int Print(int level, nint format, nint args)
    {
        var capture = _capture;
        if (capture is null || capture.Length > MaxChars)
        {
            return 0;
        }

        // A va_list is consumed by one vsnprintf: measure with a copy (va_copy is a plain copy of the va_list struct on
        // x86-64 and arm64, which the callback receives by address), then format with the original.
        var copy = stackalloc byte[32];
        Buffer.MemoryCopy((void*)args, copy, 32, RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 32);
        var n = LibC.VsnPrintf(null, 0, format, (nint)copy);
        if (n <= 0)
        {
            return 0;
        }

        var bytes = new byte[n + 1];
        fixed (byte* buffer = bytes)
        {
            n = Math.Min(n, LibC.VsnPrintf(buffer, (nuint)bytes.Length, format, args));
        }

        capture.Append(Encoding.UTF8.GetString(bytes, 0, n));
        return 0;
    }
}
