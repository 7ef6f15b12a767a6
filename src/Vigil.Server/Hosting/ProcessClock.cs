namespace Vigil.Server.Hosting;

/// <summary>
/// When this process started, for uptime figures (<c>/api/health</c>, <c>/api/v1/metrics</c>,
/// <c>vigil_start_time_seconds</c>). A hosted service, registered before every other one, so it
/// is created when the host starts rather than on the first request that asks for it.
/// </summary>
internal sealed class ProcessClock(TimeProvider time) : IHostedService
{
    private readonly long _started = time.GetTimestamp();

    /// <summary>The wall-clock time the process started.</summary>
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>How long the process has run.</summary>
    public TimeSpan Uptime => time.GetElapsedTime(_started);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
