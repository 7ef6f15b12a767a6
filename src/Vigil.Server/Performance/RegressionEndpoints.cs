using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Performance.Regressions;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Performance;

namespace Vigil.Server.Performance;

/// <summary><c>/api/v1/regressions</c>: the steps found in operations' durations, newest first (viewer).</summary>
internal static class RegressionEndpoints
{
    public const string Route = "/api/v1/regressions";

    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    private static readonly string[] States = ["open", "resolved", "recorded"];
    private static readonly string[] Kinds = ["regression", "improvement"];

    public static IEndpointRouteBuilder MapRegressionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, ListAsync).WithTags("Performance").RequireAuthorization(Policies.Viewer)
            .WithSummary("Regressions and improvements, newest first: state (open, resolved, recorded), kind (regression, improvement), operationId, limit (1 to 1000, default 100).");
        return app;
    }

    private static async Task<Results<Ok<RegressionView[]>, ProblemHttpResult>> ListAsync(HttpRequest request, RegressionRepository regressions, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var state = query["state"].ToString() is { Length: > 0 } s ? s : null;
        if (state is not null && !States.Contains(state))
        {
            return Problems.Field("state", $"'state' must be one of {string.Join(", ", States)}.");
        }

        var kind = query["kind"].ToString() is { Length: > 0 } k ? k : null;
        if (kind is not null && !Kinds.Contains(kind))
        {
            return Problems.Field("kind", $"'kind' must be one of {string.Join(", ", Kinds)}.");
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Problems.Field("limit", $"'limit' must be a whole number from 1 to {MaxLimit}.");
        }

        var operationId = query["operationId"].ToString() is { Length: > 0 } o ? o : null;
        var found = await regressions.ListAsync(state, kind, operationId, limit, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(found.Select(RegressionView.Of).ToArray());
    }
}
