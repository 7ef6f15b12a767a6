namespace Vigil.Server.Queries;

/// <summary>Marks endpoints as heavy reads (see <see cref="QueryLimitsMetadata"/>).</summary>
internal static class QueryLimitsEndpointExtensions
{
    /// <summary>
    /// Runs the endpoint in a query slot under the query timeout, with the request's
    /// cancellation token cancelled on timeout or client disconnect.
    /// </summary>
    public static RouteHandlerBuilder WithQueryLimits(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(QueryLimitsMetadata.Instance)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
