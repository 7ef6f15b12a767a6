namespace Vigil.Server.Delivery.Relay;

/// <summary>A relay endpoint as the API shows it.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Slug">The URL segment.</param>
/// <param name="Name">Human name.</param>
/// <param name="Integrations">Channel ids.</param>
/// <param name="Secret">Masked when set, else null.</param>
/// <param name="Url">The path callers post to.</param>
/// <param name="CreatedAt">Created.</param>
/// <param name="UpdatedAt">Last changed.</param>
/// <param name="AllowUnauthenticated">True when the endpoint has no secret and takes calls from anyone.</param>
public sealed record RelayEndpointResponse(string Id, string Slug, string Name, IReadOnlyList<string> Integrations, string? Secret, string Url, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool AllowUnauthenticated);
