using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OpenWfp.Bfe.CrashHelper;
using OpenWfp.Bfe.Persistence;

namespace OpenWfp.Bfe.Tests.Persistence;

/// <summary>
/// kill -9 in the middle of commits never leaves half a change set: OpenWfp.Bfe.CrashHelper replaces one batch of
/// filters by the next, commit after commit, and is killed at a random moment; the store must then hold exactly one
/// whole batch, the last one it reported or the one after it (committed, but killed before it could say so).
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Runs = 60;
    private const int BatchSize = 40;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task KillDuringCommits_StoreHoldsExactlyOneWholeBatch()
    {
        var path = _temp.File("policy.db");
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        var unreported = 0;

        for (var run = 0; run < Runs; run++)
        {
            var delay = random.Next(50, 401);
            var (lastReported, stderr) = await RunAndKill(path, delay);

            // Reopening verifies the whole file (quick_check, every row) and recovers the WAL the helper left.
            using var store = SqlitePolicyStore.Open(path);
            var filters = store.Load().Filters;
            Assert.True(filters.Count > 0, $"run {run}: store is empty after batch {lastReported} was reported ({stderr})");
            var batch = (long)filters[0].RawContext;
            Assert.True(
                batch == lastReported || batch == lastReported + 1,
                $"run {run} (seed {seed}, kill after {delay} ms): store holds batch {batch}, last reported {lastReported}");
            Assert.Equal(Enumerable.Range(0, BatchSize).Select(i => CrashBatch.Filter(batch, i)), filters, SpecComparer<OpenWfp.Engine.Model.FilterSpec>.Instance);
            if (batch == lastReported + 1)
            {
                unreported++;
            }
        }

        output.WriteLine($"{Runs} kills; {unreported} of them after a commit that was not reported yet");
    }

    /// <summary>Starts the helper, kills it <paramref name="delay"/> ms after its first commit, and returns the last batch it reported.</summary>
    private static async Task<(long LastReported, string Stderr)> RunAndKill(string path, int delay)
    {
        var helper = Path.Combine(AppContext.BaseDirectory, "OpenWfp.Bfe.CrashHelper.dll");
        Assert.True(File.Exists(helper), $"{helper} is missing");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(helper);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(BatchSize.ToString(CultureInfo.InvariantCulture));

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the helper did not start");
        try
        {
            var firstCommit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long lastReported = -1;
            var stdout = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    Assert.StartsWith("committed ", line, StringComparison.Ordinal);
                    lastReported = long.Parse(line.AsSpan("committed ".Length), CultureInfo.InvariantCulture);
                    firstCommit.TrySetResult();
                }

                firstCommit.TrySetResult();
            });
            var stderr = process.StandardError.ReadToEndAsync();

            await firstCommit.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (process.HasExited)
            {
                Assert.Fail($"the helper exited ({process.ExitCode}) before it was killed: {await stderr}");
            }

            await Task.Delay(delay);
            process.Kill(); // SIGKILL
            await process.WaitForExitAsync();

            // The pipe holds everything printed before the kill; read it to the end for the last report.
            await stdout;
            Assert.True(lastReported > 0, $"the helper reported no commit: {await stderr}");
            return (lastReported, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }
        }
    }

    /// <summary>The dotnet host running these tests (DOTNET_HOST_PATH, else the one that owns this runtime, else PATH's).</summary>
    private static string DotnetHost()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        // <dotnet root>/shared/Microsoft.NETCore.App/<version>/
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
