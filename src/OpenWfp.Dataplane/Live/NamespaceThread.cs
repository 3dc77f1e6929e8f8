using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace OpenWfp.Dataplane.Live;

/// <summary>
/// A thread that runs work items one at a time, for their callers, in the network namespace of the thread that
/// created it (a new thread and the processes it starts inherit the creator's namespace). The data plane changes
/// netfilter rules only through it, whichever thread a commit arrives on.
/// </summary>
internal sealed class NamespaceThread : IDisposable
{
    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _work = new();
    private readonly Thread _thread;

    public NamespaceThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread and waits; its exception is rethrown here.</summary>
    public void Invoke(Action work)
    {
        if (Environment.CurrentManagedThreadId == _thread.ManagedThreadId)
        {
            work();
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add((work, done));
        try
        {
            done.Task.Wait();
        }
        catch (AggregateException e) when (e.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the thread and returns its result.</summary>
    public T Invoke<T>(Func<T> work)
    {
        T result = default!;
        Invoke(() => { result = work(); });
        return result;
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        _work.Dispose();
    }

    private void Run()
    {
        foreach (var (work, done) in _work.GetConsumingEnumerable())
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
    }
}
