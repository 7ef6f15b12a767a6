using Vigil.Dashboard.Charts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Alerts;

/// <summary><c>GET /ui/data/alerts/{id}/chart</c>: the chart of an alert page (vigil.js's chart contract).</summary>
public static class AlertChartEndpoints
{
    /// <summary>Maps the alert chart's data.</summary>
    public static IEndpointRouteBuilder MapAlertChartData(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/ui/data/alerts/{id}/chart", GetAsync).RequireAuthorization(UserRoles.Viewer).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<Results<Ok<ChartData>, ProblemHttpResult>> GetAsync(string id, AlertChart chart, CancellationToken cancellationToken)
    {
        if (id.Length > AlertPages.MaxIdLength)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such alert.");
        }

        try
        {
            return await chart.LoadAsync(id, cancellationToken).ConfigureAwait(false) is { } data
                ? TypedResults.Ok(data)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such alert.");
        }
        catch (QueryRefusedException refused)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Too much data", detail: refused.Message);
        }
    }
}
