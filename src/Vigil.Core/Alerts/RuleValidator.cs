using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// Checks a rule and names every field at fault, so an API answer (or a start-up error for
/// the default rules) says exactly what to fix.
/// </summary>
public static class RuleValidator
{
    /// <summary>Accepted rule types.</summary>
    public static readonly IReadOnlyList<string> Types = ["performance", "error", "security", "business", "system"];

    /// <summary>The longest description, in characters.</summary>
    public const int MaxDescriptionLength = 2000;

    /// <summary>The shortest window, in minutes: one 10-second bucket.</summary>
    public static readonly double MinWindowMinutes = MetricsOptions.BucketSize.TotalMinutes;

    /// <summary>The problems of a rule, by field (empty when it is valid).</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="channelExists">Whether a channel id exists; channels are not checked when null.</param>
    public static Dictionary<string, string[]> Validate(AlertRule rule, Func<string, bool>? channelExists = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var errors = new FieldErrors();

        if (string.IsNullOrWhiteSpace(rule.Name))
        {
            errors.Add("name", "is required");
        }
        else if (rule.Name.Length > 200)
        {
            errors.Add("name", "is longer than 200 characters");
        }

        if (rule.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add("description", $"is longer than {MaxDescriptionLength} characters");
        }

        if (!Types.Contains(rule.Type))
        {
            errors.Add("type", $"'{rule.Type}' is not one of {string.Join(", ", Types)}");
        }

        if (string.IsNullOrWhiteSpace(rule.Metric))
        {
            errors.Add("metric", "is required");
        }
        else if (!MetricNames.IsValidMetricName(rule.Metric))
        {
            errors.Add("metric", $"'{rule.Metric}' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, as ingest takes them): the rule could never match");
        }

        // At least one bucket: a shorter window (down to a denormal 4.9e-324) reads nothing useful.
        if (!(rule.WindowMinutes >= MinWindowMinutes) || rule.WindowMinutes > 7 * 24 * 60)
        {
            errors.Add("windowMinutes", "must be more than 0: at least one 10 s bucket (0.1667) and at most 10080 (7 days)");
        }

        if (rule.MinDataPoints < 0)
        {
            errors.Add("minDataPoints", "cannot be negative");
        }

        switch (rule.ThresholdType)
        {
            case ThresholdType.Static when rule.Threshold is not { } value || !double.IsFinite(value):
                errors.Add("threshold", "is required for a static threshold and must be a finite number");
                break;
            case ThresholdType.PercentChange when rule.Threshold is not { } value || !double.IsFinite(value):
                errors.Add("threshold", "is required for a percent_change threshold (the change from the baseline, in percent) and must be a finite number");
                break;
            case ThresholdType.Dynamic when rule.BaselineMultiplier is not { } multiplier || !(multiplier > 0) || !double.IsFinite(multiplier):
                errors.Add("baselineMultiplier", "is required for a dynamic threshold and must be more than 0");
                break;
            case ThresholdType.Anomaly when rule.Comparison == Comparison.Equal:
                errors.Add("comparison", "must be greater_than or greater_or_equal (above the band) or less_than or less_or_equal (below it) for an anomaly threshold");
                break;
        }

        if (rule.AnomalyMethod == AnomalyMethod.Sequential)
        {
            if (rule.ThresholdType != ThresholdType.Anomaly)
            {
                errors.Add("anomalyMethod", "sequential applies to an anomaly threshold only");
            }
            else if (!SequentialTest.Applies(rule.Aggregation))
            {
                errors.Add("anomalyMethod", $"sequential weighs requests (count, rate_per_minute, rate_per_second), errors (error_rate_percent) or latency (p50), not {rule.Aggregation.ToWire()}");
            }
            else if (rule.Aggregation is Aggregation.ErrorRatePercent or Aggregation.P50 && rule.Comparison is not (Comparison.GreaterThan or Comparison.GreaterOrEqual))
            {
                errors.Add("comparison", rule.Aggregation == Aggregation.P50
                    ? "must be greater_than or greater_or_equal for a sequential p50 (it looks for slower requests than usual)"
                    : "must be greater_than or greater_or_equal for a sequential error rate (it looks for more errors than usual)");
            }

            if (!(rule.WindowMinutes == Math.Floor(rule.WindowMinutes) && rule.WindowMinutes is >= 2 and <= WindowTrim.MaxWindowMinutes))
            {
                errors.Add("windowMinutes", $"must be whole minutes from 2 to {WindowTrim.MaxWindowMinutes} with anomalyMethod sequential (the test weighs each whole minute of it)");
            }

            if (rule.MinChange is not null)
            {
                errors.Add("minChange", "does not apply with anomalyMethod sequential (the changes it looks for are fixed: a drop to 40 %, a surge to 2x, 2 and 7 more points of errors, three requests in four slower than the usual median)");
            }

            if (rule.TrimMinutes > 0)
            {
                errors.Add("trimMinutes", "does not apply with anomalyMethod sequential (a minute adds at most half of what fires)");
            }

            if (rule.RecoveryThreshold is not null)
            {
                errors.Add("recoveryThreshold", "does not apply with anomalyMethod sequential (it clears when the evidence falls under half of what fires)");
            }

            if (rule.MinDataPoints > 1)
            {
                errors.Add("minDataPoints", "does not apply with anomalyMethod sequential (every whole minute is weighed, a quiet one too)");
            }

            if (rule.NoData != NoDataPolicy.KeepLast)
            {
                errors.Add("noData", "does not apply with anomalyMethod sequential (a minute without requests is weighed as one)");
            }
        }

        if (rule.UsesBaseline && rule.BaselineDays is < 7 or > 30)
        {
            errors.Add("baselineDays", "must be between 7 (the baseline compares each hour of the week with its past weeks) and 30 (the rollup retention bounds it)");
        }

        if (rule.MinChange is { } minChange && !(minChange >= 0 && double.IsFinite(minChange)))
        {
            errors.Add("minChange", "must be a finite number of at least 0");
        }

        if (rule.OfMinutes is < 1 or > RuleMemory.MaxOfMinutes)
        {
            errors.Add("ofMinutes", $"must be between 1 and {RuleMemory.MaxOfMinutes}");
        }

        if (rule.MetMinutes < 1 || rule.MetMinutes > Math.Max(1, rule.OfMinutes))
        {
            errors.Add("metMinutes", "must be at least 1 and at most ofMinutes");
        }

        if (rule.TrimMinutes < 0 || (rule.TrimMinutes > 0 && rule.TrimMinutes >= rule.WindowMinutes))
        {
            errors.Add("trimMinutes", "must be at least 0 and less than windowMinutes");
        }
        else if (rule.TrimMinutes > 0 && !(rule.WindowMinutes == Math.Floor(rule.WindowMinutes) && rule.WindowMinutes <= WindowTrim.MaxWindowMinutes))
        {
            errors.Add("trimMinutes", $"needs a windowMinutes of whole minutes, at most {WindowTrim.MaxWindowMinutes} (each of its minutes is judged apart)");
        }
        else if (rule.TrimMinutes > 0 && !WindowTrim.Applies(rule.Aggregation))
        {
            errors.Add("trimMinutes", $"applies to avg, min, max, the quantiles and error_rate_percent, not to {rule.Aggregation.ToWire()}");
        }
        else if (rule.TrimMinutes > 0 && !WindowTrim.Applies(rule.Aggregation, rule.Comparison))
        {
            errors.Add("trimMinutes", "leaves out the minutes past the threshold, so it needs a comparison from above or below (not equal), min only below (less_than, less_or_equal) and max only above");
        }

        if (rule.RecoveryThreshold is { } recovery && !double.IsFinite(recovery))
        {
            errors.Add("recoveryThreshold", "must be a finite number");
        }

        if (rule.ForSeconds is < 0 or > 86_400)
        {
            errors.Add("forSeconds", "must be between 0 and 86400");
        }

        if (rule.CooldownMinutes is < 0 or > 10_080)
        {
            errors.Add("cooldownMinutes", "must be between 0 and 10080");
        }

        if (rule.RepeatIntervalMinutes is < 0 or > 10_080)
        {
            errors.Add("repeatIntervalMinutes", "must be between 0 (never) and 10080");
        }

        foreach (var label in rule.GroupBy)
        {
            if (string.IsNullOrEmpty(label))
            {
                errors.Add("groupBy", "label names cannot be empty");
            }
        }

        if (rule.RunbookUrl is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"))
        {
            errors.Add("runbookUrl", "must be an absolute http(s) URL");
        }

        if (channelExists is not null)
        {
            foreach (var (field, ids) in new[] { ("channels", rule.Channels), ("escalationChannels", rule.EscalationChannels) })
            {
                foreach (var id in ids)
                {
                    if (!channelExists(id))
                    {
                        errors.Add(field, $"channel '{id}' does not exist");
                    }
                }
            }
        }

        return errors.ToDictionary();
    }
}
