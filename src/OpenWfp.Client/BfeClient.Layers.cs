using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>Layers, sessions and the change subscriptions in force.</summary>
public sealed partial class BfeClient
{
    /// <summary>FwpmLayerEnum0: every layer, by layer id.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The layers.</returns>
    public async Task<IReadOnlyList<FwpmLayer0>> EnumLayersAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumLayersAsync(new V1.Empty(), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ClientMap.ToLayer)];
    }

    /// <summary>FwpmLayerGetByKey0.</summary>
    /// <param name="key">The layer's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The layer; FWP_E_LAYER_NOT_FOUND when there is none.</returns>
    public async Task<FwpmLayer0> GetLayerAsync(Guid key, CancellationToken cancellationToken = default) =>
        ClientMap.ToLayer(await Unary(o => Raw.GetLayerAsync(new V1.ObjectRef { Key = key.ToString() }, o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmLayerGetById0.</summary>
    /// <param name="id">The layer's run-time id (FWPS_LAYER_*).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The layer; FWP_E_LAYER_NOT_FOUND when there is none.</returns>
    public async Task<FwpmLayer0> GetLayerAsync(ushort id, CancellationToken cancellationToken = default) =>
        ClientMap.ToLayer(await Unary(o => Raw.GetLayerAsync(new V1.ObjectRef { Id = id }, o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmSessionEnum0: every open session (this one included).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sessions, with processId, sid and username filled in.</returns>
    public async Task<IReadOnlyList<FwpmSession0>> EnumSessionsAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumSessionsAsync(new V1.Empty(), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ClientMap.ToSession)];
    }

    /// <summary>The change subscriptions in force, every session's and every kind (what the Fwpm*SubscriptionsGet0 functions select from).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The subscriptions, oldest first.</returns>
    public async Task<IReadOnlyList<BfeChangeSubscription>> GetChangeSubscriptionsAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.GetChangeSubscriptionsAsync(new V1.Empty(), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ClientMap.ToSubscription)];
    }
}
