using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Vigil.Core.Baselines;
using Vigil.Dashboard.Charts;
using Vigil.Performance;
using Vigil.Performance.Operations;
using Vigil.Performance.Regressions;
using Vigil.Performance.Slos;
using Vigil.Storage.Performance;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Performance;

/// <summary>
/// The performance pages' charts (vigil.js's chart contract): <c>GET /ui/data/operations/{id}/chart</c>,
/// an operation's last 48 hours against its baseline band with its regressions shaded, and
/// <c>GET /ui/data/slos/{id}/chart</c>, an objective's error-budget burn-down.
/// </summary>
public static class PerformanceChartEndpoints
{
    private const long HourMs = 3_600_000;

    /// <summary>Maps both charts' data.</summary>
    public static IEndpointRouteBuilder MapPerformanceChartData(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/ui/data/operations/{id}/chart", GetOperationAsync).RequireAuthorization(UserRoles.Viewer).ExcludeFromDescription();
        endpoints.MapGet("/ui/data/slos/{id}/chart", GetSloAsync).RequireAuthorization(UserRoles.Viewer).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// An operation's hourly p95 and average (at each hour's middle) from <paramref name="fromMs"/>
    /// to <paramref name="toMs"/>, its baseline p95 over each hour (that hour of the week when it has
    /// one, else all hours) with the band a regression must leave (± the change percent),
    /// regressions shaded red from their start to their end and improvements green.
    /// </summary>
    public static ChartData OperationChart(OperationDetail detail, IReadOnlyList<RegressionView> findings, double changePercent, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentNullException.ThrowIfNull(findings);
        var flat = detail.Baselines.FirstOrDefault(b => b.HourOfWeek is null);
        var p95 = new List<double?[]>(detail.Hours.Count);
        var avg = new List<double?[]>(detail.Hours.Count);
        var baseline = new List<double[]>(detail.Hours.Count);
        var band = new List<double[]>(detail.Hours.Count);
        var share = changePercent / 100;
        foreach (var hour in detail.Hours)
        {
            var start = hour.Hour.ToUnixTimeSeconds();
            var end = start + (HourMs / 1000);
            p95.Add([start + (HourMs / 2000), hour.Figures.P95Ms]);
            avg.Add([start + (HourMs / 2000), hour.Figures.AvgMs]);
            var slot = HourOfWeek.Of(hour.Hour.ToUnixTimeMilliseconds(), TimeZoneInfo.Utc);
            if ((detail.Baselines.FirstOrDefault(b => b.HourOfWeek == slot) ?? flat)?.Figures.P95Ms is { } expected)
            {
                baseline.Add([start, expected]);
                baseline.Add([end, expected]);
                band.Add([start, expected * (1 - share), expected * (1 + share)]);
                band.Add([end, expected * (1 - share), expected * (1 + share)]);
            }
        }

        var shaded = findings.Select(f => new ChartShade(f.StartedAt.ToUnixTimeSeconds(), f.ResolvedAt?.ToUnixTimeSeconds(), f.Kind == "regression" ? "firing" : "resolved")).ToArray();
        return new ChartData("ms", [new ChartLine("p95", p95), new ChartLine("avg", avg)],
            Baseline: baseline.Count > 0 ? baseline : null, Shaded: shaded, Band: band.Count > 0 ? band : null,
            BandLabel: FormattableString.Invariant($"baseline p95 ± {changePercent:0.#} %"), From: fromMs / 1000.0, To: toMs / 1000.0);
    }

    /// <summary>An objective's burn-down over its window from <paramref name="fromMs"/> to <paramref name="toMs"/>: the budget left at the end of each hour, against an even burn, 0 % marked.</summary>
    public static ChartData SloChart(IReadOnlyList<BurnDownPoint> points, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(points);
        return new ChartData("%", [new ChartLine("budget left", [.. points.Select(p => new double?[] { p.AtMs / 1000.0, p.RemainingPercent })])],
            Threshold: 0, ThresholdLabel: "budget spent",
            Baseline: [.. points.Select(p => new[] { p.AtMs / 1000.0, p.EvenPercent })], BaselineLabel: "even burn", From: fromMs / 1000.0, To: toMs / 1000.0);
    }

    private static async Task<Results<Ok<ChartData>, ProblemHttpResult>> GetOperationAsync(
        string id, OperationsView operations, RegressionRepository regressions, IOptionsMonitor<PerformanceOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await operations.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } detail)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such operation.");
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fromMs = (nowMs / HourMs * HourMs) - (OperationsView.DetailHours * HourMs);
        var findings = (await regressions.ListAsync(null, null, id, 50, cancellationToken).ConfigureAwait(false))
            .Where(r => r.ResolvedAtMs is not { } end || end >= fromMs).Select(RegressionView.Of).ToArray();
        return TypedResults.Ok(OperationChart(detail, findings, options.CurrentValue.ChangePercent, fromMs, nowMs));
    }

    private static async Task<Results<Ok<ChartData>, ProblemHttpResult>> GetSloAsync(string id, SloRepository slos, TimeProvider time, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await slos.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such objective.");
        }

        var definition = SloJson.Read(stored.Definition);
        var toMs = time.GetUtcNow().ToUnixTimeMilliseconds() / HourMs * HourMs;
        var fromMs = toMs - (definition.WindowDays * 24 * HourMs);
        var hours = await slos.HoursAsync(id, fromMs, toMs, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(SloChart(SloBurnDown.Of(definition, hours, toMs), fromMs, toMs));
    }
}
