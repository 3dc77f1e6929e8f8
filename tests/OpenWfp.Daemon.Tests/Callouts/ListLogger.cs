using Microsoft.Extensions.Logging;

namespace OpenWfp.Daemon.Tests.Callouts;

/// <summary>A logger that keeps each line (level and message) for a test to look at.</summary>
internal class ListLogger : ILogger
{
    private readonly List<string> _lines = [];

    public string Text
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }

    /// <summary>Waits up to 5 s for a line containing <paramref name="text"/>.</summary>
    public bool WaitFor(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Text.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }
}

/// <summary>A <see cref="ListLogger"/> for a class that takes its typed logger.</summary>
internal sealed class ListLogger<T> : ListLogger, ILogger<T>;
