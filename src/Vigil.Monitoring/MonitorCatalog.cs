using Vigil.Monitoring.Definitions;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring;

/// <summary>
/// Reads monitors for the API and the dashboard in a fixed number of queries whatever their
/// number: definitions with state, uptime over 24 h / 7 d / 30 d (from the hourly counts,
/// maintenance left out) and the latest checks of each.
/// </summary>
public sealed class MonitorCatalog(MonitorRepository repository, TimeProvider time)
{
    /// <summary>The periods of the uptime figures, by key.</summary>
    public static readonly IReadOnlyList<(string Key, TimeSpan Span)> Periods = [("24h", TimeSpan.FromHours(24)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30))];

    /// <summary>Every monitor, by name, with <paramref name="recentChecks"/> latest checks each.</summary>
    public async Task<IReadOnlyList<MonitorView>> ListAsync(int recentChecks = 20, CancellationToken cancellationToken = default)
    {
        var monitors = await repository.ListAsync(cancellationToken).ConfigureAwait(false);
        return await ViewsAsync(monitors, null, recentChecks, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One monitor, or null.</summary>
    public async Task<MonitorView?> GetAsync(string id, int recentChecks = 20, CancellationToken cancellationToken = default)
    {
        if (await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } monitor)
        {
            return null;
        }

        return (await ViewsAsync([monitor], id, recentChecks, cancellationToken).ConfigureAwait(false))[0];
    }

    private async Task<IReadOnlyList<MonitorView>> ViewsAsync(IReadOnlyList<StoredMonitor> monitors, string? only, int recentChecks, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var uptime = await repository.UptimeAsync([.. Periods.Select(p => (now - p.Span).ToUnixTimeMilliseconds())], only, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, IReadOnlyList<StoredCheck>> recent = new Dictionary<string, IReadOnlyList<StoredCheck>>();
        if (recentChecks > 0)
        {
            recent = only is null
                ? await repository.RecentChecksAsync(recentChecks, (now - TimeSpan.FromDays(2)).ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)
                : new Dictionary<string, IReadOnlyList<StoredCheck>> { [only] = await repository.ChecksAsync(only, null, recentChecks, cancellationToken).ConfigureAwait(false) };
        }

        var windows = await repository.MaintenanceAsync(cancellationToken).ConfigureAwait(false);
        var views = new List<MonitorView>(monitors.Count);
        foreach (var monitor in monitors)
        {
            MonitorDefinition definition;
            try
            {
                definition = MonitorJson.ReadStored(monitor.Id, monitor.Definition);
            }
            catch (InvalidDataException)
            {
                continue;
            }

            var figures = uptime.GetValueOrDefault(monitor.Id);
            var byPeriod = new Dictionary<string, UptimeFigures>(StringComparer.Ordinal);
            for (var i = 0; i < Periods.Count; i++)
            {
                byPeriod[Periods[i].Key] = figures?[i] ?? new UptimeFigures(0, 0, null);
            }

            views.Add(new MonitorView(definition, monitor, byPeriod, recent.GetValueOrDefault(monitor.Id) ?? [], windows.Any(w => w.Covers(monitor.Id, nowMs))));
        }

        return views;
    }
}
