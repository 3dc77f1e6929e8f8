using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using OpenWfp.Engine;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile.Netsh;
using OpenWfp.Testing;

namespace OpenWfp.Benchmarks;

/// <summary>
/// Importing a netsh wfp show state dump of about 1,000 filters (target: "well under a second", docs/BENCHMARKS.md): read the XML,
/// convert every item, add everything to a fresh engine and commit. The dump is written by NetshExporter from a
/// 1,000-filter policy whose filters carry descriptions and 2 KB of provider data each, to reach the several
/// megabytes a real dump of that size has.
/// </summary>
[Config(typeof(CompileConfig))]
public class NetshImportBenchmarks
{
    private byte[] _dump = [];
    private byte[] _real = [];

    /// <summary>Bytes in the dump (shown in the report's parameters column).</summary>
    [Params(1000)]
    public int Filters { get; set; }

    /// <summary>Exports the policy once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var source = TrafficPolicy.Build(seed: 3, Filters);
        var padded = new FilterEngine();
        using (var txn = padded.BeginTransaction())
        {
            foreach (var s in source.Current.SublayersByKey.Values.Where(s => !s.IsBuiltin))
            {
                txn.AddSublayer(s);
            }

            var blob = new byte[2048];
            new Random(3).NextBytes(blob);
            foreach (var f in source.Current.Filters)
            {
                txn.AddFilter(f with
                {
                    DisplayData = new DisplayData(f.DisplayData.Name, "Imported from a Windows host; description kept as netsh prints it. " + new string('x', 200)),
                    ProviderData = blob,
                });
            }

            txn.Commit();
        }

        _dump = Encoding.UTF8.GetBytes(NetshExporter.Write(padded.Current));
        Console.WriteLine($"// netsh dump: {_dump.Length:N0} bytes, {Filters} filters");

        // The real Windows 11 state dump the tests use (1,254 filters, 469 provider contexts, 89 callouts).
        using var gz = new GZipStream(File.OpenRead(RealDumpPath()), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gz.CopyTo(bytes);
        _real = bytes.ToArray();
        Console.WriteLine($"// real netsh dump: {_real.Length:N0} bytes");
    }

    private static string RealDumpPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "OpenWfp.Engine.Tests", "Netsh", "Data", "real", "keploy-win11-wfpstate.xml.gz");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tests/OpenWfp.Engine.Tests/Netsh/Data/real/keploy-win11-wfpstate.xml.gz not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The real dump: parse, convert (provider contexts, callouts and built-in state too), add and commit.</summary>
    [Benchmark]
    public int ImportRealStateDump()
    {
        using var stream = new MemoryStream(_real, writable: false);
        var result = NetshImporter.Import(stream, "keploy-win11-wfpstate.xml", out var engine);
        return result.Filters + result.ProviderContexts + engine.Current.FilterCount;
    }

    /// <summary>Parse, convert, add and commit.</summary>
    [Benchmark]
    public int ImportStateDump()
    {
        using var stream = new MemoryStream(_dump, writable: false);
        var result = NetshImporter.Import(stream, "bench.xml", out var engine);
        return result.Filters + engine.Current.FilterCount;
    }
}
