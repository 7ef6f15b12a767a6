using System.ComponentModel.DataAnnotations;

namespace Vigil.Health;

/// <summary>
/// The thresholds of Vigil's own health checks and the resource sampler (configuration section
/// <c>Vigil:Health</c>). The defaults are seed 002's: database response time 500 ms; jobs failure
/// rate 50 %, stuck jobs 10, dead letters 100; system error rate 10 %, response time 200 ms.
/// </summary>
public sealed class HealthOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Health";

    /// <summary>The database check is <c>degraded</c> when its probe takes longer than this (unreachable: <c>unhealthy</c>).</summary>
    /// <value>500 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan DatabaseDegradedAfter { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The jobs check is <c>degraded</c> when at least this share (percent) of the jobs that finished
    /// within <see cref="JobsFailureWindow"/> were dead-lettered.
    /// </summary>
    /// <value>50.</value>
    [Range(0.0, 100.0)]
    public double JobsFailureRatePercent { get; set; } = 50;

    /// <summary>The window of the jobs failure rate.</summary>
    /// <value>1 hour.</value>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan JobsFailureWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The fewest finished jobs within <see cref="JobsFailureWindow"/> that make the failure rate
    /// count (one dead letter out of one job is not a 100 % failure rate worth a status).
    /// </summary>
    /// <value>10.</value>
    [Range(1, 1_000_000)]
    public int JobsFailureMinJobs { get; set; } = 10;

    /// <summary>The jobs check is <c>degraded</c> when at least this many running jobs have an expired lease (stuck).</summary>
    /// <value>10.</value>
    [Range(1, 10_000_000)]
    public int StuckJobs { get; set; } = 10;

    /// <summary>The jobs check is <c>degraded</c> when the dead-letter queue holds at least this many jobs.</summary>
    /// <value>100.</value>
    [Range(1, 100_000_000)]
    public int DeadLetters { get; set; } = 100;

    /// <summary>The advanced check is <c>degraded</c> when Vigil's own HTTP error rate (5xx, percent) exceeds this.</summary>
    /// <value>10.</value>
    [Range(0.0, 100.0)]
    public double SystemErrorRatePercent { get; set; } = 10;

    /// <summary>The advanced check is <c>degraded</c> when Vigil's own p95 HTTP response time exceeds this, in milliseconds.</summary>
    /// <value>200.</value>
    [Range(0.0, 3_600_000.0)]
    public double SystemResponseTimeMs { get; set; } = 200;

    /// <summary>The window over which the advanced check reads Vigil's own request timings.</summary>
    /// <value>5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan AdvancedWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a health report is reused, so a load balancer polling every node often does not
    /// reach the database on each call; 0 runs the checks on every request.
    /// </summary>
    /// <value>1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one check may take before it counts as failed (a database that does not answer at all).</summary>
    /// <value>5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often host and process resources are recorded as series (<c>vigil_process_cpu_percent</c> and the others).</summary>
    /// <value>10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResourceSampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the resource sampler runs.</summary>
    /// <value>true.</value>
    public bool ResourceSamplingEnabled { get; set; } = true;
}
