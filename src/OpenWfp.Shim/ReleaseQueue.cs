namespace OpenWfp.Shim;

/// <summary>
/// Verdicts of held packets, decided but not yet collected by the data plane. Written by the shim's thread and, for
/// a deferred stream continued or a pended classification completed out of band, by other threads: hence the lock,
/// taken only when a hold is released, never on the per-packet path.
/// </summary>
internal sealed class ReleaseQueue
{
    private readonly Queue<ShimRelease> _queue = new();
    private volatile int _count;

    public int Count => _count;

    public void Add(in ShimRelease release)
    {
        lock (_queue)
        {
            _queue.Enqueue(release);
            _count = _queue.Count;
        }
    }

    public int Drain(Span<ShimRelease> into)
    {
        if (_count == 0)
        {
            return 0;
        }

        lock (_queue)
        {
            var n = 0;
            while (n < into.Length && _queue.TryDequeue(out var r))
            {
                into[n++] = r;
            }

            _count = _queue.Count;
            return n;
        }
    }
}
