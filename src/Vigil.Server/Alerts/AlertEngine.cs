using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>
/// Evaluates every enabled rule once per tick in one pass over the in-memory aggregates,
/// runs each group's alert through the lifecycle, and stores the changes — alert, transitions
/// and notification intents — in one transaction per tick. Manual actions (acknowledge,
/// silence, resolve) go through the same lock, so they never race an evaluation.
/// </summary>
internal sealed partial class AlertEngine : BackgroundService
{
    /// <summary>The timing series of each pass's duration.</summary>
    public const string DurationMetric = "vigil_alert_evaluation_duration_ms";

    /// <summary>The counter series of evaluation outcomes, labelled <c>outcome</c> (met, not_met, not_enough_data).</summary>
    public const string OutcomesMetric = "vigil_alert_evaluations";

    // More alert changes than this in one pass are logged as one summary line.
    private const int MaxTransitionLogLines = 20;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, AlertInstance> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastNotified = new(StringComparer.Ordinal);
    private readonly RuleEvaluator _evaluator = new();
    private readonly Dictionary<string, LabelSet> _outcomeLabels = new(StringComparer.Ordinal);
    private readonly IRuleSource _rules;
    private readonly AlertRepository _alerts;
    private readonly SilenceRepository _silences;
    private readonly MetricStore _store;
    private readonly BaselineCache _baselines;
    private readonly EvaluationLeader _leader;
    private readonly EvaluationTrigger _trigger;
    private readonly TimeProvider _time;
    private readonly AlertOptions _options;
    private readonly ILogger<AlertEngine> _logger;
    private bool _loaded;

    public AlertEngine(IRuleSource rules, AlertRepository alerts, SilenceRepository silences, MetricStore store, BaselineCache baselines, EvaluationLeader leader, EvaluationTrigger trigger, TimeProvider time, IOptions<AlertOptions> options, ILogger<AlertEngine> logger)
    {
        _leader = leader;
        _trigger = trigger;
        _baselines = baselines;
        _rules = rules;
        _alerts = alerts;
        _silences = silences;
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>When the last pass finished.</summary>
    public DateTimeOffset? LastPassAt { get; private set; }

    /// <summary>Raised after each pass this process ran has saved its changes (tests wait on it instead of polling).</summary>
    internal event Action? PassCompleted;

    /// <summary>Passes that threw (monotonic).</summary>
    public long FailedPasses { get; private set; }

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
                _loaded = false; // whoever leads changes the alerts meanwhile
                LastPassAt = _time.GetUtcNow();
                return false;
            }

            await using var alertsLock = await _leader.LockAlertsAsync(cancellationToken).ConfigureAwait(false);
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var started = _time.GetTimestamp();
            var now = _time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            var rules = await _rules.GetRulesAsync(cancellationToken).ConfigureAwait(false);
            var silences = await ActiveSilencesAsync(now, cancellationToken).ConfigureAwait(false);
            var byId = rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
            var changed = new List<LifecycleResult>();
            var outcomes = new long[3];
            foreach (var rule in rules)
            {
                if (!rule.Enabled || (metrics is not null && !metrics.Contains(rule.Metric)))
                {
                    continue;
                }

                var baseline = rule.ThresholdType == ThresholdType.Dynamic ? await _baselines.GetAsync(rule, cancellationToken).ConfigureAwait(false) : null;
                foreach (var outcome in _evaluator.Evaluate(rule, _store, nowMs, baseline))
                {
                    outcomes[(int)outcome.State]++;
                    var fingerprint = AlertInstance.FingerprintOf(rule.Id, outcome.Group);
                    var open = _open.GetValueOrDefault(fingerprint);
                    var silenced = IsSilenced(silences, rule, outcome.Group, open?.Severity ?? rule.Severity);
                    var result = AlertLifecycle.Evaluate(rule, open, outcome, now, _lastNotified.GetValueOrDefault(fingerprint), silenced, NewId);
                    Collect(result, changed);
                }
            }

            foreach (var alert in metrics is null ? _open.Values.ToList() : [])
            {
                if (alert.RuleId.StartsWith("vigil_", StringComparison.Ordinal))
                {
                    continue; // Vigil's own alerts belong to their watchers (EvaluationWatchdog)
                }

                if (!byId.TryGetValue(alert.RuleId, out var rule) || !rule.Enabled)
                {
                    var note = rule is null ? "the rule was deleted" : "the rule was disabled";
                    var orphanRule = rule ?? new AlertRule { Id = alert.RuleId, Name = alert.RuleId, Metric = "" };
                    Collect(AlertLifecycle.Resolve(orphanRule, alert, now, AlertLifecycle.System, note, IsSilenced(silences, orphanRule, alert.Group, alert.Severity)), changed);
                }
                else
                {
                    Collect(AlertLifecycle.Tick(rule, alert, now, IsSilenced(silences, rule, alert.Group, alert.Severity)), changed);
                }
            }

            await SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            if (metrics is null)
            {
                _baselines.Retain(byId.Keys);
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
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var alert = _open.Values.FirstOrDefault(a => a.Id == alertId);
            if (alert is null)
            {
                return null;
            }

            var rules = await _rules.GetRulesAsync(cancellationToken).ConfigureAwait(false);
            var rule = rules.FirstOrDefault(r => r.Id == alert.RuleId) ?? new AlertRule { Id = alert.RuleId, Name = alert.RuleId, Metric = "" };
            var now = _time.GetUtcNow();
            var silenced = IsSilenced(await ActiveSilencesAsync(now, cancellationToken).ConfigureAwait(false), rule, alert.Group, alert.Severity);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.EvaluationEnabled)
        {
            return;
        }

        // Full passes on the interval; in between, the rules of metrics that just received
        // points, a moment after the points arrive (so one burst of ingest is one pass).
        var nextFull = _time.GetUtcNow() + _options.EvaluationInterval;
        Task? changes = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                changes ??= _trigger.WaitAsync(stoppingToken);
                var untilFull = nextFull - _time.GetUtcNow();
                if (untilFull > TimeSpan.Zero)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var timer = Task.Delay(untilFull, _time, wait.Token);
                    if (await Task.WhenAny(changes, timer).ConfigureAwait(false) == changes)
                    {
                        await wait.CancelAsync().ConfigureAwait(false);
                        await changes.ConfigureAwait(false); // rethrows a cancellation at shutdown
                        changes = null;
                        await Task.Delay(_options.EvaluationDebounce, _time, stoppingToken).ConfigureAwait(false);
                        await GuardAsync(ct => RunForMetricsAsync(_trigger.Take(), ct), stoppingToken).ConfigureAwait(false);
                        continue;
                    }
                }

                stoppingToken.ThrowIfCancellationRequested();
                nextFull = _time.GetUtcNow() + _options.EvaluationInterval;
                await GuardAsync(RunOnceAsync, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task GuardAsync(Func<CancellationToken, Task<bool>> pass, CancellationToken stoppingToken)
    {
        try
        {
            await pass(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            FailedPasses++;
            _loaded = false; // memory may differ from what was stored: reload next pass
            LogPassFailed(ex);
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
        if (alert.IsOpen)
        {
            _open[alert.Fingerprint] = alert;
        }
        else
        {
            _open.Remove(alert.Fingerprint);
        }

        if (alert.LastNotifiedAt is { } at)
        {
            _lastNotified[alert.Fingerprint] = at;
        }
    }

    private async Task SaveAsync(List<LifecycleResult> changed, CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return;
        }

        try
        {
            await _alerts.SaveAsync(changed, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _loaded = false;
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
                    LogTransitionDetail(result.Alert!.RuleId, result.Alert.Id, transition.From?.ToWire() ?? "none", to, transition.Note);
                }
                else
                {
                    LogTransition(result.Alert!.RuleId, result.Alert.Id, transition.From?.ToWire() ?? "none", to, transition.Note);
                }
            }
        }

        if (storm)
        {
            LogTransitionStorm(changed.Count, string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}")));
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            if (_leader.SharesDatabase)
            {
                // Another process may have acknowledged, silenced or resolved an alert since the
                // last pass; under the alerts lock, the stored open alerts are the truth.
                await LoadOpenAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await LoadOpenAsync(cancellationToken).ConfigureAwait(false);

        _lastNotified.Clear();
        var since = _time.GetUtcNow().AddDays(-8).ToUnixTimeMilliseconds();
        foreach (var (fingerprint, at) in await _alerts.LastNotifiedAsync(since, cancellationToken).ConfigureAwait(false))
        {
            _lastNotified[fingerprint] = at;
        }

        _loaded = true;
    }

    private async Task LoadOpenAsync(CancellationToken cancellationToken)
    {
        _open.Clear();
        foreach (var alert in await _alerts.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (alert.RuleId.StartsWith("vigil_", StringComparison.Ordinal))
            {
                continue;
            }

            _open[alert.Fingerprint] = alert;
            if (alert.LastNotifiedAt is { } at && (!_lastNotified.TryGetValue(alert.Fingerprint, out var known) || at > known))
            {
                _lastNotified[alert.Fingerprint] = at;
            }
        }
    }

    private async Task<List<Silence>> ActiveSilencesAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        [.. (await _silences.ListAsync(now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)).Where(s => s.IsActive(now))];

    private static bool IsSilenced(List<Silence> silences, AlertRule rule, LabelSet group, Severity severity)
    {
        foreach (var silence in silences)
        {
            if (silence.Matches(rule, group, severity))
            {
                return true;
            }
        }

        return false;
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
