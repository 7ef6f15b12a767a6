using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Otlp.Traces;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Traces;

namespace Vigil.Server.Traces;

/// <summary>
/// <c>/api/v1/transactions</c> and <c>/api/v1/traces/{traceId}</c>: the transactions of the
/// traces the trace store kept, and one trace as a tree of spans (viewer).
/// </summary>
internal static class TraceEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapTraceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/transactions", ListAsync).RequireAuthorization(Policies.Viewer).WithTags("Traces")
            .WithSummary("Transactions of the kept traces, newest first: service, route, minDurationMs, status (ok or error), from, to, limit (1 to 1000, default 100).");
        app.MapGet("/api/v1/traces/{traceId}", GetAsync).RequireAuthorization(Policies.Viewer).WithTags("Traces")
            .WithSummary("One kept trace as a tree of spans (children nested, with durations, attributes and events).");
        return app;
    }

    private static async Task<Results<Ok<TransactionView[]>, ProblemHttpResult>> ListAsync(HttpRequest request, TraceStore store, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fromMs, toMs) = QueryParsing.ReadTimeRange(query, errors);
        if (!TransactionFilters.TryParseMinDuration(query["minDurationMs"].ToString(), out var minDurationMs))
        {
            errors["minDurationMs"] = ["'minDurationMs' " + TransactionFilters.MinDurationProblem + "."];
        }

        if (!TransactionFilters.TryParseStatus(query["status"].ToString(), out var error))
        {
            errors["status"] = ["'status' " + TransactionFilters.StatusProblem + "."];
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"'limit' must be a whole number from 1 to {MaxLimit}."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation("The transaction filters are invalid.", errors);
        }

        var filter = new TransactionQuery(
            query["service"].ToString() is { Length: > 0 } service ? service : null,
            query["route"].ToString() is { Length: > 0 } route ? route : null,
            minDurationMs, error, Nanos(fromMs), Nanos(toMs), limit);
        return TypedResults.Ok((await store.TransactionsAsync(filter, cancellationToken).ConfigureAwait(false)).ToArray());
    }

    /// <summary>Unix milliseconds as nanoseconds, saturating past 2262 (the last time nanoseconds in 64 bits reach).</summary>
    private static long? Nanos(long? ms) => ms is { } value ? (value >= long.MaxValue / 1_000_000 ? long.MaxValue : value * 1_000_000) : null;

    private static async Task<Results<Ok<TraceView>, ProblemHttpResult>> GetAsync(string traceId, TraceStore store, CancellationToken cancellationToken)
    {
        if (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigit))
        {
            return Problems.Field("traceId", "'traceId' must be 32 hexadecimal digits (a W3C trace id).");
        }

        return await store.TraceAsync(traceId.ToLowerInvariant(), cancellationToken).ConfigureAwait(false) is { } trace
            ? TypedResults.Ok(trace)
            : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No span of trace '{traceId}' is kept (traces are sampled: see Vigil:Traces:SamplePercent).");
    }
}
