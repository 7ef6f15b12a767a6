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
                LabelSet.From([new("route", route), new("method", context.Request.Method), new("status", status.ToString(CultureInfo.InvariantCulture))]),
                MetricType.Timing);
            if (series is not null)
            {
                store.Record(series, time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }
}
