using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Vigil.Server.Http;

/// <summary>
/// The OpenAPI document's <c>servers</c>: <c>Vigil:Http:PublicUrl</c> when it is configured,
/// otherwise the relative <c>/</c> — never the request's <c>Host</c> header, which a client
/// (or a cache in between) chooses.
/// </summary>
internal sealed class OpenApiServers(IConfiguration configuration) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var configured = configuration[$"{HttpOptions.Section}:{nameof(HttpOptions.PublicUrl)}"];
        document.Servers = [new OpenApiServer { Url = string.IsNullOrWhiteSpace(configured) ? "/" : configured.TrimEnd('/') }];
        return Task.CompletedTask;
    }
}
