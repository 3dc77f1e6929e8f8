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
