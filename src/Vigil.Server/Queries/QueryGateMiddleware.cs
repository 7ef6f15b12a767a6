using System.Globalization;
using Vigil.Server.Http;

namespace Vigil.Server.Queries;

/// <summary>
/// Runs the heavy reads (endpoints with <see cref="QueryLimitsMetadata"/>) in a
/// <see cref="QueryGate"/> slot and under <see cref="QueryOptions.Timeout"/>: the request's
/// <see cref="HttpContext.RequestAborted"/> becomes a token that also cancels when the time is
/// up, so the storage reads and the aggregation loops that take it stop when the client goes
/// away or the query runs too long. Slots are shared per API key (<see cref="PartitionOf"/>): a
/// full queue, or a key's full share of it, answers 429 with <c>Retry-After</c>; a timeout
/// answers 503. Both are problems naming the setting.
/// </summary>
internal sealed partial class QueryGateMiddleware(RequestDelegate next, QueryGate gate, TimeProvider time, ILogger<QueryGateMiddleware> logger)
{
    /// <summary>What a 429 asks the client to wait, in seconds.</summary>
    public const int RetryAfterSeconds = 1;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<QueryLimitsMetadata>() is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        // The route template, not the path: nothing the client wrote goes into the log.
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
        var aborted = context.RequestAborted;
        var options = gate.Options;
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token);
        context.RequestAborted = linked.Token;
        try
        {
            var key = PartitionOf(context);
            using var lease = await gate.AcquireAsync(key, linked.Token).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                var keyShare = lease.Refusal == QueryRefusal.KeyQueueFull;
                LogBusy(route, keyShare ? "this key's share of the queue is full" : "every slot is busy and the queue is full");
                var detail = keyShare
                    ? $"This API key already has {options.EffectiveMaxConcurrentPerKey} queries running and {options.EffectiveMaxQueuedPerKey} waiting ({QueryOptions.Section}:{nameof(QueryOptions.MaxConcurrentPerKey)}, {QueryOptions.Section}:{nameof(QueryOptions.MaxQueuedPerKey)}); other keys' queries go first. Send it again after {RetryAfterSeconds} s."
                    : $"{options.MaxConcurrent} queries are running and {options.MaxQueued} waiting ({QueryOptions.Section}:{nameof(QueryOptions.MaxConcurrent)}, {QueryOptions.Section}:{nameof(QueryOptions.MaxQueued)}); send it again after {RetryAfterSeconds} s.";
                await RetryAfter.TooManyRequests(context.Response, RetryAfterSeconds, "Too many queries at once", detail).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (linked.IsCancellationRequested)
        {
            if (aborted.IsCancellationRequested)
            {
                // Nobody is left to answer: the work stopped, that is all.
                LogClientGone(route);
                return;
            }

            LogTimedOut(ex, route, options.Timeout);
            if (context.Response.HasStarted)
            {
                // A streamed answer cannot turn into a problem: cut it short.
                context.Abort();
                return;
            }

            context.Response.Clear();
            await Problems.Status(
                StatusCodes.Status503ServiceUnavailable,
                "The query took too long",
                $"It was stopped after {options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s ({QueryOptions.Section}:{nameof(QueryOptions.Timeout)}). Ask for less: a larger step, a shorter range or narrower match[label] parameters.")
                .ExecuteAsync(context).ConfigureAwait(false);
        }
        finally
        {
            context.RequestAborted = aborted;
        }
    }

    /// <summary>
    /// Whose share a query takes: its API key (every gated endpoint needs one), or for a request
    /// without one its client address.
    /// </summary>
    internal static string PartitionOf(HttpContext context) =>
        context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value is { } keyId
            ? "key:" + keyId
            : "address:" + Auth.ClientAddress.Of(context);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Query to {Route} refused: {Reason}")]
    private partial void LogBusy(string route, string reason);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Query to {Route} stopped after the query timeout ({Timeout})")]
    private partial void LogTimedOut(Exception exception, string route, TimeSpan timeout);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Query to {Route} stopped: the client went away")]
    private partial void LogClientGone(string route);
}
