namespace Vigil.Dashboard.Tests.Infrastructure;

/// <summary>
/// One server process and browser per test class, with the admin account made through the setup
/// page (use with <c>IClassFixture&lt;AdminServerFixture&gt;</c>; each test opens its own page with
/// <see cref="DashboardServer.NewPageAsync"/>, so tests share data but not browser state).
/// </summary>
public sealed class AdminServerFixture : IAsyncLifetime
{
    internal DashboardServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await DashboardServer.StartWithAdminAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
