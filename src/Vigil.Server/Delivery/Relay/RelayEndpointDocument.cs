namespace Vigil.Server.Delivery.Relay;

/// <summary>The body of <c>POST</c> and <c>PATCH /api/v1/relay/endpoints</c>.</summary>
public sealed class RelayEndpointDocument
{
    /// <summary>The URL segment of <c>POST /api/webhook/{slug}</c>: lowercase letters, digits and dashes, at most 64. Required.</summary>
    public string? Slug { get; set; }

    /// <summary>Human name, at most 200 characters. Required.</summary>
    public string? Name { get; set; }

    /// <summary>Channel ids the relayed body goes to. Required, at least one.</summary>
    public List<string?>? Integrations { get; set; }

    /// <summary>A shared secret callers send in <c>X-Relay-Secret</c> (or <c>Authorization: Bearer</c>); null for none. Write-only.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Must be <c>true</c> for an endpoint without a <see cref="Secret"/>: anyone who knows its slug
    /// can then relay through it (an explicit choice). Without a secret and without it, the
    /// endpoint is refused (400 naming <c>allowUnauthenticated</c>). Ignored when a secret is set.
    /// </summary>
    public bool? AllowUnauthenticated { get; set; }
}
