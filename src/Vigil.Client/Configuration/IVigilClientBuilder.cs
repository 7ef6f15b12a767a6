using Microsoft.Extensions.DependencyInjection;

namespace Vigil.Client;

/// <summary>
/// Returned by <c>AddVigilClient</c> to configure the client further, for example to add a
/// handler or a proxy to the <see cref="System.Net.Http.HttpClient"/> that talks to Vigil.
/// </summary>
public interface IVigilClientBuilder
{
    /// <summary>Gets the application's service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Gets the builder of the named <see cref="System.Net.Http.HttpClient"/>
    /// (<see cref="VigilClientOptions.HttpClientName"/>) used to reach Vigil.
    /// </summary>
    IHttpClientBuilder HttpClient { get; }
}
