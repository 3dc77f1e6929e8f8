using OpenWfp.Client;
using OpenWfp.Engine;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;

namespace OpenWfp.Cli.Daemon;

/// <summary>
/// The daemon's policy (GetState) loaded into a local <see cref="FilterEngine"/>, for the commands that work on a
/// policy file and can work on the daemon's too (explain, export): the same objects, keys, filter ids and
/// effective weights. Boot-time filters are left out: wfpd enforces them only while it starts.
/// </summary>
internal static class DaemonPolicy
{
    /// <summary>Whether a key is one of the catalog's built-in providers, sublayers or callouts (bfe.proto does not say).</summary>
    /// <param name="key">The key.</param>
    /// <returns>True for a built-in object.</returns>
    public static bool IsBuiltin(Guid key) => LayerCatalog.BuiltinNameOf(key) is not null || OpenWfpCallouts.Find(key) is not null;

    /// <summary>Fetches the daemon's state and loads it into a new engine.</summary>
    /// <param name="client">The session.</param>
    /// <returns>The state and the engine.</returns>
    public static async Task<(BfeState State, FilterEngine Engine)> LoadAsync(BfeClient client)
    {
        var state = await client.GetStateAsync().ConfigureAwait(false);
        return (state, ToEngine(state, client.SocketPath));
    }

    /// <summary>Loads a state into a new engine in one transaction.</summary>
    /// <param name="state">The state.</param>
    /// <param name="source">The daemon as error lines name it.</param>
    /// <returns>The engine.</returns>
    public static FilterEngine ToEngine(BfeState state, string source)
    {
        var engine = new FilterEngine();
        using var txn = engine.BeginTransaction();
        foreach (var p in state.Providers.Where(p => !IsBuiltin(p.Key)))
        {
            Add(source, $"provider \"{p.DisplayData.Name}\" {{{p.Key}}}", () => txn.AddProvider(p));
        }

        foreach (var s in state.Sublayers.Where(s => !IsBuiltin(s.Key)))
        {
            Add(source, $"sublayer \"{s.DisplayData.Name}\" {{{s.Key}}}", () => txn.AddSublayer(s));
        }

        foreach (var c in state.Callouts.Where(c => !IsBuiltin(c.Key)))
        {
            Add(source, $"callout \"{c.DisplayData.Name}\" {{{c.Key}}}", () => txn.AddCallout(c));
        }

        foreach (var c in state.ProviderContexts)
        {
            Add(source, $"provider context \"{c.DisplayData.Name}\" {{{c.Key}}}", () => txn.AddProviderContext(c));
        }

        foreach (var f in state.Filters.Where(f => (f.Flags & FilterFlags.BootTime) == 0).OrderBy(f => f.FilterId))
        {
            Add(source, f.ToString(), () => txn.AddFilter(f));
        }

        txn.Commit();
        return engine;
    }

    private static void Add<T>(string source, string what, Func<T> add)
    {
        try
        {
            add();
        }
        catch (WfpException ex)
        {
            // The daemon holds it, so the local engine should too; say which object if not.
            throw new CliUserException($"{source}: the daemon's policy: its {what} does not load into the local engine: {DaemonSession.Message(ex)} [{DaemonSession.ErrorName(ex.Error)}]");
        }
    }
}
