using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Server.Http;

namespace Vigil.Server.Cluster;

/// <summary>Answers an ingest call with 503 and <c>Retry-After</c> while this process drains.</summary>
internal sealed class DrainFilter(ClusterDrain drain, IOptions<ClusterOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!drain.IsDraining)
        {
            return await next(context).ConfigureAwait(false);
        }

        var retryAfter = options.Value.DrainRetryAfter;
        context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Shutting down", "This Vigil node is shutting down and takes no more points; send them to another node.");
    }
}

/// <summary>Adds the drain's 503 to ingest endpoints.</summary>
internal static class DrainFilterExtensions
{
    public static RouteHandlerBuilder RefusedWhileDraining(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<DrainFilter>().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
