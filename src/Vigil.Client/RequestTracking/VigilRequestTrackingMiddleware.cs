using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// Records the duration of each HTTP request as a timing labelled with the matched endpoint's route
/// template (never the raw path, which would create a series per id), the method and the status code;
/// makes ASP.NET Core's activity of the request the transaction Vigil sees (named by route), and
/// sends an exception that escapes as an error event (<see cref="VigilClientOptions.CaptureRequestExceptions"/>).
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
    private readonly bool _captureExceptions;

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
        _captureExceptions = options.Value.CaptureRequestExceptions;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        long started = _timeProvider.GetTimestamp();

        // ASP.NET Core's activity of the request (when traced) is the transaction: marked so the trace listener sends it.
        var activity = Activity.Current is { Kind: ActivityKind.Server } current && current.Source.Name == VigilTracing.AspNetCoreSource ? current : null;
        activity?.SetCustomProperty(VigilTracing.RequestProperty, context);
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (_captureExceptions)
            {
                _client.CaptureException(ex);
            }

            Record(context, started, StatusCodes.Status500InternalServerError, activity);
            throw;
        }

        Record(context, started, context.Response.StatusCode, activity);
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

    /// <summary>
    /// Names the request's activity as OpenTelemetry's conventions do (<c>GET /orders/{id}</c>, with
    /// <c>http.route</c>, <c>http.request.method</c>, <c>http.response.status_code</c>; an error for
    /// a 5xx) and never with its URL: no path with ids, no query string.
    /// </summary>
    private static void Describe(Activity activity, string route, string method, int status)
    {
        activity.DisplayName = $"{method} {route}";
        activity.SetTag("http.route", route);
        activity.SetTag("http.request.method", method);
        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    private void Record(HttpContext context, long started, int status, Activity? activity)
    {
        double elapsedMs = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
        var route = GetRouteLabel(context);
        var method = GetMethodLabel(context.Request.Method);
        KeyValuePair<string, string>[] labels =
        [
            new("route", route),
            new("method", method),
            new("status", GetStatusLabel(status)),
        ];
        if (activity is not null)
        {
            Describe(activity, route, method, status);
        }

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
