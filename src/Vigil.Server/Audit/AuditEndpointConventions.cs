namespace Vigil.Server.Audit;

/// <summary>Puts an endpoint group's changes in the audit log.</summary>
internal static class AuditEndpointConventions
{
    /// <summary>Records every endpoint of the group that is not a GET (and not <see cref="NotAudited"/>) as a change of <paramref name="resource"/>.</summary>
    public static RouteGroupBuilder Audited(this RouteGroupBuilder group, AuditResource resource)
    {
        var filter = new AuditFilter(resource);
        group.AddEndpointFilter(filter.InvokeAsync);
        return group;
    }

    /// <summary>An action that changes nothing (a channel's test message): not recorded.</summary>
    public static RouteHandlerBuilder NotAudited(this RouteHandlerBuilder builder) => builder.WithMetadata(new NotAuditedMetadata());

    /// <summary>Marks an endpoint <see cref="NotAudited"/>.</summary>
    internal sealed class NotAuditedMetadata;
}
