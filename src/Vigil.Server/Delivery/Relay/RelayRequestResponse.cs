namespace Vigil.Server.Delivery.Relay;

/// <summary>One relayed request in the log.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="EndpointId">The endpoint.</param>
/// <param name="ReceivedAt">When.</param>
/// <param name="Status">What the caller was answered: delivered, partial, failed or pending.</param>
/// <param name="Total">Integrations.</param>
/// <param name="Successful">Delivered so far, retries included.</param>
/// <param name="Failed">Given up (dead letters).</param>
/// <param name="Pending">Neither yet.</param>
public sealed record RelayRequestResponse(string Id, string EndpointId, DateTimeOffset ReceivedAt, string Status, int Total, int Successful, int Failed, int Pending);
