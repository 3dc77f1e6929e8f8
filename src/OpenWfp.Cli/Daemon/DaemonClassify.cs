using Grpc.Core;
using OpenWfp.Cli.Commands;
using OpenWfp.Cli.Input;
using OpenWfp.Cli.Output;
using OpenWfp.Client;
using OpenWfp.Engine;
using OpenWfp.Engine.Catalog;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Protocol.Mapping;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Cli.Daemon;

/// <summary>
/// <c>classify</c> and <c>explain</c> against the running wfpd: classify through its Classify call; explain on
/// the daemon's policy fetched with GetState and loaded into a local engine.
/// </summary>
internal static class DaemonClassify
{
    /// <summary>The policy line of the output: <c>wfpd at /run/openwfp/bfe.sock</c>.</summary>
    public static string PolicyName(string socket) => "wfpd at " + socket;

    /// <summary>The checks both commands make before connecting.</summary>
    public static LayerInfo CheckArguments(ClassifyArguments args, string command)
    {
        if (args.Policy is not null)
        {
            throw new CliUserException($"--policy {args.Policy} and --socket do not go together: '{command}' works on a policy file or on the running wfpd's policy");
        }

        return InputResolver.ResolveLayer(args.Layer ?? throw new CliUserException($"--layer LAYER is required with --socket, e.g. wfp {command} --socket --layer ALE_AUTH_CONNECT_V4 --value IP_REMOTE_PORT=443"));
    }

    /// <summary>The daemon's policy in a local engine, for explain and export.</summary>
    public static (FilterEngine Engine, string Socket) LoadPolicy(string? socket, TimeSpan wait, string command) =>
        DaemonSession.Call(socket, wait, command, async (client, path) =>
        {
            var (_, engine) = await DaemonPolicy.LoadAsync(client).ConfigureAwait(false);
            return (engine, path);
        });

    /// <summary>One classify by the daemon, with the deciding and terminating filters named.</summary>
    public static async Task<DecisionSummary> ClassifyAsync(BfeClient client, LayerInfo layer, IReadOnlyList<GivenValue> given)
    {
        var request = new V1.ClassifyRequest { Layer = layer.Key.ToString() };
        foreach (var g in given)
        {
            request.Values.Add(new V1.FieldValue { Field = g.Field.Name, Value = ProtoMap.ToProto(g.Value) });
        }

        V1.ClassifyResponse response;
        try
        {
            response = await client.Raw.ClassifyAsync(request).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw WfpErrorTrailers.FromRpcException(ex);
        }

        var filters = new Dictionary<ulong, FilterSpec?>();
        var sublayers = new Dictionary<Guid, SublayerSpec?>();
        var decisions = new List<SublayerDecision>();
        foreach (var t in response.TerminatingFilters)
        {
            var key = Guid.TryParse(t.SublayerKey, out var k) ? k : Guid.Empty;
            var sublayer = await GetAsync(sublayers, key, () => client.GetSublayerAsync(key)).ConfigureAwait(false);
            var filter = await GetAsync(filters, t.FilterId, () => client.GetFilterAsync(t.FilterId)).ConfigureAwait(false);
            decisions.Add(new SublayerDecision(sublayer, key, sublayer?.Weight ?? 0, filter, t.FilterId, (ActionType)t.Action));
        }

        var decider = response.FilterId == 0 ? null : await GetAsync(filters, response.FilterId, () => client.GetFilterAsync(response.FilterId)).ConfigureAwait(false);
        return new DecisionSummary((ActionType)response.Action, response.FilterId, response.Hard, response.Vetoed, decider, decisions);
    }

    // Names for the output; an object deleted since the classify is shown by id alone.
    private static async Task<T?> GetAsync<TKey, T>(Dictionary<TKey, T?> cache, TKey key, Func<Task<T>> get)
        where TKey : notnull
        where T : class
    {
        if (!cache.TryGetValue(key, out var value))
        {
            try
            {
                value = await get().ConfigureAwait(false);
            }
            catch (WfpException)
            {
                value = null;
            }

            cache[key] = value;
        }

        return value;
    }
}
