using Grpc.Core;
using OpenWfp.Engine.Errors;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;
using OpenWfp.Engine.Values;
using OpenWfp.Protocol.Mapping;
using static OpenWfp.Client.FwpmConstants;
using V1 = OpenWfp.Protocol.V1;

namespace OpenWfp.Client;

/// <summary>
/// The Fwpm* management functions of fwpmu.h, with their Win32 names (without the <c>Fwpm</c> prefix) and parameter
/// order, so that C# code written for WFP ports with little change (docs/PORTING.md).
/// </summary>
/// <remarks>
/// <para>
/// Every function returns a Win32 error code and never throws for a WFP or transport error:
/// <see cref="ERROR_SUCCESS"/>, an FWP_E_* code (e.g. FWP_E_FILTER_NOT_FOUND 0x80320003) as the daemon reported it,
/// <see cref="ERROR_ACCESS_DENIED"/> when the daemon denies access, <see cref="ERROR_INVALID_HANDLE"/> for a null,
/// invalid, closed or foreign handle, FWP_E_NULL_POINTER for a missing structure, or an RPC_S_* code for a transport
/// failure (<see cref="RPC_S_SERVER_UNAVAILABLE"/> when the daemon is not running).
/// </para>
/// <para>
/// Structures are the engine's model types (<see cref="FilterSpec"/> for FWPM_FILTER0, <see cref="ProviderSpec"/> for
/// FWPM_PROVIDER0, …) and small <c>Fwpm*0</c> classes; outputs are <c>out</c> parameters that need no
/// FwpmFreeMemory0. Each function blocks until the daemon answers; <see cref="BfeClient"/> (from
/// <see cref="FwpmEngineHandle.Client"/>) offers the same calls asynchronously.
/// </para>
/// </remarks>
public static partial class Fwpm
{
    private const uint NullPointer = (uint)WfpError.NullPointer;

    /// <summary>FwpmEngineOpen0: connects to the daemon and opens a session.</summary>
    /// <param name="serverName">
    /// The daemon's socket instead of a server name: null for the default (<c>OPENWFP_SOCKET</c>, else
    /// /run/openwfp/bfe.sock), a path, or <c>unix:</c> and a path.
    /// </param>
    /// <param name="authnService"><see cref="RPC_C_AUTHN_WINNT"/> or <see cref="RPC_C_AUTHN_DEFAULT"/>; the daemon identifies the caller by its socket credentials.</param>
    /// <param name="authIdentity">Must be null (SEC_WINNT_AUTH_IDENTITY has no meaning here).</param>
    /// <param name="session">The session's name, flags and transaction wait; null for a static session.</param>
    /// <param name="engineHandle">The engine handle; invalid when the open failed.</param>
    /// <returns>ERROR_SUCCESS, ERROR_INVALID_PARAMETER, RPC_S_SERVER_UNAVAILABLE, FWP_E_TIMEOUT, or the daemon's error.</returns>
    public static uint EngineOpen0(string? serverName, uint authnService, object? authIdentity, FwpmSession0? session, out FwpmEngineHandle engineHandle)
    {
        engineHandle = new FwpmEngineHandle(null);
        if (authnService is not (RPC_C_AUTHN_WINNT or RPC_C_AUTHN_DEFAULT) || authIdentity is not null)
        {
            return ERROR_INVALID_PARAMETER;
        }

        try
        {
            var client = BfeClient.ConnectAsync(new BfeClientOptions { Socket = serverName, Session = session }).GetAwaiter().GetResult();
            engineHandle = new FwpmEngineHandle(client);
            return ERROR_SUCCESS;
        }
        catch (WfpException e)
        {
            return ToCode(e.Error);
        }
    }

    /// <summary>FwpmEngineClose0: ends the session (its open transaction is aborted, a dynamic session's objects deleted) and every subscription of it.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <returns>ERROR_SUCCESS, or ERROR_INVALID_HANDLE for a handle already closed.</returns>
    public static uint EngineClose0(FwpmEngineHandle engineHandle)
    {
        var client = engineHandle?.Take();
        if (client is null)
        {
            return ERROR_INVALID_HANDLE;
        }

        client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return ERROR_SUCCESS;
    }

    /// <summary>FwpmEngineGetOption0 (every option is an FWP_UINT32).</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="option">The option.</param>
    /// <param name="value">Its value, an FWP_UINT32; FWP_EMPTY on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint EngineGetOption0(FwpmEngineHandle engineHandle, FwpmEngineOption option, out FwpValue value)
    {
        var code = Run(engineHandle, c => c.GetEngineOptionAsync(option), out var v);
        value = code == ERROR_SUCCESS ? FwpValue.FromUInt32(v) : FwpValue.Empty;
        return code;
    }

    /// <summary>FwpmEngineSetOption0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="option">The option.</param>
    /// <param name="newValue">The new value: an FWP_UINT32 (else FWP_E_TYPE_MISMATCH).</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint EngineSetOption0(FwpmEngineHandle engineHandle, FwpmEngineOption option, FwpValue newValue)
    {
        if (newValue.Type != FwpDataType.UInt32)
        {
            return IsOpen(engineHandle) ? (uint)WfpError.TypeMismatch : ERROR_INVALID_HANDLE;
        }

        return Run(engineHandle, c => c.SetEngineOptionAsync(option, (uint)newValue.RawUInt64));
    }

    /// <summary>FwpmTransactionBegin0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="flags">0 for read/write, <see cref="FWPM_TXN_READ_ONLY"/>.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_TXN_IN_PROGRESS, FWP_E_TIMEOUT, … .</returns>
    public static uint TransactionBegin0(FwpmEngineHandle engineHandle, uint flags) =>
        Run(engineHandle, c => c.BeginTransactionAsync(flags));

    /// <summary>FwpmTransactionCommit0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_NO_TXN_IN_PROGRESS, FWP_E_TXN_ABORTED, … .</returns>
    public static uint TransactionCommit0(FwpmEngineHandle engineHandle) =>
        Run(engineHandle, c => c.CommitTransactionAsync());

    /// <summary>FwpmTransactionAbort0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <returns>ERROR_SUCCESS or FWP_E_NO_TXN_IN_PROGRESS.</returns>
    public static uint TransactionAbort0(FwpmEngineHandle engineHandle) =>
        Run(engineHandle, c => c.AbortTransactionAsync());

    /// <summary>FwpmProviderAdd0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="provider">The provider (FWPM_PROVIDER0).</param>
    /// <param name="sd">The object's own security descriptor, or null for the engine default (docs/WFPD.md, Access control).</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderAdd0(FwpmEngineHandle engineHandle, ProviderSpec provider, SecurityDescriptor? sd) =>
        provider is null ? Null(engineHandle) : Run(engineHandle, c => c.AddProviderAsync(provider, sd));

    /// <summary>FwpmProviderDeleteByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The provider's key.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_PROVIDER_NOT_FOUND, FWP_E_IN_USE, … .</returns>
    public static uint ProviderDeleteByKey0(FwpmEngineHandle engineHandle, Guid key) =>
        Run(engineHandle, c => c.DeleteProviderAsync(key));

    /// <summary>FwpmProviderGetByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The provider's key.</param>
    /// <param name="provider">The provider; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_PROVIDER_NOT_FOUND, … .</returns>
    public static uint ProviderGetByKey0(FwpmEngineHandle engineHandle, Guid key, out ProviderSpec? provider) =>
        Run(engineHandle, c => c.GetProviderAsync(key), out provider);

    /// <summary>FwpmProviderCreateEnumHandle0: takes a snapshot of the providers.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Reserved; null.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderCreateEnumHandle0(FwpmEngineHandle engineHandle, FwpmProviderEnumTemplate0? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumProvidersAsync(), out enumHandle);

    /// <summary>FwpmProviderEnum0: the next providers of the snapshot.</summary>
    /// <param name="engineHandle">The engine handle the enumeration was created with.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries; fewer than requested at the end, none once exhausted.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint ProviderEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out ProviderSpec[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmProviderDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint ProviderDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmSubLayerAdd0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subLayer">The sublayer (FWPM_SUBLAYER0).</param>
    /// <param name="sd">The object's own security descriptor, or null (see <see cref="ProviderAdd0"/>).</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint SubLayerAdd0(FwpmEngineHandle engineHandle, SublayerSpec subLayer, SecurityDescriptor? sd) =>
        subLayer is null ? Null(engineHandle) : Run(engineHandle, c => c.AddSublayerAsync(subLayer, sd));

    /// <summary>FwpmSubLayerDeleteByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The sublayer's key.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_SUBLAYER_NOT_FOUND, FWP_E_IN_USE, … .</returns>
    public static uint SubLayerDeleteByKey0(FwpmEngineHandle engineHandle, Guid key) =>
        Run(engineHandle, c => c.DeleteSublayerAsync(key));

    /// <summary>FwpmSubLayerGetByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The sublayer's key.</param>
    /// <param name="subLayer">The sublayer; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_SUBLAYER_NOT_FOUND, … .</returns>
    public static uint SubLayerGetByKey0(FwpmEngineHandle engineHandle, Guid key, out SublayerSpec? subLayer) =>
        Run(engineHandle, c => c.GetSublayerAsync(key), out subLayer);

    /// <summary>FwpmSubLayerCreateEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Which sublayers; null for all.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint SubLayerCreateEnumHandle0(FwpmEngineHandle engineHandle, FwpmSubLayerEnumTemplate0? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumSublayersAsync(enumTemplate), out enumHandle);

    /// <summary>FwpmSubLayerEnum0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint SubLayerEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out SublayerSpec[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmSubLayerDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint SubLayerDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmCalloutAdd0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="callout">The callout (FWPM_CALLOUT0).</param>
    /// <param name="sd">The object's own security descriptor, or null (see <see cref="ProviderAdd0"/>).</param>
    /// <param name="id">The callout's run-time id; 0 on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint CalloutAdd0(FwpmEngineHandle engineHandle, CalloutSpec callout, SecurityDescriptor? sd, out uint id)
    {
        id = 0;
        if (callout is null)
        {
            return Null(engineHandle);
        }

        var code = Run(engineHandle, c => c.AddCalloutAsync(callout, sd), out var added);
        id = added?.CalloutId ?? 0;
        return code;
    }

    /// <summary>FwpmCalloutDeleteById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The callout's run-time id.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_CALLOUT_NOT_FOUND, FWP_E_IN_USE, … .</returns>
    public static uint CalloutDeleteById0(FwpmEngineHandle engineHandle, uint id) =>
        Run(engineHandle, c => c.DeleteCalloutAsync(id));

    /// <summary>FwpmCalloutDeleteByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The callout's key.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_CALLOUT_NOT_FOUND, FWP_E_IN_USE, … .</returns>
    public static uint CalloutDeleteByKey0(FwpmEngineHandle engineHandle, Guid key) =>
        Run(engineHandle, c => c.DeleteCalloutAsync(key));

    /// <summary>FwpmCalloutGetById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The callout's run-time id.</param>
    /// <param name="callout">The callout; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_CALLOUT_NOT_FOUND, … .</returns>
    public static uint CalloutGetById0(FwpmEngineHandle engineHandle, uint id, out CalloutSpec? callout) =>
        Run(engineHandle, c => c.GetCalloutAsync(id), out callout);

    /// <summary>FwpmCalloutGetByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The callout's key.</param>
    /// <param name="callout">The callout; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_CALLOUT_NOT_FOUND, … .</returns>
    public static uint CalloutGetByKey0(FwpmEngineHandle engineHandle, Guid key, out CalloutSpec? callout) =>
        Run(engineHandle, c => c.GetCalloutAsync(key), out callout);

    /// <summary>FwpmCalloutCreateEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Which callouts; null for all.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint CalloutCreateEnumHandle0(FwpmEngineHandle engineHandle, FwpmCalloutEnumTemplate0? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumCalloutsAsync(enumTemplate), out enumHandle);

    /// <summary>FwpmCalloutEnum0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint CalloutEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out CalloutSpec[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmCalloutDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint CalloutDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmProviderContextAdd0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="providerContext">The provider context.</param>
    /// <param name="sd">The object's own security descriptor, or null (see <see cref="ProviderAdd0"/>).</param>
    /// <param name="id">The context's run-time id; 0 on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderContextAdd0(FwpmEngineHandle engineHandle, ProviderContextSpec providerContext, SecurityDescriptor? sd, out ulong id)
    {
        id = 0;
        if (providerContext is null)
        {
            return Null(engineHandle);
        }

        var code = Run(engineHandle, c => c.AddProviderContextAsync(providerContext, sd), out var added);
        id = added?.ProviderContextId ?? 0;
        return code;
    }

    /// <summary>FwpmProviderContextDeleteById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The context's run-time id.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_PROVIDER_CONTEXT_NOT_FOUND, FWP_E_IN_USE, … .</returns>
    public static uint ProviderContextDeleteById0(FwpmEngineHandle engineHandle, ulong id) =>
        Run(engineHandle, c => c.DeleteProviderContextAsync(id));

    /// <summary>FwpmProviderContextDeleteByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The context's key.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_PROVIDER_CONTEXT_NOT_FOUND, FWP_E_IN_USE, … .</returns>
    public static uint ProviderContextDeleteByKey0(FwpmEngineHandle engineHandle, Guid key) =>
        Run(engineHandle, c => c.DeleteProviderContextAsync(key));

    /// <summary>FwpmProviderContextGetById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The context's run-time id.</param>
    /// <param name="providerContext">The context; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_PROVIDER_CONTEXT_NOT_FOUND, … .</returns>
    public static uint ProviderContextGetById0(FwpmEngineHandle engineHandle, ulong id, out ProviderContextSpec? providerContext) =>
        Run(engineHandle, c => c.GetProviderContextAsync(id), out providerContext);

    /// <summary>FwpmProviderContextGetByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The context's key.</param>
    /// <param name="providerContext">The context; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_PROVIDER_CONTEXT_NOT_FOUND, … .</returns>
    public static uint ProviderContextGetByKey0(FwpmEngineHandle engineHandle, Guid key, out ProviderContextSpec? providerContext) =>
        Run(engineHandle, c => c.GetProviderContextAsync(key), out providerContext);

    /// <summary>FwpmProviderContextCreateEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Which contexts; null for all.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint ProviderContextCreateEnumHandle0(FwpmEngineHandle engineHandle, FwpmProviderContextEnumTemplate0? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumProviderContextsAsync(enumTemplate), out enumHandle);

    /// <summary>FwpmProviderContextEnum0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint ProviderContextEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out ProviderContextSpec[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmProviderContextDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint ProviderContextDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmFilterAdd0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="filter">The filter (FWPM_FILTER0).</param>
    /// <param name="sd">The object's own security descriptor, or null (see <see cref="ProviderAdd0"/>).</param>
    /// <param name="id">The filter's id; 0 on failure.</param>
    /// <returns>ERROR_SUCCESS or an error (FWP_E_LAYER_NOT_FOUND, FWP_E_TYPE_MISMATCH, …).</returns>
    public static uint FilterAdd0(FwpmEngineHandle engineHandle, FilterSpec filter, SecurityDescriptor? sd, out ulong id)
    {
        id = 0;
        if (filter is null)
        {
            return Null(engineHandle);
        }

        var code = Run(engineHandle, c => c.AddFilterAsync(filter, sd), out var added);
        id = added?.FilterId ?? 0;
        return code;
    }

    /// <summary>FwpmFilterDeleteById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The filter's id.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_FILTER_NOT_FOUND, … .</returns>
    public static uint FilterDeleteById0(FwpmEngineHandle engineHandle, ulong id) =>
        Run(engineHandle, c => c.DeleteFilterAsync(id));

    /// <summary>FwpmFilterDeleteByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The filter's key.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_FILTER_NOT_FOUND, … .</returns>
    public static uint FilterDeleteByKey0(FwpmEngineHandle engineHandle, Guid key) =>
        Run(engineHandle, c => c.DeleteFilterAsync(key));

    /// <summary>FwpmFilterGetById0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="id">The filter's id.</param>
    /// <param name="filter">The filter; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_FILTER_NOT_FOUND, … .</returns>
    public static uint FilterGetById0(FwpmEngineHandle engineHandle, ulong id, out FilterSpec? filter) =>
        Run(engineHandle, c => c.GetFilterAsync(id), out filter);

    /// <summary>FwpmFilterGetByKey0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="key">The filter's key.</param>
    /// <param name="filter">The filter; null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_FILTER_NOT_FOUND, … .</returns>
    public static uint FilterGetByKey0(FwpmEngineHandle engineHandle, Guid key, out FilterSpec? filter) =>
        Run(engineHandle, c => c.GetFilterAsync(key), out filter);

    /// <summary>FwpmFilterCreateEnumHandle0: takes a snapshot of the filters the template selects.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Which filters; null for all.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error (FWP_E_NEVER_MATCH, …).</returns>
    public static uint FilterCreateEnumHandle0(FwpmEngineHandle engineHandle, FwpmFilterEnumTemplate0? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumFiltersAsync(enumTemplate), out enumHandle);

    /// <summary>FwpmFilterEnum0: the next filters of the snapshot.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries; fewer than requested at the end, none once exhausted.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint FilterEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out FilterSpec[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmFilterDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint FilterDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>
    /// FwpmFilterSubscribeChanges0: <paramref name="callback"/> is called for each filter another session adds or
    /// deletes (after its commit), until FilterUnsubscribeChanges0 or EngineClose0.
    /// </summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subscription">Which filters and which changes.</param>
    /// <param name="callback">Called on a thread-pool thread, one change at a time; an exception it throws is ignored.</param>
    /// <param name="context">Passed to the callback.</param>
    /// <param name="changeHandle">The subscription handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error (FWP_E_TXN_IN_PROGRESS inside a transaction, …).</returns>
    public static uint FilterSubscribeChanges0(FwpmEngineHandle engineHandle, FwpmFilterSubscription0 subscription, FwpmFilterChangeCallback0 callback, object? context, out FwpmChangeHandle changeHandle)
    {
        changeHandle = new FwpmChangeHandle(null, null);
        if (subscription is null || callback is null)
        {
            return Null(engineHandle);
        }

        var request = new V1.SubscribeChangesRequest
        {
            ObjectTypes = { (uint)V1.ObjectType.Filter },
            Flags = subscription.Flags,
            FilterTemplate = ClientMap.ToProto(subscription.EnumTemplate),
        };
        var code = Run(
            engineHandle,
            c => Subscription.StartAsync(c, o => c.Raw.SubscribeChanges(request, o), (V1.ChangeEvent e) =>
            {
                if (e.ObjectType is V1.ObjectType.Filter or V1.ObjectType.Unspecified)
                {
                    var change = ClientMap.ToChange(e);
                    callback(context, new FwpmFilterChange0(change.ChangeType, change.Key, change.Id));
                }
            }),
            out var started);
        if (started is not null)
        {
            changeHandle = new FwpmChangeHandle(engineHandle, started);
        }

        return code;
    }

    /// <summary>FwpmFilterUnsubscribeChanges0: ends the subscription; when it returns no callback of it runs any more (unless called from that callback).</summary>
    /// <param name="engineHandle">The engine handle the subscription was made with.</param>
    /// <param name="changeHandle">The subscription handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint FilterUnsubscribeChanges0(FwpmEngineHandle engineHandle, FwpmChangeHandle changeHandle)
    {
        if (engineHandle is null || changeHandle?.Subscription is null || !ReferenceEquals(changeHandle.Engine, engineHandle))
        {
            return ERROR_INVALID_HANDLE;
        }

        return changeHandle.Subscription.Stop() ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
    }

    /// <summary>FwpmNetEventCreateEnumHandle0: takes a snapshot of the net events the template selects.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumTemplate">Which events; null for all.</param>
    /// <param name="enumHandle">The enumeration handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error.</returns>
    public static uint NetEventCreateEnumHandle0(FwpmEngineHandle engineHandle, FwpmNetEventEnumTemplate0? enumTemplate, out FwpmEnumHandle enumHandle) =>
        CreateEnum(engineHandle, c => c.EnumNetEventsAsync(enumTemplate), out enumHandle);

    /// <summary>FwpmNetEventEnum0 (with the flattened <see cref="FwpmNetEvent"/> for every FWPM_NET_EVENT version).</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <param name="numEntriesRequested">At most this many.</param>
    /// <param name="entries">The entries, oldest first.</param>
    /// <param name="numEntriesReturned">The number of entries.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint NetEventEnum0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out FwpmNetEvent[] entries, out uint numEntriesReturned) =>
        Enum(engineHandle, enumHandle, numEntriesRequested, out entries, out numEntriesReturned);

    /// <summary>FwpmNetEventDestroyEnumHandle0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="enumHandle">The enumeration handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint NetEventDestroyEnumHandle0(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle) =>
        DestroyEnum(engineHandle, enumHandle);

    /// <summary>FwpmNetEventSubscribe0: <paramref name="callback"/> is called for each net event written, until NetEventUnsubscribe0 or EngineClose0.</summary>
    /// <param name="engineHandle">The engine handle.</param>
    /// <param name="subscription">Which events.</param>
    /// <param name="callback">Called on a thread-pool thread, one event at a time; an exception it throws is ignored.</param>
    /// <param name="context">Passed to the callback.</param>
    /// <param name="eventsHandle">The subscription handle; invalid on failure.</param>
    /// <returns>ERROR_SUCCESS or an error (FWP_E_NET_EVENTS_DISABLED, FWP_E_TXN_IN_PROGRESS, …).</returns>
    public static uint NetEventSubscribe0(FwpmEngineHandle engineHandle, FwpmNetEventSubscription0 subscription, FwpmNetEventCallback0 callback, object? context, out FwpmEventsHandle eventsHandle)
    {
        eventsHandle = new FwpmEventsHandle(null, null);
        if (subscription is null || callback is null)
        {
            return Null(engineHandle);
        }

        var request = ClientMap.ToProto(subscription.EnumTemplate);
        var code = Run(
            engineHandle,
            c => Subscription.StartAsync(c, o => c.Raw.SubscribeNetEvents(request, o), (V1.NetEvent e) => callback(context, ClientMap.ToNetEvent(e))),
            out var started);
        if (started is not null)
        {
            eventsHandle = new FwpmEventsHandle(engineHandle, started);
        }

        return code;
    }

    /// <summary>FwpmNetEventUnsubscribe0.</summary>
    /// <param name="engineHandle">The engine handle the subscription was made with.</param>
    /// <param name="eventsHandle">The subscription handle.</param>
    /// <returns>ERROR_SUCCESS or ERROR_INVALID_HANDLE.</returns>
    public static uint NetEventUnsubscribe0(FwpmEngineHandle engineHandle, FwpmEventsHandle eventsHandle)
    {
        if (engineHandle is null || eventsHandle?.Subscription is null || !ReferenceEquals(eventsHandle.Engine, engineHandle))
        {
            return ERROR_INVALID_HANDLE;
        }

        return eventsHandle.Subscription.Stop() ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
    }

    /// <summary>The Win32 code for an error: E_ACCESSDENIED becomes ERROR_ACCESS_DENIED, as Fwpm* returns it; others are unchanged.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The code.</returns>
    public static uint ToCode(WfpError error) => error == WfpError.AccessDenied ? ERROR_ACCESS_DENIED : (uint)error;

    private static bool IsOpen(FwpmEngineHandle? engineHandle) => engineHandle is { IsInvalid: false };

    private static uint Null(FwpmEngineHandle? engineHandle) => IsOpen(engineHandle) ? NullPointer : ERROR_INVALID_HANDLE;

    private static uint Run(FwpmEngineHandle? engineHandle, Func<BfeClient, Task> action)
    {
        var client = engineHandle?.Client;
        if (client is null)
        {
            return ERROR_INVALID_HANDLE;
        }

        try
        {
            action(client).GetAwaiter().GetResult();
            return ERROR_SUCCESS;
        }
        catch (Exception e) when (TryCode(e, out var code))
        {
            return code;
        }
    }

    private static uint Run<T>(FwpmEngineHandle? engineHandle, Func<BfeClient, Task<T>> action, out T? result)
    {
        result = default;
        var client = engineHandle?.Client;
        if (client is null)
        {
            return ERROR_INVALID_HANDLE;
        }

        try
        {
            result = action(client).GetAwaiter().GetResult();
            return ERROR_SUCCESS;
        }
        catch (Exception e) when (TryCode(e, out var code))
        {
            return code;
        }
    }

    private static bool TryCode(Exception e, out uint code)
    {
        code = e switch
        {
            WfpException w => ToCode(w.Error),
            RpcException r => ToCode(WfpErrorTrailers.FromRpcException(r).Error),
            ObjectDisposedException => ERROR_INVALID_HANDLE,
            OperationCanceledException => RPC_S_CALL_CANCELLED,
            _ => 0,
        };
        return code != 0;
    }

    private static uint CreateEnum<T>(FwpmEngineHandle engineHandle, Func<BfeClient, Task<IReadOnlyList<T>>> fetch, out FwpmEnumHandle enumHandle)
    {
        var code = Run(engineHandle, fetch, out var items);
        enumHandle = new FwpmEnumHandle(engineHandle, code == ERROR_SUCCESS ? items!.ToArray() : null);
        return code;
    }

    private static uint Enum<T>(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle, uint numEntriesRequested, out T[] entries, out uint numEntriesReturned)
    {
        entries = [];
        numEntriesReturned = 0;
        if (!IsOpen(engineHandle) || enumHandle is null || !ReferenceEquals(enumHandle.Engine, engineHandle))
        {
            return ERROR_INVALID_HANDLE;
        }

        var page = enumHandle.Next<T>(numEntriesRequested);
        if (page is null)
        {
            return ERROR_INVALID_HANDLE;
        }

        entries = page;
        numEntriesReturned = (uint)page.Length;
        return ERROR_SUCCESS;
    }

    private static uint DestroyEnum(FwpmEngineHandle engineHandle, FwpmEnumHandle enumHandle)
    {
        if (engineHandle is null || enumHandle is null || !ReferenceEquals(enumHandle.Engine, engineHandle))
        {
            return ERROR_INVALID_HANDLE;
        }

        return enumHandle.Destroy() ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
    }
}
