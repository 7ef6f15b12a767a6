using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vigil.Storage.Audit;

namespace Vigil.Server.Audit;

/// <summary>
/// Records every successful change an admin endpoint makes: the resource read as the API shows
/// it before the handler runs and after it answered, who (the key), what (method, path, id) and
/// when. One filter on each admin group (<see cref="AuditEndpointConventions.Audited"/>); reads
/// are not recorded, nor changes that were refused.
/// </summary>
internal sealed class AuditFilter(AuditResource resource)
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
            || http.GetEndpoint()?.Metadata.GetMetadata<AuditEndpointConventions.NotAuditedMetadata>() is not null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var services = http.RequestServices;
        var cancellationToken = http.RequestAborted;
        var id = http.GetRouteValue("id")?.ToString();
        var before = id is null ? null : await resource.ReadAsync(services, id, cancellationToken).ConfigureAwait(false);

        var result = await next(context).ConfigureAwait(false);

        var status = StatusOf(result as IResult);
        if (status is < 200 or >= 300)
        {
            return result;
        }

        var json = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        id ??= IdOf(AuditResource.Value(result as IResult), json);
        var after = id is null ? null : await resource.ReadAsync(services, id, cancellationToken).ConfigureAwait(false);
        var (actorId, actorName) = AuditResource.Actor(http.User);
        var nowMs = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();

        // The change is made: the entry is written even when the client has gone.
        await services.GetRequiredService<AuditRepository>().InsertAsync(
            new AuditRecord(0, nowMs, actorId, actorName, http.Request.Method, http.Request.Path.Value ?? "", resource.Name, id, status,
                Serialize(before, json), Serialize(after, json)),
            CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    private static int StatusOf(IResult? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result is IStatusCodeHttpResult { StatusCode: { } status } ? status : StatusCodes.Status200OK;
    }

    private static string? IdOf(object? value, JsonSerializerOptions json) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), json) is JsonObject o && o["id"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;

    private static string? Serialize(object? value, JsonSerializerOptions json) =>
        value is null ? null : JsonSerializer.Serialize(value, value.GetType(), json);
}
