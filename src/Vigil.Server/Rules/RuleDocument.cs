namespace Vigil.Server.Rules;

/// <summary>
/// A rule as JSON: the body of <c>POST</c> and <c>PATCH /api/v1/alerts/rules</c> and the rules
/// of <c>config/base.json</c>. Every field is optional here; an
/// omitted field takes the default written on it, and <see cref="RuleJson"/> turns the
/// document into a checked <see cref="Vigil.Core.Alerts.AlertRule"/>. Enums travel by their
/// wire names (<c>p95</c>, <c>greater_than</c>, <c>percent_change</c>, <c>critical</c>).
/// </summary>
public class RuleDocument
{
    /// <summary>Human name, at most 200 characters. Required.</summary>
    public string? Name { get; set; }

    /// <summary>What the rule watches and why, at most 2000 characters.</summary>
    /// <value>None when omitted.</value>
    public string? Description { get; set; }

    /// <summary><c>performance</c>, <c>error</c>, <c>security</c>, <c>business</c> or <c>system</c>.</summary>
    /// <value><c>performance</c> when omitted.</value>
    public string? Type { get; set; }

    /// <summary>Metric name. Required.</summary>
    public string? Metric { get; set; }

    /// <summary>Exact label matches a series must have.</summary>
    /// <value>None when omitted.</value>
    public Dictionary<string, string?>? Match { get; set; }

    /// <summary>Labels that split the rule into one alert per group, e.g. <c>["route"]</c>.</summary>
    /// <value>None when omitted.</value>
    public List<string?>? GroupBy { get; set; }

    /// <summary>
    /// <c>count</c>, <c>sum</c>, <c>min</c>, <c>max</c>, <c>avg</c>, <c>last</c>,
    /// <c>rate_per_second</c>, <c>rate_per_minute</c>, <c>p50</c>, <c>p90</c>, <c>p95</c>,
    /// <c>p99</c> or <c>error_rate_percent</c>.
    /// </summary>
    /// <value><c>avg</c> when omitted.</value>
    public string? Aggregation { get; set; }

    /// <summary>The window, in minutes (more than 0, at most 10080).</summary>
    /// <value>5 when omitted.</value>
    public double? WindowMinutes { get; set; }

    /// <summary>Fewer points than this in the window means "not enough data" (a whole number).</summary>
    /// <value>1 when omitted.</value>
    public double? MinDataPoints { get; set; }

    /// <summary>
    /// What a window with fewer than <c>minDataPoints</c> points means: <c>keep_last</c> (nothing
    /// changes), <c>ok</c> (the condition does not hold) or <c>alerting</c> (it holds).
    /// </summary>
    /// <value><c>keep_last</c> when omitted.</value>
    public string? NoData { get; set; }

    /// <summary>
    /// <c>static</c>, <c>dynamic</c> (seasonal baseline × <c>baselineMultiplier</c>),
    /// <c>percent_change</c> (change from the seasonal baseline) or <c>anomaly</c> (outside the
    /// seasonal baseline's band at a <c>sensitivity</c>).
    /// </summary>
    /// <value><c>static</c> when omitted.</value>
    public string? ThresholdType { get; set; }

    /// <summary>The value (static) or the change from the baseline in percent (percent_change).</summary>
    public double? Threshold { get; set; }

    /// <summary>Dynamic thresholds: the baseline is multiplied by this (more than 0).</summary>
    public double? BaselineMultiplier { get; set; }

    /// <summary>Dynamic, percent-change and anomaly thresholds: days of history the seasonal baseline covers (1 to 30).</summary>
    /// <value>7 when omitted.</value>
    public double? BaselineDays { get; set; }

    /// <summary>Anomaly thresholds: <c>low</c>, <c>medium</c> or <c>high</c>.</summary>
    /// <value><c>medium</c> when omitted.</value>
    public string? Sensitivity { get; set; }

    /// <summary>
    /// Anomaly thresholds: <c>band</c> (the window's value against a band around the seasonal
    /// baseline) or <c>sequential</c> (each minute's requests or server errors against the usual
    /// ones, the evidence summed until it is beyond chance; counts, rates and error_rate_percent).
    /// </summary>
    /// <value><c>band</c> when omitted.</value>
    public string? AnomalyMethod { get; set; }

    /// <summary>Anomaly thresholds: the smallest departure from the baseline that counts, in the metric's unit (at least 0).</summary>
    public double? MinChange { get; set; }

    /// <summary>
    /// Static thresholds (the other types ignore it): the condition counts only when the group's
    /// usual value at this hour (its seasonal baseline over <c>baselineDays</c>: the hour of the day
    /// once three past days show it, the hour of the week once a past week does, all the history so
    /// far before that) is clear of the recovery threshold (or of the threshold), so an endpoint
    /// that is slow every afternoon does not fire every afternoon; nor while the value is within the
    /// group's usual range (the low anomaly band around the usual value: 6 σ and at least 35 %), so
    /// a route usually at 850 ms whose p95 over a quiet hour reads 1.1 s does not fire either. Until
    /// its first hour of values is in its history the group is learning (not enough data) and does not fire,
    /// for a day after its first value at most; then the threshold alone decides.
    /// </summary>
    /// <value>false when omitted.</value>
    public bool? UnlessUsual { get; set; }

    /// <summary><c>greater_than</c>, <c>less_than</c>, <c>equal</c>, <c>greater_or_equal</c> or <c>less_or_equal</c>.</summary>
    /// <value><c>greater_than</c> when omitted.</value>
    public string? Comparison { get; set; }

    /// <summary>Seconds the condition must hold before the alert fires (0 to 86400).</summary>
    /// <value>0 when omitted.</value>
    public double? ForSeconds { get; set; }

    /// <summary>The condition counts as met when it held in this many of the last <c>ofMinutes</c> minutes (1 to ofMinutes).</summary>
    /// <value>1 when omitted.</value>
    public double? MetMinutes { get; set; }

    /// <summary>The minutes <c>metMinutes</c> counts over, the current one included (1 to 60).</summary>
    /// <value>1 when omitted.</value>
    public double? OfMinutes { get; set; }

    /// <summary>
    /// How many of the window's minutes its value leaves out: those that push it furthest toward
    /// the condition (for <c>error_rate_percent</c> the minutes with the most errors; for avg, min,
    /// max and the quantiles the minutes whose own value is furthest past, e.g. the slowest). A
    /// one-minute burst of errors or spike of latency then never moves the value, however long the
    /// window, while a sustained change loses as many minutes' worth of evidence (0 to windowMinutes − 1;
    /// the window in whole minutes, at most 60: its last clock minutes, the current one so far
    /// included; <c>minDataPoints</c> counts the points left; not with <c>equal</c>, min only
    /// compared from below, max from above).
    /// </summary>
    /// <value>0 when omitted: nothing is left out.</value>
    public double? TrimMinutes { get; set; }

    /// <summary>The value the aggregate must come back past before the alert resolves.</summary>
    public double? RecoveryThreshold { get; set; }

    /// <summary><c>info</c>, <c>warning</c>, <c>error</c> or <c>critical</c>.</summary>
    /// <value><c>warning</c> when omitted.</value>
    public string? Severity { get; set; }

    /// <summary>No re-notification for the same group within this many minutes (0 to 10080).</summary>
    /// <value>15 when omitted.</value>
    public double? CooldownMinutes { get; set; }

    /// <summary>Repeat the notification of an open, unacknowledged alert this often, in minutes (0: never).</summary>
    /// <value>240 when omitted.</value>
    public double? RepeatIntervalMinutes { get; set; }

    /// <summary>Channel ids to notify.</summary>
    /// <value>None when omitted.</value>
    public List<string?>? Channels { get; set; }

    /// <summary>Channel ids added when the alert escalates.</summary>
    /// <value>None when omitted.</value>
    public List<string?>? EscalationChannels { get; set; }

    /// <summary>Labels copied onto the alerts, e.g. <c>{"team": "api"}</c>.</summary>
    /// <value>None when omitted.</value>
    public Dictionary<string, string?>? Labels { get; set; }

    /// <summary>An absolute http(s) link to what to do.</summary>
    public string? RunbookUrl { get; set; }

    /// <summary>Whether the rule is evaluated.</summary>
    /// <value>true when omitted.</value>
    public bool? Enabled { get; set; }
}
