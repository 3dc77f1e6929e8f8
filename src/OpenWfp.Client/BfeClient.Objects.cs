using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Protocol.Mapping;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>Transactions, the management objects (add, get, delete, enumerate), engine options and the whole state.</summary>
public sealed partial class BfeClient
{

    /// <summary>FwpmTransactionBegin0.</summary>
    /// <param name="flags">0, or <see cref="FwpmConstants.FWPM_TXN_READ_ONLY"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task BeginTransactionAsync(uint flags = 0, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.BeginTransactionAsync(new V1.BeginTransactionRequest { Flags = flags }, o), cancellationToken);

    /// <summary>FwpmTransactionCommit0.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task CommitTransactionAsync(CancellationToken cancellationToken = default) =>
        Unary(o => Raw.CommitTransactionAsync(new V1.Empty(), o), cancellationToken);

    /// <summary>FwpmTransactionAbort0.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task AbortTransactionAsync(CancellationToken cancellationToken = default) =>
        Unary(o => Raw.AbortTransactionAsync(new V1.Empty(), o), cancellationToken);

    /// <summary>FwpmProviderAdd0.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="securityDescriptor">The object's own security descriptor (the <c>sd</c> argument), or null for the engine default.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider as stored (with its key).</returns>
    public async Task<ProviderSpec> AddProviderAsync(ProviderSpec provider, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var reply = await Unary(o => Raw.AddProviderAsync(WithSd(ProtoMap.ToProto(provider), securityDescriptor), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmProviderDeleteByKey0.</summary>
    /// <param name="key">The provider's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteProviderAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteProviderAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmProviderGetByKey0.</summary>
    /// <param name="key">The provider's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider.</returns>
    public async Task<ProviderSpec> GetProviderAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetProviderAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>Every provider (FwpmProviderEnum0 in one go).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The providers.</returns>
    public async Task<IReadOnlyList<ProviderSpec>> EnumProvidersAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumProvidersAsync(new V1.EnumTemplate(), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmSubLayerAdd0.</summary>
    /// <param name="sublayer">The sublayer.</param>
    /// <param name="securityDescriptor">The object's own security descriptor, or null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sublayer as stored.</returns>
    public async Task<SublayerSpec> AddSublayerAsync(SublayerSpec sublayer, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sublayer);
        var reply = await Unary(o => Raw.AddSublayerAsync(WithSd(ProtoMap.ToProto(sublayer), securityDescriptor), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmSubLayerDeleteByKey0.</summary>
    /// <param name="key">The sublayer's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteSublayerAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteSublayerAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmSubLayerGetByKey0.</summary>
    /// <param name="key">The sublayer's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sublayer.</returns>
    public async Task<SublayerSpec> GetSublayerAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetSublayerAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The sublayers a template selects (FwpmSubLayerEnum0 in one go).</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sublayers.</returns>
    public async Task<IReadOnlyList<SublayerSpec>> EnumSublayersAsync(FwpmSubLayerEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumSublayersAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmCalloutAdd0.</summary>
    /// <param name="callout">The callout.</param>
    /// <param name="securityDescriptor">The object's own security descriptor, or null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callout as stored, with its run-time id.</returns>
    public async Task<CalloutSpec> AddCalloutAsync(CalloutSpec callout, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callout);
        var reply = await Unary(o => Raw.AddCalloutAsync(WithSd(ProtoMap.ToProto(callout), securityDescriptor), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmCalloutDeleteByKey0.</summary>
    /// <param name="key">The callout's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteCalloutAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteCalloutAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmCalloutDeleteById0.</summary>
    /// <param name="id">The callout's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteCalloutAsync(uint id, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteCalloutAsync(ById(id), o), cancellationToken);

    /// <summary>FwpmCalloutGetByKey0.</summary>
    /// <param name="key">The callout's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callout.</returns>
    public async Task<CalloutSpec> GetCalloutAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetCalloutAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmCalloutGetById0.</summary>
    /// <param name="id">The callout's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callout.</returns>
    public async Task<CalloutSpec> GetCalloutAsync(uint id, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetCalloutAsync(ById(id), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The callouts a template selects (FwpmCalloutEnum0 in one go).</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The callouts.</returns>
    public async Task<IReadOnlyList<CalloutSpec>> EnumCalloutsAsync(FwpmCalloutEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumCalloutsAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmProviderContextAdd0.</summary>
    /// <param name="context">The provider context.</param>
    /// <param name="securityDescriptor">The object's own security descriptor, or null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The context as stored, with its run-time id.</returns>
    public async Task<ProviderContextSpec> AddProviderContextAsync(ProviderContextSpec context, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reply = await Unary(o => Raw.AddProviderContextAsync(WithSd(ProtoMap.ToProto(context), securityDescriptor), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmProviderContextDeleteByKey0.</summary>
    /// <param name="key">The context's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteProviderContextAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteProviderContextAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmProviderContextDeleteById0.</summary>
    /// <param name="id">The context's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteProviderContextAsync(ulong id, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteProviderContextAsync(ById(id), o), cancellationToken);

    /// <summary>FwpmProviderContextGetByKey0.</summary>
    /// <param name="key">The context's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider context.</returns>
    public async Task<ProviderContextSpec> GetProviderContextAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetProviderContextAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmProviderContextGetById0.</summary>
    /// <param name="id">The context's run-time id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider context.</returns>
    public async Task<ProviderContextSpec> GetProviderContextAsync(ulong id, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetProviderContextAsync(ById(id), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The provider contexts a template selects (FwpmProviderContextEnum0 in one go).</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider contexts.</returns>
    public async Task<IReadOnlyList<ProviderContextSpec>> EnumProviderContextsAsync(FwpmProviderContextEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.EnumProviderContextsAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmFilterAdd0.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="securityDescriptor">The object's own security descriptor, or null (see <see cref="AddProviderAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filter as stored: with its key, filter id and effective weight.</returns>
    public async Task<FilterSpec> AddFilterAsync(FilterSpec filter, SecurityDescriptor? securityDescriptor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var reply = await Unary(o => Raw.AddFilterAsync(WithSd(ProtoMap.ToProto(filter), securityDescriptor), o), cancellationToken).ConfigureAwait(false);
        return ProtoMap.ToSpec(reply);
    }

    /// <summary>FwpmFilterDeleteByKey0.</summary>
    /// <param name="key">The filter's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteFilterAsync(Guid key, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteFilterAsync(ByKey(key), o), cancellationToken);

    /// <summary>FwpmFilterDeleteById0.</summary>
    /// <param name="id">The filter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task DeleteFilterAsync(ulong id, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.DeleteFilterAsync(ById(id), o), cancellationToken);

    /// <summary>FwpmFilterGetByKey0.</summary>
    /// <param name="key">The filter's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filter.</returns>
    public async Task<FilterSpec> GetFilterAsync(Guid key, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetFilterAsync(ByKey(key), o), cancellationToken).ConfigureAwait(false));

    /// <summary>FwpmFilterGetById0.</summary>
    /// <param name="id">The filter's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filter.</returns>
    public async Task<FilterSpec> GetFilterAsync(ulong id, CancellationToken cancellationToken = default) =>
        ProtoMap.ToSpec(await Unary(o => Raw.GetFilterAsync(ById(id), o), cancellationToken).ConfigureAwait(false));

    /// <summary>The filters a template selects (FwpmFilterEnum0 in one go). An action mask of 0 selects none, as on Windows.</summary>
    /// <param name="template">The template; null for all.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The filters.</returns>
    public async Task<IReadOnlyList<FilterSpec>> EnumFiltersAsync(FwpmFilterEnumTemplate0? template = null, CancellationToken cancellationToken = default)
    {
        if (template is { ActionMask: 0 })
        {
            ThrowIfDisposed();
            return [];
        }

        var reply = await Unary(o => Raw.EnumFiltersAsync(ClientMap.ToProto(template), o), cancellationToken).ConfigureAwait(false);
        return [.. reply.Items.Select(ProtoMap.ToSpec)];
    }

    /// <summary>FwpmEngineGetOption0 for a UINT32 option.</summary>
    /// <param name="option">The option.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The option's value.</returns>
    public async Task<uint> GetEngineOptionAsync(FwpmEngineOption option, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => Raw.GetEngineOptionAsync(new V1.EngineOptionRequest { Option = (uint)option }, o), cancellationToken).ConfigureAwait(false);
        return reply.Value;
    }

    /// <summary>FwpmEngineSetOption0 for a UINT32 option.</summary>
    /// <param name="option">The option.</param>
    /// <param name="value">The new value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task SetEngineOptionAsync(FwpmEngineOption option, uint value, CancellationToken cancellationToken = default) =>
        Unary(o => Raw.SetEngineOptionAsync(new V1.EngineOption { Option = (uint)option, Value = value }, o), cancellationToken);

    /// <summary>Every object at once, as one read transaction sees it (what <c>wfp show state</c> shows).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state.</returns>
    public async Task<BfeState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var s = await Unary(o => Raw.GetStateAsync(new V1.Empty(), o), cancellationToken).ConfigureAwait(false);
        return new BfeState(
            [.. s.Providers.Select(ProtoMap.ToSpec)],
            [.. s.Sublayers.Select(ProtoMap.ToSpec)],
            [.. s.Callouts.Select(ProtoMap.ToSpec)],
            [.. s.ProviderContexts.Select(ProtoMap.ToSpec)],
            [.. s.Filters.Select(ProtoMap.ToSpec)],
            s.Generation);
    }

    private static V1.ObjectRef ByKey(Guid key) => new() { Key = ProtoMap.KeyToProto(key) };

    private static V1.ObjectRef ById(ulong id) => new() { Id = id };
}
