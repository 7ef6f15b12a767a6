using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// What to watch and when to alert: a metric and label matchers, an aggregation over a
/// window, a threshold and how to compare with it, and what to do when it holds.
/// </summary>
public sealed record AlertRule
{
    /// <summary>Identifier (a slug for default rules, a generated id otherwise).</summary>
    public required string Id { get; init; }

    /// <summary>Human name, e.g. "Slow API Endpoint".</summary>
    public required string Name { get; init; }

    /// <summary>What the rule watches and why, for the people its alerts reach (optional).</summary>
    public string? Description { get; init; }

    /// <summary>What the rule is about: <c>performance</c>, <c>error</c>, <c>security</c>, <c>business</c> or <c>system</c>.</summary>
    public string Type { get; init; } = "performance";

    /// <summary>Metric name.</summary>
    public required string Metric { get; init; }

    /// <summary>Exact label matches a series must have.</summary>
    public IReadOnlyDictionary<string, string> Match { get; init; } = new Dictionary<string, string>();

    /// <summary>Labels that split the rule into one alert per group (e.g. <c>route</c>).</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary>How the window is reduced.</summary>
    public Aggregation Aggregation { get; init; } = Aggregation.Avg;

    /// <summary>The window, in minutes.</summary>
    public double WindowMinutes { get; init; } = 5;

    /// <summary>
    /// Fewer points than this in the window means no data (see <see cref="NoData"/>). Counts,
    /// sums and rates are judged whatever the points: an empty window is 0 (a stopped stream).
    /// </summary>
    public int MinDataPoints { get; init; } = 1;

    /// <summary>What a window with fewer than <see cref="MinDataPoints"/> points means.</summary>
    public NoDataPolicy NoData { get; init; } = NoDataPolicy.KeepLast;

    /// <summary>What the threshold is measured against.</summary>
    public ThresholdType ThresholdType { get; init; } = ThresholdType.Static;

    /// <summary>The threshold (static), or the percent change from the seasonal baseline (percent_change).</summary>
    public double? Threshold { get; init; }

    /// <summary>Dynamic thresholds: seasonal baseline × this.</summary>
    public double? BaselineMultiplier { get; init; }

    /// <summary>Dynamic, percent-change and anomaly thresholds: days of history the seasonal baseline covers.</summary>
    public int BaselineDays { get; init; } = 7;

    /// <summary>Anomaly thresholds: how far from the seasonal baseline a value must stray.</summary>
    public AnomalySensitivity Sensitivity { get; init; } = AnomalySensitivity.Medium;

    /// <summary>
    /// Anomaly thresholds: how the evidence is weighed. <see cref="Baselines.AnomalyMethod.Band"/>
    /// (the default) compares the window's value with a band around the seasonal baseline.
    /// <see cref="Baselines.AnomalyMethod.Sequential"/> weighs each whole minute's requests (counts and
    /// rates) or server errors (error_rate_percent) against the usual values for the minute and sums
    /// the evidence until it is beyond chance (<see cref="SequentialTest"/>): a big change fires in a
    /// minute or two, a small one on a quiet service when enough minutes show it, with no window to
    /// choose. The window then only sets the value shown.
    /// </summary>
    public AnomalyMethod AnomalyMethod { get; init; } = AnomalyMethod.Band;

    /// <summary>
    /// Anomaly thresholds: the smallest departure from the baseline that counts, in the
    /// metric's unit (e.g. 2 percentage points of error rate), so a series that is usually 0
    /// does not alert on one error; null for none beyond the sensitivity's relative minimum.
    /// </summary>
    public double? MinChange { get; init; }

    /// <summary>
    /// Static thresholds: the condition counts only when it is unusual, that is when the group's
    /// usual value at this hour (its seasonal baseline's center over the last
    /// <see cref="BaselineDays"/>) is itself clear of the <see cref="RecoveryThreshold"/> (or of
    /// the threshold without one). An endpoint whose p95 is above 1 s every afternoon is slow by
    /// nature, which the slowest operations and the objectives report; an alert says it became
    /// slow. The usual value comes from the hour of the day once three past days show it, from
    /// the hour of the week once a past week does, and before that from all the history so far (from
    /// its first hour; before it the group is learning, not enough data, for a day of values at most). Ignored
    /// by the other threshold types, which measure against the usual value already.
    /// </summary>
    public bool UnlessUsual { get; init; }

    /// <summary>How the value is compared with the threshold.</summary>
    public Comparison Comparison { get; init; } = Comparison.GreaterThan;

    /// <summary>How long the condition must hold before the alert fires.</summary>
    public int ForSeconds { get; init; }

    /// <summary>
    /// The condition counts as met when it held in at least this many of the last
    /// <see cref="OfMinutes"/> minutes (each minute judged by its latest evaluation), so a
    /// one-minute spike does not page while a sustained step does within minutes.
    /// </summary>
    public int MetMinutes { get; init; } = 1;

    /// <summary>The minutes <see cref="MetMinutes"/> counts over (the current one included).</summary>
    public int OfMinutes { get; init; } = 1;

    /// <summary>
    /// How many of the window's minutes its value leaves out: those that push it furthest toward
    /// the condition (for an error rate the minutes with the most errors, for the others the
    /// minutes whose own value is furthest past, e.g. the slowest). A one-minute burst of errors or
    /// spike of latency then never moves the value, however long the window, so a long window
    /// gathers evidence for a quiet series without a burst keeping it past the threshold for the
    /// whole window; a sustained change loses as many minutes' worth of evidence. The window is then
    /// its last clock minutes (the current one so far included), as a backtest reads them, and
    /// <see cref="MinDataPoints"/> counts the points left. 0 (the default) leaves nothing out; avg,
    /// min (compared from below), max (from above), the quantiles and error_rate_percent only.
    /// </summary>
    public int TrimMinutes { get; init; }

    /// <summary>What <see cref="TrimMinutes"/> leaves out, in words (<c>worst minute left out</c>), or null when nothing.</summary>
    public string? TrimmedText() => TrimMinutes switch
    {
        <= 0 => null,
        1 => "worst minute left out",
        var n => $"worst {n.ToString(System.Globalization.CultureInfo.InvariantCulture)} minutes left out",
    };

    /// <summary>
    /// Optional value the aggregate must come back past before the alert resolves (against
    /// flapping): for <c>greater_than</c> a value below the threshold, and so on.
    /// </summary>
    public double? RecoveryThreshold { get; init; }

    /// <summary>Severity of the alerts.</summary>
    public Severity Severity { get; init; } = Severity.Warning;

    /// <summary>No re-notification for the same group within this many minutes of the last one.</summary>
    public int CooldownMinutes { get; init; } = 15;

    /// <summary>Repeat the notification of an open, unacknowledged alert this often.</summary>
    public int RepeatIntervalMinutes { get; init; } = 240;

    /// <summary>Channel ids to notify.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    /// <summary>Channel ids added when the alert escalates.</summary>
    public IReadOnlyList<string> EscalationChannels { get; init; } = [];

    /// <summary>Labels copied onto the alerts (e.g. <c>team</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>A link to what to do.</summary>
    public string? RunbookUrl { get; init; }

    /// <summary>Whether the rule is evaluated.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The window as a time span.</summary>
    public TimeSpan Window => TimeSpan.FromMinutes(WindowMinutes);

    /// <summary>Whether the rule keeps a seasonal baseline (dynamic, percent_change and anomaly thresholds; static ones with <see cref="UnlessUsual"/>).</summary>
    public bool UsesBaseline => ThresholdType is ThresholdType.Dynamic or ThresholdType.PercentChange or ThresholdType.Anomaly || (UnlessUsual && ThresholdType == ThresholdType.Static);
}
