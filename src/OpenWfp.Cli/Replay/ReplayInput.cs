using OpenWfp.Cli.Input;
using OpenWfp.Engine;
using OpenWfp.Shim;

namespace OpenWfp.Cli.Replay;

/// <summary>What a replay reads: the capture, the policy loaded into an engine, and this host's networks.</summary>
/// <param name="CaptureName">The capture as named to the user.</param>
/// <param name="OpenCapture">Opens the capture for reading (a file, or the bundled sample).</param>
/// <param name="PolicyName">The policy as named to the user.</param>
/// <param name="Engine">An engine holding the policy.</param>
/// <param name="Local">--local, parsed.</param>
/// <param name="IsSample">True for the bundled sample.</param>
internal sealed record ReplayInput(string CaptureName, Func<Stream> OpenCapture, string PolicyName, FilterEngine Engine, LocalNetworks Local, bool IsSample)
{
    public const string SampleCapture = "sample-capture.pcapng";
    public const string SamplePolicy = "replay-policy.json";

    /// <summary>The bundled capture's local end (samples/README.md): the client namespace's addresses.</summary>
    public static readonly IReadOnlyList<string> SampleLocal = ["10.77.0.1/32", "fd77::1/128"];

    /// <summary>Resolves the command line; with neither a capture nor a policy, the bundled sample.</summary>
    public static ReplayInput Resolve(string? capture, string? policy, IReadOnlyList<string> local, TextWriter warnings)
    {
        if (capture is null && policy is null)
        {
            var engine = InputResolver.LoadPolicyText(SampleScenarios.ReadResource(SamplePolicy), "samples/" + SamplePolicy, warnings);
            return new ReplayInput(
                "samples/" + SampleCapture,
                () => SampleScenarios.OpenResource(SampleCapture),
                "samples/" + SamplePolicy,
                engine,
                ParseLocal(local.Count == 0 ? SampleLocal : local),
                IsSample: true);
        }

        if (capture is null)
        {
            throw new CliUserException("a CAPTURE file is required with --policy, e.g. wfp replay traffic.pcapng --policy policy.json");
        }

        if (policy is null)
        {
            throw new CliUserException($"{capture}: --policy FILE is required, e.g. wfp replay {capture} --policy policy.json");
        }

        CheckCapture(capture);
        var loaded = InputResolver.LoadPolicy(policy, warnings);
        return new ReplayInput(capture, () => File.OpenRead(capture), policy, loaded, ParseLocal(local), IsSample: false);
    }

    /// <summary>A capture file against a policy already loaded (e.g. the running wfpd's).</summary>
    public static ReplayInput ForEngine(string capture, string policyName, FilterEngine engine, IReadOnlyList<string> local)
    {
        CheckCapture(capture);
        return new ReplayInput(capture, () => File.OpenRead(capture), policyName, engine, ParseLocal(local), IsSample: false);
    }

    /// <summary>The checks <see cref="ForEngine"/> makes, for a caller that wants them before it loads the policy.</summary>
    public static void Check(string capture, IReadOnlyList<string> local)
    {
        CheckCapture(capture);
        ParseLocal(local);
    }

    private static void CheckCapture(string capture)
    {
        if (!File.Exists(capture))
        {
            throw new CliUserException($"{capture}: no such capture file");
        }
    }

    private static LocalNetworks ParseLocal(IReadOnlyList<string> ranges)
    {
        try
        {
            return LocalNetworks.Parse(ranges);
        }
        catch (FormatException e)
        {
            throw new CliUserException("--local " + e.Message);
        }
    }
}
