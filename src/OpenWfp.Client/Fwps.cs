using OpenWfp.Engine.Errors;
using static OpenWfp.Client.FwpmConstants;

namespace OpenWfp.Client;

/// <summary>
/// The Fwps* callout functions of fwpsk.h that make sense from user mode, for callouts that run in this process while
/// wfpd classifies (docs/CALLOUTS.md, Remote callouts). Like <see cref="Fwpm"/>, every function returns a Win32 error
/// code (ERROR_SUCCESS, an FWP_E_* value, ERROR_ACCESS_DENIED, ERROR_INVALID_HANDLE) and never throws for a WFP or
/// transport error; <see cref="BfeClient"/> offers the same calls asynchronously.
/// </summary>
public static class Fwps
{
    /// <summary>
    /// FwpsCalloutRegister0, with the engine handle in place of the device object: the callout's classifyFn runs in
    /// this process (on the client's reader task) for each classify that reaches a filter naming its key.
    /// </summary>
    /// <param name="engineHandle">An open engine handle (<see cref="Fwpm.EngineOpen0"/>) of a caller with write access.</param>
    /// <param name="callout">The key, flags and functions.</param>
    /// <param name="registration">The registration (dispose it, or call <see cref="CalloutUnregisterByKey0"/>, to unregister); null on failure.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_ALREADY_EXISTS, ERROR_ACCESS_DENIED, ERROR_INVALID_HANDLE, or a transport error.</returns>
    public static uint CalloutRegister0(FwpmEngineHandle engineHandle, FwpsCallout0 callout, out FwpsCalloutRegistration? registration)
    {
        registration = null;
        if (engineHandle?.Client is not { } client)
        {
            return ERROR_INVALID_HANDLE;
        }

        if (callout?.ClassifyFn is null)
        {
            return (uint)WfpError.NullPointer;
        }

        try
        {
            registration = client.RegisterCalloutAsync(callout).GetAwaiter().GetResult();
            return ERROR_SUCCESS;
        }
        catch (WfpException e)
        {
            return Fwpm.ToCode(e.Error);
        }
    }

    /// <summary>FwpsCalloutUnregisterByKey0 for a key this handle's session registered.</summary>
    /// <param name="engineHandle">The engine handle the callout was registered with.</param>
    /// <param name="calloutKey">The key.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_CALLOUT_NOT_FOUND, ERROR_INVALID_HANDLE, or a transport error.</returns>
    public static uint CalloutUnregisterByKey0(FwpmEngineHandle engineHandle, Guid calloutKey)
    {
        if (engineHandle?.Client is not { } client)
        {
            return ERROR_INVALID_HANDLE;
        }

        try
        {
            client.UnregisterCalloutAsync(calloutKey).GetAwaiter().GetResult();
            return ERROR_SUCCESS;
        }
        catch (WfpException e)
        {
            return Fwpm.ToCode(e.Error);
        }
    }

    /// <summary>FwpsCompleteOperation0: the data plane classifies a pended packet again (see <see cref="FwpsClassifyOut.Pend"/>).</summary>
    /// <param name="engineHandle">The engine handle whose callout pended the classify.</param>
    /// <param name="completionHandle">The completion handle from the pended classify's metadata.</param>
    /// <returns>ERROR_SUCCESS, FWP_E_NOT_FOUND, ERROR_INVALID_HANDLE, or a transport error.</returns>
    public static uint CompleteOperation0(FwpmEngineHandle engineHandle, ulong completionHandle)
    {
        if (engineHandle?.Client is not { } client)
        {
            return ERROR_INVALID_HANDLE;
        }

        try
        {
            client.CompleteOperationAsync(completionHandle).GetAwaiter().GetResult();
            return ERROR_SUCCESS;
        }
        catch (WfpException e)
        {
            return Fwpm.ToCode(e.Error);
        }
    }
}
