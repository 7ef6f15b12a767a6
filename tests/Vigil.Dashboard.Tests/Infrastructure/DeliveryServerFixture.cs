namespace Vigil.Dashboard.Tests.Infrastructure;

/// <summary>
/// Like <see cref="AdminServerFixture"/>, with loopback destinations allowed
/// (<c>Vigil:Delivery:AllowPrivateNetworks</c>, as the server's delivery tests set it), so channels
/// can send to a <see cref="Vigil.Notifications.Tests.Infrastructure.WebhookReceiver"/> on 127.0.0.1.
/// </summary>
public sealed class DeliveryServerFixture : IAsyncLifetime
{
    internal DashboardServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await DashboardServer.StartWithAdminAsync(new Dictionary<string, string>
    {
        ["Vigil__Delivery__AllowPrivateNetworks"] = "true",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
