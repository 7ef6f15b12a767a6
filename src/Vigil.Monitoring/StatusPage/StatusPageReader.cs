using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Monitoring.Alerts;
using Vigil.Monitoring.Definitions;
using Vigil.Storage.Alerts;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.StatusPage;

/// <summary>
/// Builds the public status page's view from storage — the public monitors' state, uptime from
/// their hourly counts, 90 daily bars, and their <c>system_down</c> alerts as incidents — and
/// shares one computed view for <see cref="StatusPageOptions.CacheDuration"/> through
/// <see cref="HybridCache"/> (concurrent readers wait for the one computation), so an anonymous
/// page costs the database a few queries per period whatever its traffic.
/// </summary>
public sealed class StatusPageReader(
    MonitorRepository monitors, AlertRepository alerts, HybridCache cache, IOptionsMonitor<StatusPageOptions> options, TimeProvider time)
{
    /// <summary>The banner when every shown monitor is up.</summary>
    public const string Operational = "operational";

    /// <summary>How many days of bars and incidents the page shows.</summary>
    public const int Days = 90;

    /// <summary>The most incidents listed (the newest).</summary>
    public const int MaxIncidents = 50;

    /// <summary>The periods of the uptime figures, by key.</summary>
    public static readonly IReadOnlyList<(string Key, TimeSpan Span)> Periods =
        [("24h", TimeSpan.FromHours(24)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30)), ("90d", TimeSpan.FromDays(90))];

    private const string CacheKey = "vigil:status-page";
    private static readonly long DayMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    /// <summary>Whether the page is on.</summary>
    public bool Enabled => options.CurrentValue.Enabled;

    /// <summary>The view, at most <see cref="StatusPageOptions.CacheDuration"/> old; null when the page is off.</summary>
    public async ValueTask<StatusPageView?> GetAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        if (!settings.Enabled)
        {
            return null;
        }

        if (settings.CacheDuration <= TimeSpan.Zero)
        {
            return await BuildAsync(cancellationToken).ConfigureAwait(false);
        }

        var entry = new HybridCacheEntryOptions { Expiration = settings.CacheDuration, LocalCacheExpiration = settings.CacheDuration };
        return await cache.GetOrCreateAsync(CacheKey, this, static (reader, token) => new ValueTask<StatusPageView>(reader.BuildAsync(token)), entry, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Computes the view now (no cache).</summary>
    internal async Task<StatusPageView> BuildAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var shown = new List<(StoredMonitor Stored, MonitorDefinition Definition)>();
        foreach (var stored in await monitors.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            MonitorDefinition definition;
            try
            {
                definition = MonitorJson.ReadStored(stored.Id, stored.Definition);
            }
            catch (InvalidDataException)
            {
                continue;
            }

            if (definition.Public)
            {
                shown.Add((stored, definition));
            }
        }

        shown.Sort((a, b) => string.Compare(NameOf(a.Definition), NameOf(b.Definition), StringComparison.OrdinalIgnoreCase));
        var ids = shown.Select(m => m.Stored.Id).ToList();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var firstDay = today.AddDays(1 - Days);
        var firstDayMs = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var uptime = await monitors.UptimeAsync([.. Periods.Select(p => (now - p.Span).ToUnixTimeMilliseconds())], ids, cancellationToken).ConfigureAwait(false);
        var daily = await monitors.DailyUptimeAsync(ids, firstDayMs, cancellationToken).ConfigureAwait(false);
        var windows = await monitors.MaintenanceAsync(cancellationToken).ConfigureAwait(false);

        var views = new List<PublicMonitorStatus>(shown.Count);
        foreach (var (stored, definition) in shown)
        {
            var figures = uptime.GetValueOrDefault(stored.Id);
            var byPeriod = new Dictionary<string, double?>(StringComparer.Ordinal);
            for (var i = 0; i < Periods.Count; i++)
            {
                byPeriod[Periods[i].Key] = figures?[i].Percent;
            }

            var state = StateOf(stored, windows.Any(w => w.Covers(stored.Id, nowMs)));
            var since = state is "up" or "degraded" or "down" && stored.State.StatusSinceMs is { } sinceMs ? DateTimeOffset.FromUnixTimeMilliseconds(sinceMs) : (DateTimeOffset?)null;
            views.Add(new PublicMonitorStatus(NameOf(definition), state, since, byPeriod, DaysOf(daily.GetValueOrDefault(stored.Id) ?? [], firstDay, definition.IntervalSeconds, now)));
        }

        var incidents = await IncidentsAsync(shown, nowMs, cancellationToken).ConfigureAwait(false);
        return new StatusPageView(settings.Title, settings.Description, settings.Footer, now, OverallOf(views), views, incidents);
    }

    /// <summary>The banner of a set of monitors' states: every one of those checked down is a major outage, some a partial one.</summary>
    internal static string OverallOf(IReadOnlyList<PublicMonitorStatus> monitors)
    {
        var checkedStates = monitors.Select(m => m.State).Where(s => s is "up" or "degraded" or "down").ToList();
        var down = checkedStates.Count(s => s == "down");
        return down > 0 && down == checkedStates.Count ? "major_outage"
            : down > 0 ? "partial_outage"
            : checkedStates.Contains("degraded") ? "degraded"
            : monitors.Any(m => m.State == "maintenance") ? "maintenance"
            : Operational;
    }

    /// <summary>
    /// The last <see cref="Days"/> days from <paramref name="firstDay"/>, a day without checks empty;
    /// each failed check counts for one interval of down time, at most the day (so far, today).
    /// </summary>
    internal static IReadOnlyList<StatusDay> DaysOf(IReadOnlyList<DailyUptime> counts, DateOnly firstDay, int intervalSeconds, DateTimeOffset now)
    {
        var byDay = counts.ToDictionary(c => c.DayStartMs);
        var days = new StatusDay[Days];
        for (var i = 0; i < Days; i++)
        {
            var date = firstDay.AddDays(i);
            var startMs = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
            if (!byDay.TryGetValue(startMs, out var day))
            {
                days[i] = new StatusDay(date, 0, 0, 0);
                continue;
            }

            var dayMinutes = Math.Clamp((now.ToUnixTimeMilliseconds() - startMs) / 60_000.0, 0, DayMs / 60_000.0);
            var downMinutes = Math.Min(dayMinutes, Math.Ceiling(day.Down * (double)intervalSeconds / 60));
            days[i] = new StatusDay(date, day.Checks, day.Down, (int)Math.Ceiling(downMinutes));
        }

        return days;
    }

    private async Task<IReadOnlyList<StatusIncident>> IncidentsAsync(List<(StoredMonitor Stored, MonitorDefinition Definition)> shown, long nowMs, CancellationToken cancellationToken)
    {
        var names = shown.ToDictionary(m => m.Stored.Id, m => NameOf(m.Definition), StringComparer.Ordinal);
        var fromMs = nowMs - (Days * DayMs);
        var found = new Dictionary<string, AlertInstance>(StringComparer.Ordinal);
        foreach (var id in names.Keys)
        {
            var filter = new AlertFilter(RuleId: MonitorAlertReport.RuleId, FromMs: fromMs, Limit: MaxIncidents, Labels: new Dictionary<string, string> { ["monitor_id"] = id });
            foreach (var alert in await alerts.ListAsync(filter, cancellationToken).ConfigureAwait(false))
            {
                found[alert.Id] = alert;
            }
        }

        // An outage that began before the period and still goes on.
        foreach (var alert in await alerts.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (alert.RuleId == MonitorAlertReport.RuleId && alert.Group["monitor_id"] is { } id && names.ContainsKey(id))
            {
                found[alert.Id] = alert;
            }
        }

        var now = DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
        return [.. found.Values
            .Where(a => a.Group["monitor_id"] is { } id && names.ContainsKey(id))
            .OrderByDescending(a => a.StartedAt)
            .Take(MaxIncidents)
            .Select(a => new StatusIncident(names[a.Group["monitor_id"]!], a.StartedAt, a.ResolvedAt, (a.ResolvedAt ?? now) - a.StartedAt))];
    }

    // Pending (failing, retries left) is not down yet: shown as degraded.
    private static string StateOf(StoredMonitor stored, bool inMaintenance) =>
        !stored.Enabled ? "paused"
        : inMaintenance ? "maintenance"
        : stored.State.Status switch
        {
            null => "unknown",
            "pending" => "degraded",
            var status => status,
        };

    private static string NameOf(MonitorDefinition definition) => definition.PublicName ?? definition.Name;
}
