using Vigil.Storage;
using Vigil.Testing;

namespace Vigil.Server.Tests.Monitors;

/// <summary>
/// One server for the monitor API tests (each server started costs the suite time): SQLite, a
/// fake clock, 127.0.0.1 allow-listed for outbound calls (the targets and the webhook receiver
/// listen there; every other private address stays refused), deliveries woken at once.
/// </summary>
public sealed class MonitorServerFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public VigilApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        App = new VigilApp(Database, VigilApp.NewClock(), new()
        {
            ["Vigil:Delivery:AllowedHosts:0"] = "127.0.0.1",
            ["Vigil:Jobs:PollInterval"] = "00:00:01",
            ["Vigil:Http:PublicUrl"] = "https://vigil.example.com",
        });
        _ = App.Server; // start it
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
