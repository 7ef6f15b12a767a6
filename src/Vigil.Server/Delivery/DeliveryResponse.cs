namespace Vigil.Server.Delivery;

/// <summary>A delivery (a delivery job) as the API shows it.</summary>
/// <param name="Id">The job id (stable across retries, dead-lettering and replays).</param>
/// <param name="Type">notification.deliver, notification.digest or relay.deliver.</param>
/// <param name="ChannelId">The channel it goes to.</param>
/// <param name="IdempotencyKey">Its key: the <c>webhook-id</c> a webhook receiver sees.</param>
/// <param name="Status">pending, failed (will retry), succeeded or dead.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="MaxAttempts">Attempts allowed.</param>
/// <param name="NextAttemptAt">For a pending or failed one: not before then.</param>
/// <param name="CreatedAt">Enqueued.</param>
/// <param name="FinishedAt">Succeeded or dead-lettered.</param>
/// <param name="LastError">What went wrong last.</param>
/// <param name="Payload">What it delivers (ids only; no secrets).</param>
public sealed record DeliveryResponse(
    long Id, string Type, string? ChannelId, string? IdempotencyKey, string Status, int Attempts, int MaxAttempts,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? LastError, string Payload);
