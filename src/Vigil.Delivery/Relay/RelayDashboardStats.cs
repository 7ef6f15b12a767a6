namespace Vigil.Delivery.Relay;

/// <summary>The relay's dashboard counts (seed 000).</summary>
/// <param name="Endpoints">Relay endpoints.</param>
/// <param name="Integrations">Distinct channels they deliver to.</param>
/// <param name="RequestsToday">Relay calls since midnight UTC.</param>
/// <param name="QueuePending">Deliveries of any kind waiting or running.</param>
public sealed record RelayDashboardStats(int Endpoints, int Integrations, long RequestsToday, long QueuePending);
