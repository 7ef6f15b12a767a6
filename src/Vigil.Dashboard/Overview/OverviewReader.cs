using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Health.Reports;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Dashboard.Live;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Queue;
using Vigil.Storage.Delivery;

namespace Vigil.Dashboard.Overview;

/// <summary>One health check's result.</summary>
/// <param name="Name">The check.</param>
/// <param name="Status"><c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>.</param>
/// <param name="Description">What it found.</param>
/// <param name="DurationMs">How long it took.</param>
public sealed record HealthRow(string Name, string Status, string? Description, double DurationMs);

/// <summary>Everything the overview's live part shows, and a version that changes when any of it does.</summary>
/// <param name="Range">The charts' range (the job table covers up to the in-memory window of it).</param>
/// <param name="Health">Overall health: <c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>.</param>
/// <param name="Checks">Each health check.</param>
/// <param name="Queue">The job queue's depth.</param>
/// <param name="JobWindow">The window of the job table and the request totals.</param>
/// <param name="Jobs">Per job: executions, success rate, avg and p95.</param>
/// <param name="Requests">Requests in the window.</param>
/// <param name="Bottlenecks">Slow or failing jobs.</param>
/// <param name="Relay">The relay's counts.</param>
/// <param name="Active">Firing alerts (the first few, most severe first, and how many in all).</param>
/// <param name="Version">Changes whenever what is shown does (health checks' durations aside).</param>
public sealed record OverviewView(
    OverviewRange Range, string Health, IReadOnlyList<HealthRow> Checks, JobCounts Queue, TimeSpan JobWindow, IReadOnlyList<JobFigures> Jobs,
    RequestFigures Requests, IReadOnlyList<Bottleneck> Bottlenecks, RelayDashboardStats Relay, BannerView Active, string Version);

/// <summary>
/// Reads the overview: a fixed handful of reads whatever the number of series (health checks, the
/// queue's counts, the relay's two counts, the open alerts) plus one pass over the job and request
/// series in memory (<see cref="PerformanceFigures"/>, the code behind <c>GET /api/v1/metrics</c>).
/// </summary>
public sealed class OverviewReader(
    MetricStore store, HealthReports health, JobQueue queue, RelayDashboard relays, AlertBanner banner)
{
    /// <summary>Reads the overview for <paramref name="range"/>.</summary>
    public async Task<OverviewView> LoadAsync(OverviewRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        // The report of GET /api/health (the detail checks left out), shared with it for a second.
        var healthTask = health.FullAsync(cancellationToken);
        var alertsTask = banner.LoadAsync(cancellationToken);
        var counts = await queue.CountsAsync(cancellationToken).ConfigureAwait(false);
        var relay = await relays.StatsAsync(counts, cancellationToken).ConfigureAwait(false);
        var report = await healthTask.ConfigureAwait(false);
        var alerts = await alertsTask.ConfigureAwait(false);

        var window = range.Duration < store.Options.InMemoryRetention ? range.Duration : store.Options.InMemoryRetention;
        var jobs = PerformanceFigures.Jobs(store, window, null, cancellationToken);
        var requests = PerformanceFigures.Requests(store, window);
        var bottlenecks = Bottleneck.Find(jobs);
        var checks = report.Entries
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new HealthRow(e.Key, Name(e.Value.Status), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1)))
            .ToList();

        var version = new StringBuilder();
        version.Append(range.Name).Append('|').Append(Name(report.Status)).Append('|');
        foreach (var check in checks)
        {
            version.Append(check.Name).Append(check.Status).Append(check.Description).Append(';');
        }

        version.Append(counts).Append(relay).Append(requests).Append('|');
        foreach (var job in jobs)
        {
            version.Append(job).Append(';');
        }

        version.Append(alerts.Version);
        return new OverviewView(range, Name(report.Status), checks, counts, window, jobs, requests, bottlenecks, relay, alerts,
            AlertBanner.Hash(version.ToString()));
    }

    /// <summary>A window as the page names it ("15 min", "1 h").</summary>
    public static string Describe(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0
            ? window.TotalHours.ToString(CultureInfo.InvariantCulture) + " h"
            : window.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min";

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
