namespace Vigil.Server.Delivery.Relay;

/// <summary>What a relay call answers (seed 000).</summary>
/// <param name="Success">Whether every integration took it.</param>
/// <param name="Message">"Delivered to X/Y integrations".</param>
/// <param name="Stats">The counts.</param>
/// <param name="RequestId">The request in the log.</param>
public sealed record RelayResponse(bool Success, string Message, RelayStats Stats, string RequestId);
