using System.Globalization;
using Vigil.Core.Metrics;

namespace Vigil.Server.Http;

/// <summary>
/// Records Vigil's own request timings as <c>vigil_http_request_duration_ms{route,method,status}</c>
/// in its own store, by route template, so Vigil is monitored like any other service.
/// </summary>
internal sealed class SelfMetricsMiddleware(RequestDelegate next, MetricStore store, TimeProvider time)
{
    public const string MetricName = Vigil.Health.Checks.OwnRequests.Metric;

    // Vigil's own series do not count against the series limit: every label stays bounded, so a
    // client inventing HTTP methods cannot grow them (route templates and status codes are bounded).
    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete, HttpMethods.Options,
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context).ConfigureAwait(false);
            status = context.Response.StatusCode;
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var series = store.GetOrCreate(
                MetricName,
                LabelSet.From([new("route", route), new("method", KnownMethods.Contains(context.Request.Method) ? context.Request.Method : "OTHER"), new("status", status.ToString(CultureInfo.InvariantCulture))]),
                MetricType.Timing);
            if (series is not null)
            {
                store.Record(series, time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }
}
