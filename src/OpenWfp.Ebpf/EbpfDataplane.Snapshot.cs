using OpenWfp.Engine.Policy;

namespace OpenWfp.Ebpf;

public sealed partial class EbpfDataplane
{
    private void ApplyCore(PolicySnapshot snapshot)
    {
        _ = snapshot;
    }
}
