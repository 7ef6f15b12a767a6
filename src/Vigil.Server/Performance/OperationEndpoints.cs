using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Performance.Operations;
using Vigil.Server.Auth;
using Vigil.Server.Http;

namespace Vigil.Server.Performance;

/// <summary>
/// <c>/api/v1/operations</c>: the endpoints and jobs found in the timings, each with its baseline,
/// its live last hour against the baseline, its last 24 hours, trends and bottleneck (viewer).
/// </summary>
internal static class OperationEndpoints
{
    public const string Route = "/api/v1/operations";

    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    private static readonly string[] Sorts = ["name", "slowest", "executions", "change"];

    public static IEndpointRouteBuilder MapOperationEndpoints(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup(Route).WithTags("Performance");
        operations.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Operations (endpoints and jobs) with baseline, last hour, last 24 hours, trends and bottleneck: kind, service, sort (name, slowest, executions, change; default name), limit (1 to 1000, default 100).");
        operations.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("One operation with every baseline it has (all hours and each hour of the week) and its last 48 hours.");
        return app;
    }

    private static async Task<Results<Ok<OperationView[]>, ProblemHttpResult>> ListAsync(HttpRequest request, OperationsView view, OperationCatalog catalog, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var kind = query["kind"].ToString() is { Length: > 0 } k ? k : null;
        if (kind is not null && !catalog.Kinds.Contains(kind))
        {
            return Problems.Field("kind", $"'kind' must be one of {string.Join(", ", catalog.Kinds)}.");
        }

        var sort = query["sort"].ToString() is { Length: > 0 } s ? s : "name";
        if (!Sorts.Contains(sort))
        {
            return Problems.Field("sort", $"'sort' must be one of {string.Join(", ", Sorts)}.");
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Problems.Field("limit", $"'limit' must be a whole number from 1 to {MaxLimit}.");
        }

        var service = query["service"].ToString() is { Length: > 0 } sv ? sv : null;
        var all = await view.ListAsync(kind, service, cancellationToken).ConfigureAwait(false);
        IEnumerable<OperationView> sorted = sort switch
        {
            "slowest" => all.OrderByDescending(o => o.Current?.Figures.P95Ms ?? o.Summary?.Last24h?.P95Ms ?? -1),
            "executions" => all.OrderByDescending(o => o.Summary?.Last24h?.Executions ?? o.Current?.Figures.Executions ?? 0).ThenByDescending(o => o.Current?.Figures.Executions ?? 0),
            "change" => all.OrderByDescending(o => o.Current?.P95ChangePercent ?? double.MinValue),
            _ => all,
        };
        return TypedResults.Ok(sorted.Take(limit).ToArray());
    }

    private static async Task<Results<Ok<OperationDetail>, ProblemHttpResult>> GetAsync(string id, OperationsView view, CancellationToken cancellationToken) =>
        await view.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } detail
            ? TypedResults.Ok(detail)
            : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"There is no operation '{id}'.");
}
