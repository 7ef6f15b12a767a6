namespace Vigil.Notifications.Delivery;

/// <summary>A JSON body received by the webhook relay, forwarded to the endpoint's integrations.</summary>
/// <param name="Source">The relay endpoint (its slug or name), shown in chat and email.</param>
/// <param name="Json">The raw JSON body as received: webhook channels post these exact bytes.</param>
public sealed record RelayPayload(string Source, ReadOnlyMemory<byte> Json)
{
    /// <inheritdoc/>
    public bool Equals(RelayPayload? other) => other is not null && Source == other.Source && Json.Span.SequenceEqual(other.Json.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Source, Json.Length);
}
