namespace Vigil.Storage.Delivery;

/// <summary>One relayed request, as the request log shows it.</summary>
/// <param name="Id">Identifier (also in the delivery jobs' idempotency keys).</param>
/// <param name="EndpointId">The endpoint it came in on.</param>
/// <param name="ReceivedAtMs">When, Unix ms.</param>
/// <param name="Status">What the caller was answered: delivered, partial, failed, or pending (first attempts still running).</param>
/// <param name="Total">Integrations it went to.</param>
/// <param name="Successful">Deliveries that succeeded so far (retries included).</param>
/// <param name="Failed">Deliveries that gave up (dead letters).</param>
public sealed record RelayRequestRecord(string Id, string EndpointId, long ReceivedAtMs, string Status, int Total, int Successful, int Failed);
