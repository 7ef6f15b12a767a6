namespace Vigil.Server.Delivery;

/// <summary>How a channel test went.</summary>
/// <param name="Delivered">Whether the destination took it.</param>
/// <param name="Status">delivered, retryable_failure, permanent_failure, gone or short_circuited.</param>
/// <param name="HttpStatus">The destination's HTTP status, when it answered over HTTP.</param>
/// <param name="Error">What went wrong.</param>
/// <param name="DurationMs">How long the attempt took.</param>
public sealed record ChannelTestResponse(bool Delivered, string Status, int? HttpStatus, string? Error, double DurationMs);
