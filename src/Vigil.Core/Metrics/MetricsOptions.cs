using System.ComponentModel.DataAnnotations;

namespace Vigil.Core.Metrics;

/// <summary>Limits and retention of the metric store (configuration section <c>Vigil:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Metrics";

    /// <summary>The width of one in-memory bucket. Fixed: rollups and rules assume it.</summary>
    public static readonly TimeSpan BucketSize = TimeSpan.FromSeconds(10);

    /// <summary>Maximum number of active series; new series past it are refused.</summary>
    /// <value>100 000.</value>
    [Range(1, 50_000_000)]
    public int MaxSeries { get; set; } = 100_000;

    /// <summary>How long 10-second buckets stay in memory.</summary>
    /// <value>1 hour.</value>
    [Range(typeof(TimeSpan), "00:10:00", "1.00:00:00")]
    public TimeSpan InMemoryRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long 1-minute rollups are kept in the database, in days.</summary>
    /// <value>30.</value>
    [Range(1, 3650)]
    public int RollupRetentionDays { get; set; } = 30;

    /// <summary>Maximum points in one ingest request.</summary>
    /// <value>10 000.</value>
    [Range(1, 1_000_000)]
    public int MaxPointsPerBatch { get; set; } = 10_000;

    /// <summary>Maximum labels on one point.</summary>
    /// <value>32.</value>
    [Range(0, 256)]
    public int MaxLabelsPerPoint { get; set; } = 32;

    /// <summary>Maximum length of a metric name.</summary>
    /// <value>200.</value>
    [Range(1, 4096)]
    public int MaxNameLength { get; set; } = 200;

    /// <summary>Maximum length of a label name.</summary>
    /// <value>128.</value>
    [Range(1, 4096)]
    public int MaxLabelNameLength { get; set; } = 128;

    /// <summary>Maximum length of a label value.</summary>
    /// <value>1024.</value>
    [Range(0, 65536)]
    public int MaxLabelValueLength { get; set; } = 1024;

    /// <summary>How far in the future a point's timestamp may be.</summary>
    /// <value>1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The rollup retention as a time span.</summary>
    public TimeSpan RollupRetention => TimeSpan.FromDays(RollupRetentionDays);
}
