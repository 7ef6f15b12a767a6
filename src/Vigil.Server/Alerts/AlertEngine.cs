using Vigil.Core.Alerts;
using Vigil.Core.Diagnostics;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>
/// Evaluates the enabled rules in one pass over the in-memory aggregates, runs each group's
/// alert through the lifecycle, and stores the changes — alert, transitions and notification
/// intents. Manual actions (acknowledge, silence, resolve) go through the same lock, so they
/// never race an evaluation. When passes run is the <see cref="EvaluationScheduler"/>'s
/// business; which process runs them, the <see cref="EvaluationLeader"/>'s.
/// </summary>
internal sealed partial class AlertEngine
{
    /// <summary>The timing series of each pass's duration.</summary>
    public const string DurationMetric = "vigil_alert_evaluation_duration_ms";

    /// <summary>The counter series of evaluation outcomes, labelled <c>outcome</c> (met, not_met, not_enough_data).</summary>
    public const string OutcomesMetric = "vigil_alert_evaluations";

    // More alert changes than this in one pass are logged as one summary line.
    private const int MaxTransitionLogLines = 20;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly OpenAlertCache _open;
    private readonly RuleEvaluator _evaluator = new();
    private readonly Dictionary<string, LabelSet> _outcomeLabels = new(StringComparer.Ordinal);
    private readonly IRuleSource _rules;
    private readonly AlertRepository _alerts;
    private readonly SilenceRepository _silences;
    private readonly MetricStore _store;
    private readonly RuleMemories _memories;
    private readonly EvaluationLeader _leader;
    private readonly ExternalConditions _external;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertEngine> _logger;
    private long _failedPasses;

    public AlertEngine(IRuleSource rules, AlertRepository alerts, SilenceRepository silences, OpenAlertCache open, MetricStore store, RuleMemories memories, EvaluationLeader leader, ExternalConditions external, TimeProvider time, ILogger<AlertEngine> logger)
    {
        _external = external;
        _leader = leader;
        _memories = memories;
        _rules = rules;
        _alerts = alerts;
        _silences = silences;
        _open = open;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>When the last pass finished.</summary>
    public DateTimeOffset? LastPassAt { get; private set; }

    /// <summary>Raised after each pass this process ran has saved its changes (tests wait on it instead of polling).</summary>
    internal event Action? PassCompleted;

    /// <summary>Passes that threw (monotonic).</summary>
    public long FailedPasses => Interlocked.Read(ref _failedPasses);

    /// <summary>
    /// Records a pass that threw: counted, logged, and what is in memory is reloaded at the
    /// next pass, since it may differ from what was stored.
    /// </summary>
    public void PassFailed(Exception exception)
    {
        Interlocked.Increment(ref _failedPasses);
        _open.Invalidate();
        LogPassFailed(exception);
    }

    /// <summary>
    /// One full evaluation pass at the current time (every rule, and the timers of open
    /// alerts); false when another process is the one that evaluates (PostgreSQL with several
    /// processes), which counts as this process's pass.
    /// </summary>
    public Task<bool> RunOnceAsync(CancellationToken cancellationToken) => RunPassAsync(null, cancellationToken);

    /// <summary>
    /// Evaluates only the rules of <paramref name="metrics"/> (those that just received points),
    /// so an ingest call that makes a condition true is judged within milliseconds; the timers
    /// of open alerts are left to the full passes.
    /// </summary>
    public Task<bool> RunForMetricsAsync(IReadOnlySet<string> metrics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return RunPassAsync(metrics, cancellationToken);
    }

    /// <summary>
    /// Shutting down: waits for the pass in progress, then gives the evaluator's role up, so
    /// another process evaluates from its next tick and no pass of this one overlaps it.
    /// </summary>
    public async Task ResignAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _leader.ResignAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> RunPassAsync(IReadOnlySet<string>? metrics, CancellationToken cancellationToken)
    {
        if (metrics is not null && !(await _rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).Any(r => r.Enabled && metrics.Contains(r.Metric)))
        {
            return true; // no rule watches these metrics: nothing to do, nothing to record
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await _leader.IsLeaderAsync(cancellationToken).ConfigureAwait(false))
            {
                _open.Invalidate(); // whoever leads changes the alerts meanwhile
                LastPassAt = _time.GetUtcNow();
                return false;
            }

            await using var alertsLock = await _leader.LockAlertsAsync(cancellationToken).ConfigureAwait(false);
            await _open.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var started = _time.GetTimestamp();
            var now = _time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            var rules = await _rules.GetRulesAsync(cancellationToken).ConfigureAwait(false);
            var silences = await SilenceSet.LoadAsync(_silences, now, cancellationToken).ConfigureAwait(false);
            var byId = rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
            var changed = new List<LifecycleResult>();
            var outcomes = new long[3];
            foreach (var rule in rules)
            {
                if (!rule.Enabled || (metrics is not null && !metrics.Contains(rule.Metric)) || _external.Contains(rule.Id))
                {
                    continue; // an external rule's condition is reported (ApplyConditionsAsync); its timers run below
                }

                if (_memories.TryGet(rule) is not { } memory)
                {
                    continue; // still learning from the stored rollups: its alerts keep their state meanwhile
                }

                foreach (var outcome in _evaluator.Evaluate(rule, _store, nowMs, memory))
                {
                    outcomes[(int)outcome.State]++;
                    var fingerprint = AlertInstance.FingerprintOf(rule.Id, outcome.Group);
                    var open = _open.Get(fingerprint);
                    var silenced = silences.Matches(rule, outcome.Group, open?.Severity ?? rule.Severity);
                    var result = AlertLifecycle.Evaluate(rule, open, outcome, now, _open.LastNotified(fingerprint), silenced, NewId);
                    Collect(result, changed);
                }
            }

            foreach (var alert in metrics is null ? _open.Snapshot() : [])
            {
                if (alert.RuleId.StartsWith("vigil_", StringComparison.Ordinal))
                {
                    continue; // Vigil's own alerts belong to their watchers (EvaluationWatchdog)
                }

                if (!byId.TryGetValue(alert.RuleId, out var rule) || !rule.Enabled)
                {
                    var note = rule is null ? "the rule was deleted" : "the rule was disabled";
                    var orphanRule = rule ?? new AlertRule { Id = alert.RuleId, Name = alert.RuleId, Metric = "" };
                    Collect(AlertLifecycle.Resolve(orphanRule, alert, now, AlertLifecycle.System, note, silences.Matches(orphanRule, alert.Group, alert.Severity)), changed);
                }
                else
                {
                    Collect(AlertLifecycle.Tick(rule, alert, now, silences.Matches(rule, alert.Group, alert.Severity)), changed);
                }
            }

            await SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            if (metrics is null)
            {
                _memories.Retain(byId.Keys);
                LastPassAt = _time.GetUtcNow();
            }

            if (_store.GetOrCreate(DurationMetric, LabelSet.Empty, MetricType.Timing) is { } duration)
            {
                _store.Record(duration, _time.GetElapsedTime(started).TotalMilliseconds);
            }

            RecordOutcome(ConditionState.Met, "met", outcomes);
            RecordOutcome(ConditionState.NotMet, "not_met", outcomes);
            RecordOutcome(ConditionState.NotEnoughData, "not_enough_data", outcomes);
            PassCompleted?.Invoke();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Applies a manual action to an open alert under the engine's lock; null when no open
    /// alert has that id. The action is told whether a silence matches the alert.
    /// </summary>
    public async Task<LifecycleResult?> ApplyAsync(string alertId, Func<AlertRule, AlertInstance, DateTimeOffset, bool, LifecycleResult> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var alertsLock = await _leader.LockAlertsAsync(cancellationToken).ConfigureAwait(false);
            await _open.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var alert = _open.FindById(alertId);
            if (alert is null)
            {
                return null;
            }

            var rules = await _rules.GetRulesAsync(cancellationToken).ConfigureAwait(false);
            var rule = rules.FirstOrDefault(r => r.Id == alert.RuleId) ?? new AlertRule { Id = alert.RuleId, Name = alert.RuleId, Metric = "" };
            var now = _time.GetUtcNow();
            var silenced = (await SilenceSet.LoadAsync(_silences, now, cancellationToken).ConfigureAwait(false)).Matches(rule, alert.Group, alert.Severity);
            var result = action(rule, alert, now, silenced);
            var changed = new List<LifecycleResult>();
            Collect(result, changed);
            await SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The entry point for conditions judged outside the rule evaluator (<see cref="ExternalConditions"/>):
    /// each group's outcome runs through the same lifecycle as an evaluated rule's, under the
    /// same lock, with the rule's severity, channels, cooldown and the matching silences. With
    /// <paramref name="exclusive"/>, the outcomes are every group whose condition holds: the
    /// rule's other open alerts resolve. Nothing happens while the rule is missing or disabled
    /// (the passes resolve its open alerts then).
    /// </summary>
    /// <returns>The lifecycle steps that changed an alert.</returns>
    public async Task<IReadOnlyList<LifecycleResult>> ApplyConditionsAsync(string ruleId, IReadOnlyList<GroupEvaluation> outcomes, bool exclusive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ruleId);
        ArgumentNullException.ThrowIfNull(outcomes);
        var rule = (await _rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == ruleId);
        if (rule is not { Enabled: true })
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var alertsLock = await _leader.LockAlertsAsync(cancellationToken).ConfigureAwait(false);
            await _open.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var silences = await SilenceSet.LoadAsync(_silences, now, cancellationToken).ConfigureAwait(false);
            var changed = new List<LifecycleResult>();
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var outcome in outcomes)
            {
                var fingerprint = AlertInstance.FingerprintOf(rule.Id, outcome.Group);
                reported.Add(fingerprint);
                var open = _open.Get(fingerprint);
                var silenced = silences.Matches(rule, outcome.Group, open?.Severity ?? rule.Severity);
                Collect(AlertLifecycle.Evaluate(rule, open, outcome, now, _open.LastNotified(fingerprint), silenced, NewId), changed);
            }

            if (exclusive)
            {
                foreach (var alert in _open.Snapshot().Where(a => a.RuleId == rule.Id && !reported.Contains(a.Fingerprint)))
                {
                    var cleared = new GroupEvaluation(alert.Group, ConditionState.NotMet, alert.Value, alert.Threshold, 1, Recovered: true) { Reason = "no longer reported: the condition's source cleared it, or is gone" };
                    Collect(AlertLifecycle.Evaluate(rule, alert, cleared, now, _open.LastNotified(alert.Fingerprint), silences.Matches(rule, alert.Group, alert.Severity), NewId), changed);
                }
            }

            await SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            return changed;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RecordOutcome(ConditionState state, string name, long[] outcomes)
    {
        if (outcomes[(int)state] == 0)
        {
            return;
        }

        _outcomeLabels.TryGetValue(name, out var labels);
        if (labels is null)
        {
            _outcomeLabels[name] = labels = LabelSet.From([new KeyValuePair<string, string>("outcome", name)]);
        }

        if (_store.GetOrCreate(OutcomesMetric, labels, MetricType.Counter) is { } series)
        {
            _store.Record(series, outcomes[(int)state]);
        }
    }

    private void Collect(LifecycleResult result, List<LifecycleResult> changed)
    {
        if (!result.Changed || result.Alert is not { } alert)
        {
            return;
        }

        changed.Add(result);
        _open.Apply(alert);
    }

    private async Task SaveAsync(List<LifecycleResult> changed, CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return;
        }

        try
        {
            await _alerts.SaveAsync(SaveOrder.RoundRobinByRule(changed), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _open.Invalidate();
            throw;
        }

        // Each transition is a log line; a storm (hundreds of alerts in one pass) is one summary
        // line, with the transitions at Debug, so logging never slows the notifications down.
        var storm = changed.Count > MaxTransitionLogLines;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var result in changed)
        {
            foreach (var transition in result.Transitions)
            {
                var to = transition.To.ToWire();
                if (storm)
                {
                    counts[to] = counts.GetValueOrDefault(to) + 1;
                    LogTransitionDetail(result.Alert!.RuleId, result.Alert.Id, transition.From?.ToWire() ?? "none", to, LogText.Encode(transition.Note));
                }
                else
                {
                    LogTransition(result.Alert!.RuleId, result.Alert.Id, transition.From?.ToWire() ?? "none", to, LogText.Encode(transition.Note));
                }
            }
        }

        if (storm)
        {
            LogTransitionStorm(changed.Count, string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}")));
        }
    }

    private string NewId() => Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Alert {AlertId} of rule {RuleId}: {From} -> {To} ({Note})")]
    private partial void LogTransition(string ruleId, string alertId, string from, string to, string? note);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Alert {AlertId} of rule {RuleId}: {From} -> {To} ({Note})")]
    private partial void LogTransitionDetail(string ruleId, string alertId, string from, string to, string? note);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "{Alerts} alerts changed in one pass: {Transitions} (each at Debug level)")]
    private partial void LogTransitionStorm(int alerts, string transitions);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "An alert evaluation pass failed; the next tick tries again")]
    private partial void LogPassFailed(Exception exception);
}
