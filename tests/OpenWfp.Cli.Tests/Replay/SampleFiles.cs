using OpenWfp.Cli.Input;
using OpenWfp.Cli.Replay;

namespace OpenWfp.Cli.Tests.Replay;

/// <summary>The bundled capture and replay policy written to temp files, for command lines that name files.</summary>
internal sealed class SampleFiles : IDisposable
{
    public SampleFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "wfp-replay-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Capture = Path.Combine(Directory, "sample-capture.pcapng");
        Policy = Path.Combine(Directory, "replay-policy.json");
        using (var resource = SampleScenarios.OpenResource(ReplayInput.SampleCapture))
        using (var file = File.Create(Capture))
        {
            resource.CopyTo(file);
        }

        File.WriteAllText(Policy, SampleScenarios.ReadResource(ReplayInput.SamplePolicy));
    }

    public string Directory { get; }

    public string Capture { get; }

    public string Policy { get; }

    public string Path2(string name) => Path.Combine(Directory, name);

    public byte[] CaptureBytes() => File.ReadAllBytes(Capture);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
