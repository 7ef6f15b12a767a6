using System.ComponentModel.DataAnnotations;

namespace Vigil.Monitoring;

/// <summary>The settings of uptime monitors (section <c>Vigil:Monitoring</c>).</summary>
public sealed class MonitoringOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Vigil:Monitoring";

    /// <summary>The shortest interval a monitor may have, in seconds.</summary>
    public const int MinIntervalSeconds = 10;

    /// <summary>Gets or sets whether this process runs monitor checks at all (the API works either way).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how many checks run at the same time at most; the others wait their turn.</summary>
    /// <value>Defaults to 200.</value>
    [Range(1, 5000)]
    public int MaxConcurrentChecks { get; set; } = 200;

    /// <summary>Gets or sets the longest timeout a monitor may have, in seconds.</summary>
    /// <value>Defaults to 60.</value>
    [Range(1, 600)]
    public int MaxTimeoutSeconds { get; set; } = 60;

    /// <summary>Gets or sets the longest interval a monitor may have, in seconds.</summary>
    /// <value>Defaults to 86 400 (a day).</value>
    [Range(MinIntervalSeconds, 31 * 86_400)]
    public int MaxIntervalSeconds { get; set; } = 86_400;

    /// <summary>Gets or sets how often the scheduler rereads monitors and maintenance windows from the database (changes made through another process; this process's own changes apply at once).</summary>
    /// <value>Defaults to 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long each check is kept (the check log).</summary>
    /// <value>Defaults to 3 days.</value>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")]
    public TimeSpan CheckRetention { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Gets or sets how long the hourly counts behind uptime figures are kept.</summary>
    /// <value>Defaults to 90 days.</value>
    [Range(typeof(TimeSpan), "31.00:00:00", "800.00:00:00")]
    public TimeSpan UptimeRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Gets or sets the most bytes of a response body read for keyword and JSON path conditions.</summary>
    /// <value>Defaults to 1 MiB.</value>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Gets or sets how many check-ins one heartbeat monitor may receive per minute (bursts up to it); more get 429.</summary>
    /// <value>Defaults to 60.</value>
    [Range(1, 100_000)]
    public int HeartbeatsPerMinute { get; set; } = 60;

    /// <summary>Gets or sets how many check-ins with an unknown token one client address may send per minute (against guessing tokens).</summary>
    /// <value>Defaults to 20.</value>
    [Range(1, 100_000)]
    public int FailedHeartbeatsPerMinute { get; set; } = 20;

    /// <summary>Gets or sets the share of enabled monitors down or failing above which the <c>platforms</c> health check is unhealthy (seed 002: 30 %); any monitor down below it is degraded.</summary>
    /// <value>Defaults to 30.</value>
    [Range(0, 100)]
    public double UnhealthyAbovePercent { get; set; } = 30;
}
