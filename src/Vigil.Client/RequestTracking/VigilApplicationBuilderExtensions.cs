using Microsoft.Extensions.DependencyInjection;
using Vigil.Client;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Adds Vigil's request tracking to an ASP.NET Core pipeline.
/// </summary>
public static class VigilApplicationBuilderExtensions
{
    /// <summary>
    /// Records the duration of every request as the timing
    /// <see cref="VigilClientOptions.RequestMetricName"/> (by default <c>http_request_duration_ms</c>)
    /// with the labels <c>route</c> (the matched endpoint's route template such as <c>/orders/{id}</c>,
    /// or <c>unmatched</c> when no endpoint matched), <c>method</c> and <c>status</c>
    /// (<c>500</c> when an exception escapes; the exception is rethrown).
    /// </summary>
    /// <remarks>
    /// Add it early in the pipeline (before <c>UseRouting</c> is fine: the route is read after the request ran)
    /// so the time of the other middleware is included. Requires <c>services.AddVigilClient(...)</c>.
    /// </remarks>
    /// <param name="app">The application's pipeline.</param>
    /// <returns><paramref name="app"/>, for chaining.</returns>
    /// <exception cref="InvalidOperationException"><c>AddVigilClient</c> was not called.</exception>
    public static IApplicationBuilder UseVigilRequestTracking(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);

        if (app.ApplicationServices.GetService<IVigilClient>() is null)
        {
            throw new InvalidOperationException(
                "UseVigilRequestTracking needs the Vigil client: call services.AddVigilClient(...) when configuring services.");
        }

        return app.UseMiddleware<VigilRequestTrackingMiddleware>();
    }
}
