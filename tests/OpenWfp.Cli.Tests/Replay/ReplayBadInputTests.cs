using OpenWfp.Testing.Cli;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary>Bad captures and command lines: one clear line naming the file and the item; exit 1 when nothing is usable.</summary>
public sealed class ReplayBadInputTests
{
    [Fact]
    public void NotACapture_IsOneLineAndExit1()
    {
        using var files = new SampleFiles();
        var text = files.Path2("notes.txt");
        File.WriteAllText(text, "this is not a capture\n");
        var (code, output, error) = CliRunner.Run("replay", text, "--policy", files.Policy);
        Assert.Equal(1, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"wfp: {text}: not a capture file OpenWfp can read:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Summary", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedCapture_ReplaysTheCompleteFrames_AndSaysWhereItWasCut()
    {
        using var files = new SampleFiles();
        var bytes = files.CaptureBytes();
        var cut = files.Path2("cut.pcapng");
        File.WriteAllBytes(cut, bytes[..(PacketBlockOffset(bytes, 60) + 30)]);
        var (code, output, error) = CliRunner.Run("replay", cut, "--policy", files.Policy, "--summary");
        Assert.Equal(0, code);
        Assert.Contains("frames     59 ", output, StringComparison.Ordinal);
        Assert.Matches($@"^wfp: {System.Text.RegularExpressions.Regex.Escape(cut)}: frame 60 is cut short at byte \d+ \(the capture was not closed cleanly\); replayed the 59 frames before it\s*$", error);
    }

    [Fact]
    public void TruncatedCapture_WarnsOnce_AndEveryDirectionLineSaysSomething()
    {
        using var files = new SampleFiles();
        var cut = files.Path2("cut.pcapng");
        File.WriteAllBytes(cut, files.CaptureBytes()[..3000]);
        var (code, output, error) = CliRunner.Run("replay", cut, "--policy", files.Policy);
        Assert.Equal(0, code);
        Assert.Equal(
            $"wfp: {cut}: frame 23 is cut short at byte 2984 (the capture was not closed cleanly); replayed the 22 frames before it\n",
            error.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("cut short", output, StringComparison.Ordinal);
        Assert.DoesNotContain("part-way", output, StringComparison.Ordinal);
        Assert.Contains("  direction  12 outbound, 10 inbound\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void CaptureCutInsideItsFirstFrame_SaysNoFrames_InsteadOfEmptyLines()
    {
        using var files = new SampleFiles();
        var cut = files.Path2("cut.pcapng");
        File.WriteAllBytes(cut, files.CaptureBytes()[..200]);
        var (code, output, error) = CliRunner.Run("replay", cut, "--policy", files.Policy);
        Assert.Equal(0, code);
        Assert.Equal($"wfp: {cut}: frame 1 is cut short at byte 180 (the capture was not closed cleanly); no complete frame before it to replay\n", error.ReplaceLineEndings("\n"));
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        Assert.Contains("  direction  none (no frames)", lines);
        Assert.Contains("  no packet reached a layer", lines);
        Assert.DoesNotContain(lines, l => l.Length > 0 && l.Trim().Length == 0);
        Assert.DoesNotContain("\n\n\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("  direction", StringComparison.Ordinal) && l.TrimEnd() == "  direction");
    }

    [Theory]
    [InlineData(new[] { "replay", "--bogus-flag" }, "wfp: unknown option --bogus-flag (see 'wfp replay --help')")]
    [InlineData(new[] { "replay", "x.pcapng", "--policy", "p.json", "-z" }, "wfp: unknown option -z (see 'wfp replay --help')")]
    [InlineData(new[] { "apply", "--bogus" }, "wfp: unknown option --bogus (see 'wfp apply --help')")]
    [InlineData(new[] { "import", "--frob" }, "wfp: unknown option --frob (see 'wfp import --help')")]
    [InlineData(new[] { "show", "filters", "--bogus" }, "wfp: unknown option --bogus (see 'wfp show filters --help')")]
    public void UnknownOption_IsNamedAsOne_NotTakenAsAFileName(string[] args, string expected)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal(expected + "\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void CorruptBlockMidFile_PrintsWhatWasReplayed_NamesTheFrame_Exit1()
    {
        using var files = new SampleFiles();
        var bytes = files.CaptureBytes();

        // Break the length field of the 10th Enhanced Packet Block.
        BitConverter.TryWriteBytes(bytes.AsSpan(PacketBlockOffset(bytes, 10) + 4), 7);

        var corrupt = files.Path2("corrupt.pcapng");
        File.WriteAllBytes(corrupt, bytes);
        var (code, output, error) = CliRunner.Run("replay", corrupt, "--policy", files.Policy, "--summary");
        Assert.Equal(1, code);
        Assert.Contains("frames     9 ", output, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("frame 10", error, StringComparison.Ordinal);
        Assert.EndsWith("replayed the 9 frames before it", error.TrimEnd(), StringComparison.Ordinal);
    }

    /// <summary>The byte offset of the n-th Enhanced Packet Block (type 6) of a little-endian pcapng file.</summary>
    private static int PacketBlockOffset(byte[] bytes, int n)
    {
        var offset = 0;
        var seen = 0;
        while (offset < bytes.Length)
        {
            if (BitConverter.ToUInt32(bytes, offset) == 6 && ++seen == n)
            {
                return offset;
            }

            offset += BitConverter.ToInt32(bytes, offset + 4);
        }

        throw new InvalidOperationException($"the sample has fewer than {n} packet blocks");
    }

    [Theory]
    [InlineData(new[] { "replay", "x.pcapng" }, "x.pcapng: --policy FILE is required")]
    [InlineData(new[] { "replay", "--policy", "p.json" }, "a CAPTURE file is required with --policy")]
    [InlineData(new[] { "replay", "/nonexistent/x.pcapng", "--policy", "p.json" }, "/nonexistent/x.pcapng: no such capture file")]
    [InlineData(new[] { "replay", "--local", "10.0.0.0/40" }, "--local '10.0.0.0/40': the prefix length must be a number from 0 to 32")]
    [InlineData(new[] { "replay", "--unparsed", "maybe" }, "maybe")]
    [InlineData(new[] { "explain", "--capture", "x.pcapng" }, "x.pcapng: --frame N is required with --capture")]
    [InlineData(new[] { "explain", "--frame", "3" }, "--frame and --local need --capture FILE")]
    public void BadCommandLines_AreOneLineAndExit1(string[] args, string expected)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
