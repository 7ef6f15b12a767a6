namespace Vigil.Health;

/// <summary>
/// The names and tags of Vigil's health checks. A check's name is its endpoint
/// (<c>/api/health/{name}</c>); tags choose which checks a report runs.
/// </summary>
public static class VigilHealthChecks
{
    /// <summary>The database check.</summary>
    public const string Database = "database";

    /// <summary>The Redis check (registered only when Redis is configured).</summary>
    public const string Redis = "redis";

    /// <summary>The job queue check.</summary>
    public const string Jobs = "jobs";

    /// <summary>The uptime monitors' check (registered by the monitoring library).</summary>
    public const string Platforms = "platforms";

    /// <summary>The performance check against the seed-003 targets.</summary>
    public const string Advanced = "advanced";

    /// <summary>
    /// Checks the readiness endpoint runs: without them this process cannot serve (the
    /// database). An orchestrator stops sending traffic while one is unhealthy.
    /// </summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Checks only their own endpoint runs, not <c>GET /api/health</c>: figures and targets that
    /// describe how well Vigil performs rather than whether a dependency works (<c>advanced</c>).
    /// </summary>
    public const string DetailTag = "detail";
}
