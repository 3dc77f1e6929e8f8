using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Classify;
using OpenWfp.Engine.Model;

namespace OpenWfp.Daemon.Tests.Callouts;

/// <summary>The keys the daemon tests use; all the callouts apply at ALE_AUTH_CONNECT_V4.</summary>
public static class TestCalloutKeys
{
    /// <summary><see cref="PermitCallout"/>.</summary>
    public const string Permit = "0d7e57a1-0000-4000-8000-000000000001";

    /// <summary><see cref="ThrowingCallout"/>.</summary>
    public const string Throwing = "0d7e57a1-0000-4000-8000-000000000002";

    /// <summary><see cref="HangingCallout"/>.</summary>
    public const string Hanging = "0d7e57a1-0000-4000-8000-000000000003";

    /// <summary>The remote port on which <see cref="HangingCallout"/> hangs.</summary>
    public const ushort HangPort = 1;

    /// <summary>How long <see cref="HangingCallout"/> hangs.</summary>
    public static readonly TimeSpan HangFor = TimeSpan.FromSeconds(3);
}

/// <summary>Permits, hard.</summary>
[CalloutKey(TestCalloutKeys.Permit, Name = "test.permit", Layer = "ALE_AUTH_CONNECT_V4")]
public sealed class PermitCallout : ICallout
{
    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        classifyOut.ActionType = ActionType.Permit;
        classifyOut.ClearActionRight();
    }
}

/// <summary>Always throws.</summary>
[CalloutKey(TestCalloutKeys.Throwing, Name = "test.throwing", Layer = "ALE_AUTH_CONNECT_V4")]
public sealed class ThrowingCallout : ICallout
{
    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut) =>
        throw new InvalidOperationException("test callout failure");
}

/// <summary>Hangs for <see cref="TestCalloutKeys.HangFor"/> on remote port <see cref="TestCalloutKeys.HangPort"/>; permits otherwise.</summary>
[CalloutKey(TestCalloutKeys.Hanging, Name = "test.hanging", Layer = "ALE_AUTH_CONNECT_V4")]
public sealed class HangingCallout : ICallout
{
    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
        var port = context.Layer.FindField("IP_REMOTE_PORT") is { } f ? context.Value(f.Index).RawUInt64 : 0;
        if (port == TestCalloutKeys.HangPort)
        {
            Thread.Sleep(TestCalloutKeys.HangFor);
        }

        classifyOut.ActionType = ActionType.Permit;
        classifyOut.ClearActionRight();
    }
}

/// <summary>Not a callout the host may load (no public parameterless constructor): ignored.</summary>
[CalloutKey("0d7e57a1-0000-4000-8000-000000000009")]
public sealed class NoDefaultConstructorCallout(int unused) : ICallout
{
    /// <summary>The constructor's argument.</summary>
    public int Unused { get; } = unused;

    /// <inheritdoc/>
    public void Classify(in CalloutClassifyContext context, ref ClassifyOut classifyOut)
    {
    }
}
