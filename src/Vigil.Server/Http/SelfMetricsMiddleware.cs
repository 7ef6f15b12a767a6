using System.Collections.Concurrent;
using System.Globalization;
using Vigil.Core.Metrics;

namespace Vigil.Server.Http;

/// <summary>
/// Records Vigil's own request timings as <c>vigil_http_request_duration_ms{route,method,status}</c>
/// in its own store, by route template, so Vigil is monitored like any other service.
/// </summary>
internal sealed class SelfMetricsMiddleware(RequestDelegate next, MetricStore store, TimeProvider time)
{
    public const string MetricName = "vigil_http_request_duration_ms";
    private readonly ConcurrentDictionary<(string Route, string Method, int Status), MetricSeries?> _series = new();

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
            var series = _series.GetOrAdd((route, context.Request.Method, status), static (key, s) => s.GetOrCreate(
                MetricName,
                LabelSet.From([new("route", key.Route), new("method", key.Method), new("status", key.Status.ToString(CultureInfo.InvariantCulture))]),
                MetricType.Timing), store);
            if (series is not null)
            {
                store.Record(series, time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }
}
