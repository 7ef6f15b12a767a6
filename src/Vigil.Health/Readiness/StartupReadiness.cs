namespace Vigil.Health.Readiness;

/// <summary>
/// Whether this process has finished starting (migrations applied, default rules loaded,
/// aggregates restored) and is not shutting down: the readiness endpoint answers 503 until
/// the host's initializer calls <see cref="MarkStarted"/>, and again once shutdown begins, so
/// an orchestrator sends traffic only to a process that can serve it.
/// </summary>
public sealed class StartupReadiness
{
    private readonly CancellationToken _stopping;
    private volatile bool _started;

    /// <summary>Creates the gate; <paramref name="lifetime"/> tells when shutdown begins.</summary>
    public StartupReadiness(IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        _stopping = lifetime.ApplicationStopping;
    }

    /// <summary>Whether start-up has finished.</summary>
    public bool IsStarted => _started;

    /// <summary>Why the process is not ready, or null when it is (as far as start-up and shutdown go).</summary>
    public string? NotReadyReason =>
        !_started ? "Vigil is starting: migrations, default rules and the restore of recent aggregates have not finished."
        : _stopping.IsCancellationRequested ? "Vigil is shutting down."
        : null;

    /// <summary>Start-up has finished: the process can serve.</summary>
    public void MarkStarted() => _started = true;
}
