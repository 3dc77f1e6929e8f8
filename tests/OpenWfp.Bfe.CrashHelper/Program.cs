using System.Globalization;
using OpenWfp.Bfe.CrashHelper;
using OpenWfp.Bfe.Persistence;

// Usage: OpenWfp.Bfe.CrashHelper <store path> <filters per batch>
// Opens the store and loops until killed: batch b adds the filters CrashBatch.Filter(b, 0..n-1) and deletes batch
// b-1's, in one Apply; "committed b" is printed after each Apply returns. A store left by an earlier (killed) run is
// continued: its batch (the filters' raw context) is the one deleted first.
// Usage: OpenWfp.Bfe.CrashHelper open <store path>
// Opens the store once and prints "opened" or the one-line error: the permission tests run this as another user.
if (args.Length == 2 && args[0] == "open")
{
    try
    {
        SqlitePolicyStore.Open(args[1]).Dispose();
        Console.Out.WriteLine("opened");
    }
    catch (PolicyStoreException e)
    {
        Console.Out.WriteLine(e.Message);
    }

    return 0;
}

if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < 1)
{
    Console.Error.WriteLine("usage: OpenWfp.Bfe.CrashHelper <store path> <filters per batch>");
    return 2;
}

using var store = SqlitePolicyStore.Open(args[0]);
var stored = store.Load().Filters;
var previous = stored.Count == 0 ? 0L : (long)stored[0].RawContext;
for (var batch = previous + 1; ; batch++)
{
    var added = new OpenWfp.Engine.Model.FilterSpec[size];
    for (var i = 0; i < size; i++)
    {
        added[i] = CrashBatch.Filter(batch, i);
    }

    store.Apply(new PolicyChangeSet
    {
        AddedFilters = added,
        DeletedFilters = previous == 0 ? [] : CrashBatch.Keys(previous, size),
    });
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"committed {batch}"));
    Console.Out.Flush();
    previous = batch;
}
