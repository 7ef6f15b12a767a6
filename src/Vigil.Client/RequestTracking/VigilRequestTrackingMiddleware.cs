using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// Records the duration of each HTTP request as a timing labelled with the matched endpoint's route
/// template (never the raw path, which would create a series per id), the method and the status code.
/// </summary>
internal sealed class VigilRequestTrackingMiddleware
{
    /// <summary>The route label of requests that matched no endpoint (404 scans, static files...).</summary>
    public const string UnmatchedRoute = "unmatched";

    /// <summary>The route label of endpoints without a route template.</summary>
    public const string UnknownRoute = "unknown";

    /// <summary>The method label of methods outside the standard set, so made-up methods cannot add series.</summary>
    public const string OtherMethod = "OTHER";

    private const int MinCachedStatus = 100;
    private const int MaxCachedStatus = 599;

    private static readonly string[] StatusTexts = Enumerable.Range(MinCachedStatus, MaxCachedStatus - MinCachedStatus + 1)
        .Select(code => code.ToString(CultureInfo.InvariantCulture))
        .ToArray();

    private static readonly ConcurrentDictionary<string, string> RouteLabels = new(StringComparer.Ordinal);

    private readonly RequestDelegate _next;
    private readonly IVigilClient _client;
    private readonly VigilClient? _fastClient;
    private readonly TimeProvider _timeProvider;
    private readonly string _metricName;

    public VigilRequestTrackingMiddleware(
        RequestDelegate next,
        IVigilClient client,
        TimeProvider timeProvider,
        IOptions<VigilClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _client = client;
        _fastClient = client as VigilClient;
        _timeProvider = timeProvider;
        _metricName = options.Value.RequestMetricName;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        long started = _timeProvider.GetTimestamp();
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch
        {
            Record(context, started, StatusCodes.Status500InternalServerError);
            throw;
        }

        Record(context, started, context.Response.StatusCode);
    }

    /// <summary>The route label of <paramref name="context"/>: read after the pipeline ran, so routing has picked the endpoint.</summary>
    internal static string GetRouteLabel(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return UnmatchedRoute;
        }

        string? template = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
        if (string.IsNullOrEmpty(template))
        {
            return UnknownRoute;
        }

        return template.StartsWith('/') ? template : RouteLabels.GetOrAdd(template, static t => "/" + t);
    }

    internal static string GetMethodLabel(string method) => method switch
    {
        _ when HttpMethods.IsGet(method) => HttpMethods.Get,
        _ when HttpMethods.IsPost(method) => HttpMethods.Post,
        _ when HttpMethods.IsPut(method) => HttpMethods.Put,
        _ when HttpMethods.IsDelete(method) => HttpMethods.Delete,
        _ when HttpMethods.IsPatch(method) => HttpMethods.Patch,
        _ when HttpMethods.IsHead(method) => HttpMethods.Head,
        _ when HttpMethods.IsOptions(method) => HttpMethods.Options,
        _ when HttpMethods.IsTrace(method) => HttpMethods.Trace,
        _ when HttpMethods.IsConnect(method) => HttpMethods.Connect,
        _ => OtherMethod,
    };

    private static string GetStatusLabel(int status)
        => status is >= MinCachedStatus and <= MaxCachedStatus
            ? StatusTexts[status - MinCachedStatus]
            : status.ToString(CultureInfo.InvariantCulture);

    private void Record(HttpContext context, long started, int status)
    {
        double elapsedMs = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
        KeyValuePair<string, string>[] labels =
        [
            new("route", GetRouteLabel(context)),
            new("method", GetMethodLabel(context.Request.Method)),
            new("status", GetStatusLabel(status)),
        ];

        if (_fastClient is not null)
        {
            _fastClient.RecordTrustedMetric(_metricName, MetricKind.Timing, elapsedMs, labels);
        }
        else
        {
            _client.RecordMetric(_metricName, MetricKind.Timing, elapsedMs, labels.ToDictionary());
        }
    }
}
