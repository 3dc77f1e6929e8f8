using System.Text.RegularExpressions;

namespace OpenWfp.Readme.Tests;

/// <summary>The shell blocks of README.md, in order, as a reader would paste them.</summary>
internal static partial class ReadmeBlocks
{
    /// <summary>The line that runs this very test suite; the README test cannot run it from inside itself.</summary>
    public const string TestSuiteLine = "dotnet test";

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ReadmePath => Path.Combine(RepositoryRoot, "README.md");

    /// <summary>Every fenced <c>sh</c> block's text.</summary>
    public static IReadOnlyList<string> Read() =>
        Fence().Matches(File.ReadAllText(ReadmePath)).Select(m => m.Groups["body"].Value).ToList();

    [GeneratedRegex(@"^```sh\n(?<body>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "wfp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no wfp.slnx above {AppContext.BaseDirectory}");
    }
}
