using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;

namespace Vigil.Performance;

/// <summary>
/// Performance tracking (configuration section <c>Vigil:Performance</c>): which timings are
/// operations, when an operation has a baseline (seed 002: after 10 executions), the periods
/// baselines cover and the change that counts (seed 002: 10 %).
/// </summary>
public sealed class PerformanceOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Performance";

    /// <summary>
    /// Where operations come from: each entry names a timing metric, the kind of operation its
    /// series are, and the labels that identify one. Null (the default) is
    /// <see cref="OperationSource.Defaults"/>: endpoints from the SDK's
    /// <c>http_request_duration_ms{route, method}</c> and jobs from
    /// <c>job_execution_duration_ms{job_id}</c>. Setting the list replaces the defaults.
    /// </summary>
    public IList<OperationSource>? Operations { get; set; }

    /// <summary>The fewest executions a baseline is computed from (seed 002: a baseline after 10 executions); an hour-of-week baseline needs as many.</summary>
    /// <value>10.</value>
    [Range(1, 1_000_000)]
    public int MinExecutions { get; set; } = 10;

    /// <summary>The period of the all-hours baseline, up to the last complete hour.</summary>
    /// <value>7 days.</value>
    [Range(typeof(TimeSpan), "1.00:00:00", "90.00:00:00")]
    public TimeSpan BaselinePeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How many past weeks an hour-of-week baseline looks at (every Monday 09:00–10:00 of them); it
    /// exists when those hours hold at least <see cref="MinExecutions"/> executions from at least two
    /// of the weeks.
    /// </summary>
    /// <value>4.</value>
    [Range(2, 12)]
    public int SeasonalWeeks { get; set; } = 4;

    /// <summary>The change of an operation's p95 that counts: a trend outside ±this percent is improving or degrading (seed 002: 10 %).</summary>
    /// <value>10.</value>
    [Range(1.0, 1000.0)]
    public double ChangePercent { get; set; } = 10;

    /// <summary>
    /// The confidence a step needs to be a regression or an improvement: 1 − the step test's
    /// p-value, corrected for the splits and measures it tries (see <c>StepDetector</c>).
    /// </summary>
    /// <remarks>
    /// The detector judges every operation every minute, so this is also about how often noise
    /// passes: at 0.999999 (the default) a million minutes of an operation without a step give about
    /// one false finding, about one per operation every two years; a step of +100 % on a busy
    /// endpoint is still found after five blocks (see docs/BENCHMARKS.md).
    /// </remarks>
    /// <value>0.999999.</value>
    [Range(0.5, 0.99999999)]
    public double RegressionConfidence { get; set; } = 0.999999;

    /// <summary>How long resolved regressions and recorded improvements are kept.</summary>
    /// <value>90 days.</value>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan RegressionRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long the hourly sums are kept (they are what baselines and trends are computed from).</summary>
    /// <value>35 days.</value>
    [Range(typeof(TimeSpan), "14.00:00:00", "400.00:00:00")]
    public TimeSpan HourRetention { get; set; } = TimeSpan.FromDays(35);

    /// <summary>The sources in force: <see cref="Operations"/>, or the defaults when it is not set.</summary>
    public IReadOnlyList<OperationSource> Sources => Operations is { } configured ? [.. configured] : OperationSource.Defaults;
}

/// <summary>One kind of operation: a timing metric and the labels that tell its operations apart.</summary>
public sealed class OperationSource
{
    /// <summary>The defaults: endpoints (route and method) of the request timings, and jobs of the job executions.</summary>
    public static IReadOnlyList<OperationSource> Defaults { get; } =
    [
        new() { Metric = "http_request_duration_ms", Kind = "route", Labels = ["method", "route"] },
        new() { Metric = "job_execution_duration_ms", Kind = "job", Labels = ["job_id"] },
    ];

    /// <summary>The timing metric.</summary>
    public string Metric { get; set; } = "";

    /// <summary>The kind of operation (<c>route</c>, <c>job</c>, or a name of your own: lowercase letters, digits and <c>_</c>).</summary>
    public string Kind { get; set; } = "";

    /// <summary>
    /// The labels that identify an operation, in the order its name shows their values (<c>GET
    /// /api/orders</c>). A series is an operation of this source when it has the last label (the
    /// route, the job id); the others count when present. The <c>service</c> label, when present,
    /// always tells operations apart too.
    /// </summary>
    public IList<string> Labels { get; set; } = [];
}

/// <summary>Validates <see cref="PerformanceOptions"/> beyond its ranges: every operation source names a metric, a kind and labels.</summary>
internal sealed class PerformanceOptionsValidator : IValidateOptions<PerformanceOptions>
{
    public ValidateOptionsResult Validate(string? name, PerformanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        var sources = options.Operations ?? [];
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            var prefix = $"{PerformanceOptions.Section}:{nameof(PerformanceOptions.Operations)}:{i}";
            var source = sources[i];
            if (!MetricNames.IsValidMetricName(source.Metric))
            {
                builder.AddError($"{prefix}:{nameof(OperationSource.Metric)} must be a metric name; it was '{source.Metric}'.");
            }

            if (string.IsNullOrEmpty(source.Kind) || source.Kind.Length > 32 || !source.Kind.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                builder.AddError($"{prefix}:{nameof(OperationSource.Kind)} must be 1-32 lowercase letters, digits or '_'; it was '{source.Kind}'.");
            }
            else if (!kinds.Add(source.Kind))
            {
                builder.AddError($"{prefix}:{nameof(OperationSource.Kind)} '{source.Kind}' is used by another source.");
            }

            if (source.Labels.Count == 0 || source.Labels.Count > 8)
            {
                builder.AddError($"{prefix}:{nameof(OperationSource.Labels)} must name 1 to 8 labels.");
            }

            for (var j = 0; j < source.Labels.Count; j++)
            {
                if (!MetricNames.IsValidLabelName(source.Labels[j]) || source.Labels[j] == "service")
                {
                    builder.AddError($"{prefix}:{nameof(OperationSource.Labels)}:{j} must be a label name other than 'service'; it was '{source.Labels[j]}'.");
                }
            }
        }

        return builder.Build();
    }
}
