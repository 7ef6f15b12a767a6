namespace Vigil.Server.Delivery.Relay;

/// <summary>Counts of a relay call's first attempts.</summary>
/// <param name="Total">Integrations.</param>
/// <param name="Successful">Delivered at the first attempt.</param>
/// <param name="Failed">Not delivered yet (failed, or still running when the wait ended): they stay queued for retry.</param>
public sealed record RelayStats(int Total, int Successful, int Failed);
