namespace Vigil.Storage.Delivery;

/// <summary>
/// A notification channel as stored: its config is the channel type's JSON with every secret
/// already protected (encrypted) by the caller; this repository never sees a secret in clear.
/// </summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Unique name.</param>
/// <param name="Type">Wire name of the channel type (email, slack, discord, teams, webhook, in_app).</param>
/// <param name="Enabled">Whether deliveries go out.</param>
/// <param name="MaxConcurrency">Deliveries in flight at most (1-10).</param>
/// <param name="Config">The type's configuration as JSON, secrets protected.</param>
/// <param name="DisabledReason">Why Vigil disabled it (e.g. the destination answered 410 Gone), or null.</param>
/// <param name="CreatedAtMs">Created, Unix ms.</param>
/// <param name="UpdatedAtMs">Last changed, Unix ms.</param>
/// <param name="Version">Optimistic concurrency version, bumped by every change.</param>
public sealed record StoredChannel(string Id, string Name, string Type, bool Enabled, int MaxConcurrency, string Config, string? DisabledReason, long CreatedAtMs, long UpdatedAtMs, int Version);
