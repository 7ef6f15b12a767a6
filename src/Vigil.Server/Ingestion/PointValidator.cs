using System.Globalization;
using Vigil.Core;
using Vigil.Core.Metrics;
using Vigil.Server.Http;

namespace Vigil.Server.Ingestion;

/// <summary>
/// Checks every point of a batch against the metric limits and collects each problem by
/// index and field, so a rejected batch tells the sender exactly what to fix.
/// </summary>
internal sealed class PointValidator
{
    /// <summary>At most this many problems are listed in one answer.</summary>
    public const int MaxReportedErrors = 100;

    /// <summary>Metric names starting with this are Vigil's own.</summary>
    public const string ReservedPrefix = "vigil_";

    /// <summary>The problem of a point value outside <see cref="FiniteValues.MaxMagnitude"/>.</summary>
    public const string ValueRangeProblem = "must be a finite number between -1e15 and 1e15";

    /// <summary>The problem of a job duration outside [0, <see cref="FiniteValues.MaxMagnitude"/>].</summary>
    public const string DurationRangeProblem = "must be a finite, non-negative number of milliseconds, at most 1e15";

    /// <summary>The label whose value is stored without its query string (<see cref="WithoutQuery"/>).</summary>
    public const string RouteLabel = "route";

    private readonly MetricsOptions _options;

    public PointValidator(MetricsOptions options) => _options = options;

    /// <summary>Validates a metric name; returns the problem or null.</summary>
    public string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is required";
        }

        if (name.Length > _options.MaxNameLength)
        {
            return $"is longer than {_options.MaxNameLength} characters";
        }

        if (!MetricNames.IsValidMetricName(name))
        {
            return "must match [a-zA-Z_:][a-zA-Z0-9_:]*";
        }

        return name.StartsWith(ReservedPrefix, StringComparison.Ordinal)
            ? $"names starting with '{ReservedPrefix}' are reserved for Vigil's own metrics"
            : null;
    }

    /// <summary>Validates a timestamp against the accepted range; returns the Unix ms or a problem.</summary>
    public (long Ms, string? Problem) CheckTimestamp(DateTimeOffset? timestamp, long nowMs)
    {
        if (timestamp is null)
        {
            return (nowMs, null);
        }

        var ms = timestamp.Value.ToUnixTimeMilliseconds();
        if (ms > nowMs + (long)_options.MaxFutureSkew.TotalMilliseconds)
        {
            return (ms, $"is more than {Format(_options.MaxFutureSkew)} in the future");
        }

        if (ms < nowMs - (long)_options.RollupRetention.TotalMilliseconds)
        {
            return (ms, $"is older than the retention of {_options.RollupRetentionDays} days");
        }

        return (ms, null);
    }

    /// <summary>Validates labels, adding problems under <paramref name="prefix"/>; returns the set.</summary>
    public LabelSet CheckLabels(Dictionary<string, string?>? labels, MetricType type, string prefix, FieldErrors errors)
    {
        if (labels is null || labels.Count == 0)
        {
            return LabelSet.Empty;
        }

        if (labels.Count > _options.MaxLabelsPerPoint)
        {
            errors.Add($"{prefix}.labels", $"has {labels.Count} labels; at most {_options.MaxLabelsPerPoint} are allowed");
            return LabelSet.Empty;
        }

        foreach (var (name, value) in labels)
        {
            var field = $"{prefix}.labels.{name}";
            if (name.Length > _options.MaxLabelNameLength)
            {
                errors.Add($"{prefix}.labels", $"label name '{name[..32]}...' is longer than {_options.MaxLabelNameLength} characters");
            }
            else if (!MetricNames.IsValidLabelName(name))
            {
                errors.Add(field, "label names must match [a-zA-Z_][a-zA-Z0-9_]*");
            }
            else if (name.StartsWith("__", StringComparison.Ordinal))
            {
                errors.Add(field, "label names starting with '__' are reserved");
            }
            else if (type == MetricType.Timing && name is "quantile")
            {
                errors.Add(field, "'quantile' is reserved on timings (it is the summary's quantile label)");
            }

            if (value is null)
            {
                errors.Add(field, "label values must be strings, not null");
            }
            else if (value.Length > _options.MaxLabelValueLength)
            {
                errors.Add(field, $"label value is longer than {_options.MaxLabelValueLength} characters");
            }
            else if (ValidText.HoldsNul(value))
            {
                errors.Add(field, ValidText.NulMessage);
            }
        }

        return LabelSet.From(labels.Select(pair => new KeyValuePair<string, string>(
            pair.Key,
            pair.Key == RouteLabel ? WithoutQuery(pair.Value ?? "") : pair.Value ?? "")));
    }

    /// <summary>
    /// A route without its query string and fragment: <c>/users?token=abc</c> is stored as
    /// <c>/users</c>, so tokens and personal data in query parameters are never stored, and one
    /// route stays one series.
    /// </summary>
    public static string WithoutQuery(string route)
    {
        int end = route.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? route : route[..end];
    }

    private static string Format(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours} h")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes} min");
}
