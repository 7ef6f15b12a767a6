using Vigil.Core.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>
/// The open alerts and when each fingerprint last notified, kept in memory for the engine
/// between passes. Loaded from the database on first use and after <see cref="Invalidate"/>
/// (a failed save or pass: memory may differ from what was stored); on a database several
/// processes share, the open alerts are reloaded on every use, since another process may have
/// acknowledged, silenced or resolved one. Not thread-safe: the engine's lock guards it.
/// </summary>
internal sealed class OpenAlertCache(AlertRepository alerts, EvaluationLeader leader, TimeProvider time)
{
    private readonly Dictionary<string, AlertInstance> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastNotified = new(StringComparer.Ordinal);
    private bool _loaded;

    /// <summary>The open alert of a fingerprint, or null.</summary>
    public AlertInstance? Get(string fingerprint) => _open.GetValueOrDefault(fingerprint);

    /// <summary>The open alert with this id, or null.</summary>
    public AlertInstance? FindById(string alertId) => _open.Values.FirstOrDefault(a => a.Id == alertId);

    /// <summary>When a fingerprint last notified (for cooldowns across resolved alerts); default when never.</summary>
    public DateTimeOffset LastNotified(string fingerprint) => _lastNotified.GetValueOrDefault(fingerprint);

    /// <summary>A copy of the open alerts.</summary>
    public List<AlertInstance> Snapshot() => [.. _open.Values];

    /// <summary>Takes in an alert that changed: kept while open, forgotten once resolved.</summary>
    public void Apply(AlertInstance alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
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

    /// <summary>Forgets what is in memory: the next use loads it again.</summary>
    public void Invalidate() => _loaded = false;

    /// <summary>Makes memory match the database (see the class summary for when it reloads).</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            if (leader.SharesDatabase)
            {
                // Under the alerts lock, the stored open alerts are the truth.
                await LoadOpenAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await LoadOpenAsync(cancellationToken).ConfigureAwait(false);
        _lastNotified.Clear();
        var since = time.GetUtcNow().AddDays(-8).ToUnixTimeMilliseconds();
        foreach (var (fingerprint, at) in await alerts.LastNotifiedAsync(since, cancellationToken).ConfigureAwait(false))
        {
            _lastNotified[fingerprint] = at;
        }

        _loaded = true;
    }

    private async Task LoadOpenAsync(CancellationToken cancellationToken)
    {
        _open.Clear();
        foreach (var alert in await alerts.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (alert.RuleId.StartsWith("vigil_", StringComparison.Ordinal))
            {
                continue; // Vigil's own alerts belong to their watchers (EvaluationWatchdog)
            }

            _open[alert.Fingerprint] = alert;
            if (alert.LastNotifiedAt is { } at && (!_lastNotified.TryGetValue(alert.Fingerprint, out var known) || at > known))
            {
                _lastNotified[alert.Fingerprint] = at;
            }
        }
    }
}
