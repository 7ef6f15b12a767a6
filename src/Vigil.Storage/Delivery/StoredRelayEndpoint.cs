namespace Vigil.Storage.Delivery;

/// <summary>A webhook relay endpoint: <c>POST /api/webhook/{slug}</c> fans out to its integrations (channel ids).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Slug">The URL segment, unique.</param>
/// <param name="Name">Human name.</param>
/// <param name="Integrations">Channel ids the relayed body goes to.</param>
/// <param name="Secret">The shared secret callers present, protected (encrypted), or null for none.</param>
/// <param name="CreatedAtMs">Created, Unix ms.</param>
/// <param name="UpdatedAtMs">Last changed, Unix ms.</param>
/// <param name="AllowUnauthenticated">
/// Whether an endpoint without a <paramref name="Secret"/> takes calls from anyone (an explicit
/// choice); without a secret and without this, no call is accepted.
/// </param>
public sealed record StoredRelayEndpoint(string Id, string Slug, string Name, IReadOnlyList<string> Integrations, string? Secret, long CreatedAtMs, long UpdatedAtMs, bool AllowUnauthenticated = false);
