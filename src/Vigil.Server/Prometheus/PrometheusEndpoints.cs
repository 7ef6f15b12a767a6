using Vigil.Server.Queries;

namespace Vigil.Server.Prometheus;

/// <summary><c>GET /metrics</c>: the Prometheus scrape endpoint (needs a viewer key: set it as the scrape's bearer token).</summary>
internal static class PrometheusEndpoints
{
    public static IEndpointRouteBuilder MapPrometheusEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (HttpContext context, PrometheusExporter exporter) => WriteAsync(context, exporter))
            .RequireAuthorization(Auth.Policies.Viewer)
            .WithTags("Queries")
            .WithSummary("Prometheus text format 0.0.4: Vigil's own metrics and every series in memory.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithQueryLimits();
        return app;
    }

    /// <summary>Writes the exposition to the response.</summary>
    public static async Task WriteAsync(HttpContext context, PrometheusExporter exporter, bool includeOwn = true, Func<Core.Metrics.MetricSeries, bool>? filter = null)
    {
        context.Response.ContentType = PrometheusExporter.ContentType;
        await using var writer = new StreamWriter(context.Response.Body, new System.Text.UTF8Encoding(false), 64 * 1024);
        await exporter.WriteAsync(writer, includeOwn, filter, context.RequestAborted).ConfigureAwait(false);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
