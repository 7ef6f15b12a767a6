using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Monitoring.StatusPage;
using Vigil.Server.Http;

namespace Vigil.Server.StatusPage;

/// <summary>
/// <c>GET /api/v1/status</c>: the public status page as JSON, for embedding (no API key, any
/// origin may read it). The same view as <c>/status</c>, from the same shared cache; 404 when
/// the page is off.
/// </summary>
internal static class StatusPageEndpoints
{
    public const string Route = "/api/v1/status";

    public static IEndpointRouteBuilder MapStatusPageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, GetAsync)
            .AllowAnonymous()
            .WithTags("Status page")
            .WithSummary("The public status page as JSON (no API key): the overall status, each monitor marked public with its state, uptime over 24 h, 7 d, 30 d and 90 d and 90 daily bars (UTC days), and its outages of the last 90 days. 404 unless Vigil:StatusPage:Enabled.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<StatusResponse>, ProblemHttpResult>> GetAsync(
        HttpContext context, StatusPageReader reader, IOptionsMonitor<StatusPageOptions> options, CancellationToken cancellationToken)
    {
        if (await reader.GetAsync(cancellationToken).ConfigureAwait(false) is not { } view)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Not found", "There is no status page here.");
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        var maxAge = (int)options.CurrentValue.CacheDuration.TotalSeconds;
        headers.CacheControl = maxAge > 0 ? string.Create(CultureInfo.InvariantCulture, $"public, max-age={maxAge}") : "no-cache";
        return TypedResults.Ok(StatusResponse.From(view));
    }
}

/// <summary>The public status page.</summary>
/// <param name="Title">The page's title.</param>
/// <param name="Description">The paragraph under it, if any.</param>
/// <param name="GeneratedAt">When the view was computed (it is shared for up to Vigil:StatusPage:CacheDuration).</param>
/// <param name="Status"><c>operational</c>, <c>degraded</c>, <c>partial_outage</c> (some monitors down), <c>major_outage</c> (all of them) or <c>maintenance</c>.</param>
/// <param name="Monitors">The public monitors, by name.</param>
/// <param name="Incidents">Their outages of the last 90 days, newest first (at most 50).</param>
internal sealed record StatusResponse(string Title, string? Description, DateTimeOffset GeneratedAt, string Status, StatusMonitorResponse[] Monitors, StatusIncidentResponse[] Incidents)
{
    public static StatusResponse From(StatusPageView view) => new(
        view.Title,
        view.Description,
        view.GeneratedAt,
        view.Overall,
        [.. view.Monitors.Select(m => new StatusMonitorResponse(
            m.Name, m.State, m.Since, m.Uptime,
            [.. m.Days.Select(d => new StatusDayResponse(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Percent, d.Checks, d.DownMinutes))]))],
        [.. view.Incidents.Select(i => new StatusIncidentResponse(i.Monitor, i.StartedAt, i.ResolvedAt, (long)i.Duration.TotalSeconds, i.Ongoing))]);
}

/// <summary>A public monitor.</summary>
/// <param name="Name">Its public name.</param>
/// <param name="Status"><c>up</c>, <c>degraded</c>, <c>down</c>, <c>maintenance</c>, <c>paused</c> or <c>unknown</c> (not checked yet).</param>
/// <param name="Since">Since when it has had that status (up, degraded, down).</param>
/// <param name="Uptime">Percent of checks that passed over <c>24h</c>, <c>7d</c>, <c>30d</c>, <c>90d</c> (maintenance left out; null without checks).</param>
/// <param name="Days">The last 90 UTC days, oldest first.</param>
internal sealed record StatusMonitorResponse(string Name, string Status, DateTimeOffset? Since, IReadOnlyDictionary<string, double?> Uptime, StatusDayResponse[] Days);

/// <summary>One UTC day of a monitor.</summary>
/// <param name="Date">The day, <c>yyyy-MM-dd</c>.</param>
/// <param name="UptimePercent">Percent of its checks that passed; null for a day without checks.</param>
/// <param name="Checks">Checks that day (maintenance left out).</param>
/// <param name="DownMinutes">About how long it was down that day (each failed check counts for one check interval).</param>
internal sealed record StatusDayResponse(string Date, double? UptimePercent, long Checks, int DownMinutes);

/// <summary>An outage of a public monitor.</summary>
/// <param name="Monitor">The monitor's public name.</param>
/// <param name="StartedAt">When it went down.</param>
/// <param name="ResolvedAt">When it came back; null while ongoing.</param>
/// <param name="DurationSeconds">How long it lasted, or has lasted so far.</param>
/// <param name="Ongoing">Whether it is still down.</param>
internal sealed record StatusIncidentResponse(string Monitor, DateTimeOffset StartedAt, DateTimeOffset? ResolvedAt, long DurationSeconds, bool Ongoing);
