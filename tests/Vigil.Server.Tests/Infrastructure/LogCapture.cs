using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Vigil.Server.Tests;

/// <summary>A logger provider that keeps every formatted log line, as a console or file sink would write it.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(EventId EventId, string Message)> _lines = new();

    public IReadOnlyList<(EventId EventId, string Message)> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._lines.Enqueue((eventId, formatter(state, exception)));
    }
}
