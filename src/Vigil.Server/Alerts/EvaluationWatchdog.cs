using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>
/// Monitors the monitoring: raises Vigil's own critical <c>vigil_evaluation_stalled</c> alert
/// when rule evaluation stops, lags more than three ticks or throws, and resolves it when
/// evaluation recovers. It stores its alert itself, not through the engine it watches.
/// </summary>
internal sealed partial class EvaluationWatchdog : BackgroundService
{
    /// <summary>The id of the watchdog's rule (ids starting with <c>vigil_</c> are Vigil's own).</summary>
    public const string RuleId = "vigil_evaluation_stalled";

    /// <summary>Ticks without a pass before evaluation counts as stalled.</summary>
    public const int StalledAfterTicks = 3;

    private static readonly AlertRule Rule = new()
    {
        Id = RuleId,
        Name = "Vigil alert evaluation stalled",
        Type = "system",
        Metric = AlertEngine.DurationMetric,
        Severity = Severity.Critical,
        CooldownMinutes = 0,
        RepeatIntervalMinutes = 60,
    };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AlertEngine _engine;
    private readonly EvaluationLeader _leader;
    private readonly AlertRepository _alerts;
    private readonly TimeProvider _time;
    private readonly AlertOptions _options;
    private readonly ILogger<EvaluationWatchdog> _logger;
    private readonly DateTimeOffset _startedAt;
    private AlertInstance? _open;
    private bool _loaded;
    private long _failuresSeen;

    public EvaluationWatchdog(AlertEngine engine, EvaluationLeader leader, AlertRepository alerts, TimeProvider time, IOptions<AlertOptions> options, ILogger<EvaluationWatchdog> logger)
    {
        _leader = leader;
        _engine = engine;
        _alerts = alerts;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _startedAt = time.GetUtcNow();
    }

    /// <summary>One check: raise, keep, or resolve the stalled alert.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CheckLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CheckLockedAsync(CancellationToken cancellationToken)
    {
        if (!await _leader.IsLeaderAsync(cancellationToken).ConfigureAwait(false))
        {
            _loaded = false; // the leading process watches its own evaluation
            return;
        }

        if (!_loaded)
        {
            _open = (await _alerts.OpenAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(a => a.RuleId == RuleId);
            _loaded = true;
        }

        var now = _time.GetUtcNow();
        var lastPass = _engine.LastPassAt ?? _startedAt;
        var lag = now - lastPass;
        var failures = _engine.FailedPasses;
        var threw = failures > _failuresSeen;
        _failuresSeen = failures;
        var stalled = threw || lag > _options.EvaluationInterval * StalledAfterTicks;
        var outcome = GroupEvaluation.External(LabelSet.Empty, stalled, Math.Round(lag.TotalSeconds, 3), (_options.EvaluationInterval * StalledAfterTicks).TotalSeconds, reason: null);
        var result = AlertLifecycle.Evaluate(Rule, _open, outcome, now, null, silenced: false, () => Guid.CreateVersion7(now).ToString("N"));
        if (_open is { IsOpen: true } && !result.Changed)
        {
            result = AlertLifecycle.Tick(Rule, _open, now, silenced: false);
        }

        if (!result.Changed)
        {
            return;
        }

        await _alerts.SaveAsync([result], cancellationToken).ConfigureAwait(false);
        _open = result.Alert is { IsOpen: true } open ? open : null;
        if (stalled)
        {
            LogStalled(lag.TotalSeconds, threw);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.EvaluationEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.EvaluationInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await CheckAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    _loaded = false;
                    LogCheckFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Critical, Message = "Alert evaluation is stalled: last pass {LagSeconds} s ago, threw: {Threw}")]
    private partial void LogStalled(double lagSeconds, bool threw);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "The evaluation watchdog's check failed")]
    private partial void LogCheckFailed(Exception exception);
}
