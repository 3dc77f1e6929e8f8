using System.Diagnostics;

namespace OpenWfp.Pcap.Tests;

public sealed class TsharkTests
{
    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.PcapNg)]
    public void WrittenFile_ReadByTshark_ReportsFrameLengths(CaptureFormat format)
    {
        var tshark = FindOnPath("tshark");
        if (tshark is null)
        {
            Assert.Skip("tshark is not installed; the Wireshark interoperability check needs it.");
        }

        var path = Path.Combine(Path.GetTempPath(), $"openwfp-pcap-{Guid.NewGuid():N}.{(format == CaptureFormat.Pcap ? "pcap" : "pcapng")}");
        try
        {
            using (var stream = File.Create(path))
            using (var writer = format == CaptureFormat.Pcap
                ? CaptureWriter.CreatePcap(stream, LinkTypes.Ethernet, CaptureTimestampResolution.Nanoseconds)
                : CaptureWriter.CreatePcapNg(stream))
            {
                writer.Write(Captures.T0, LinkTypes.Ethernet, Captures.Payload(60, 1));
                writer.Write(Captures.T0.AddMilliseconds(1), LinkTypes.Ethernet, Captures.Payload(61, 2), originalLength: 1514);
                writer.Write(Captures.T0.AddMilliseconds(2), LinkTypes.Ethernet, Captures.Payload(99, 3));
            }

            var psi = new ProcessStartInfo(tshark, ["-r", path, "-T", "fields", "-e", "frame.len"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();

            Assert.True(process.ExitCode == 0, error);
            Assert.Equal(["60", "1514", "99"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
