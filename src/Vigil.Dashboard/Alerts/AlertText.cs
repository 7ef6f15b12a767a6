using System.Globalization;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Dashboard.Alerts;

/// <summary>How the alert pages put an alert and its rule into words.</summary>
public static class AlertText
{
    /// <summary>The wire names of the statuses, in lifecycle order.</summary>
    public static IReadOnlyList<string> Statuses { get; } = [.. Enum.GetValues<AlertStatus>().Select(s => s.ToWire())];

    /// <summary>The wire names of the severities, most severe first.</summary>
    public static IReadOnlyList<string> Severities { get; } = [.. Enum.GetValues<Severity>().Reverse().Select(s => s.ToWire())];

    /// <summary>The silence durations offered on the alert page, in minutes.</summary>
    public static IReadOnlyList<(int Minutes, string Label)> SilenceChoices { get; } = [(15, "15 min"), (60, "1 h"), (240, "4 h"), (1440, "24 h")];

    /// <summary>The badge class of a status.</summary>
    public static string StatusClass(AlertStatus status) => "badge st-" + status.ToWire();

    /// <summary>The badge class of a severity.</summary>
    public static string SeverityClass(Severity severity) => "badge sev-" + severity.ToWire();

    /// <summary>What a rule watches, e.g. <c>p95 of http_request_duration over 5 min greater than 500</c>.</summary>
    public static string Describe(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var match = rule.Match.Count == 0 ? "" : " {" + string.Join(", ", rule.Match.Select(m => $"{m.Key}={m.Value}")) + "}";
        var threshold = rule.ThresholdType switch
        {
            ThresholdType.Static => Format.Number(rule.Threshold ?? double.NaN),
            ThresholdType.PercentChange => $"a {Format.Number(rule.Threshold ?? double.NaN)} % change",
            _ => $"{Format.Number(rule.BaselineMultiplier ?? double.NaN)} × the {rule.BaselineDays}-day baseline",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{rule.Aggregation.ToWire()} of {rule.Metric}{match} over {rule.WindowMinutes:0.##} min {Comparison(rule.Comparison)} {threshold}")
            + (rule.ForSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $" for {rule.ForSeconds} s") : "");
    }

    /// <summary>A comparison in words ("greater than").</summary>
    public static string Comparison(Comparison comparison) => comparison.ToWire().Replace('_', ' ');

    /// <summary>Labels as <c>service=api, route=/orders</c>.</summary>
    public static string Labels(LabelSet labels) =>
        string.Join(", ", labels.Pairs.Select(p => $"{p.Key}={p.Value}"));

    /// <summary>A time as the pages show it: machine value for <c>time.local</c>, UTC text before the script runs.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The fallback text of a <c>time.local</c>.</summary>
    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The metrics explorer's link for what the rule of an alert watches: its metric, its
    /// matchers and the group's labels as <c>match[label]=value</c>, and its aggregation.
    /// </summary>
    public static string ExploreUrl(AlertRule rule, LabelSet group)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(group);
        var query = new List<KeyValuePair<string, string?>> { new("metric", rule.Metric) };
        var matchers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in rule.Match)
        {
            matchers[name] = value;
        }

        foreach (var (name, value) in group.Pairs)
        {
            matchers[name] = value;
        }

        query.AddRange(matchers.Select(m => new KeyValuePair<string, string?>($"match[{m.Key}]", m.Value)));
        query.Add(new("agg", rule.Aggregation.ToWire()));
        return Microsoft.AspNetCore.Http.QueryString.Create(query).ToUriComponent().Insert(0, "/explore");
    }
}
