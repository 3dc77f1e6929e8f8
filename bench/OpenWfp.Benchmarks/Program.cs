using BenchmarkDotNet.Running;
using OpenWfp.Benchmarks;

if (args.Length > 0 && args[0] == "--memory")
{
    MemoryReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100000);
    return 0;
}

if (args.Length > 0 && args[0] == "--candidates")
{
    TreeReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100000);
    return 0;
}

if (args.Length > 0 && args[0] == "--replay")
{
    ReplayReport.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(ClassifyBenchmarks).Assembly).Run(args);
return 0;
