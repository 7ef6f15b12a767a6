using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Vigil.Storage;
using Vigil.Testing;

namespace Vigil.Server.Tests;

/// <summary>
/// The real Vigil server in-process (the full ASP.NET Core pipeline over the test host's
/// in-memory HTTP transport) on a real SQLite or PostgreSQL database, with a fake clock.
/// What needs Kestrel itself (body limits, start-up, signals) is tested on a started process:
/// see <see cref="Hosting.ServerProcessTests"/>.
/// </summary>
public sealed class VigilApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly TestDatabase _database;
    private readonly Dictionary<string, string?> _settings;
    private bool _started;

    public VigilApp(TestDatabase database, FakeTimeProvider time, Dictionary<string, string?>? settings = null)
    {
        _database = database;
        Time = time;
        _settings = settings ?? [];

    }

    public FakeTimeProvider Time { get; }

    /// <summary>Every log line the server writes, when the test asked for them (<see cref="CaptureLogs"/>).</summary>
    public LogCapture? Logs { get; private set; }

    /// <summary>Keeps every log line the server writes in <see cref="Logs"/>; call before the first request.</summary>
    public VigilApp CaptureLogs()
    {
        Logs = new LogCapture();
        return this;
    }

    /// <summary>Settings that turn the timed evaluation passes off: the test runs them with <see cref="RunPassAsync"/>.</summary>
    public static Dictionary<string, string?> ManualPasses() => new() { ["Vigil:Alerts:EvaluationEnabled"] = "false" };

    /// <summary>Runs one evaluation pass now, at the fake clock's time.</summary>
    public Task RunPassAsync() => Services.GetRequiredService<global::Vigil.Server.Alerts.AlertEngine>().RunOnceAsync(CancellationToken.None);

    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// The master key file of a test database: beside the SQLite file (the default), or one per
    /// PostgreSQL database in the temporary folder (the default ./data/vigil.key would be shared).
    /// </summary>
    public static string KeyFileOf(TestDatabase database) => database.Provider == StorageProvider.Sqlite
        ? Vigil.Storage.Secrets.MasterKeySource.DefaultKeyFile(database.Options)
        : Path.Combine(Path.GetTempPath(), "vigil-test-keys", new Npgsql.NpgsqlConnectionStringBuilder(database.Options.ConnectionString).Database + ".key");

    /// <summary>A client that sends the bootstrap admin key.</summary>
    public HttpClient Admin() => WithKey(AdminKey);

    public HttpClient WithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Creates a key of a role through the API and returns a client using it.</summary>
    public async Task<HttpClient> ClientWithRoleAsync(string role)
    {
        var response = await Admin().PostAsJsonAsync("/api/v1/keys", new { name = $"test {role}", role });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return WithKey(created.GetProperty("key").GetString());
    }

    /// <summary>
    /// Stops the application the way SIGTERM does and waits until every hosted service has
    /// stopped (the final rollup flush included) before the host is disposed.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        // A host never built, or whose start failed (as the start-up tests want), has nothing to stop.
        var lifetime = _started ? Services.GetRequiredService<IHostApplicationLifetime>() : null;
        if (lifetime is null || !lifetime.ApplicationStarted.IsCancellationRequested)
        {
            await base.DisposeAsync();
            return;
        }

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStopped.Register(() => stopped.TrySetResult()))
        {
            lifetime.StopApplication();
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        await base.DisposeAsync();
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        _started = true;
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Vigil:Storage:Provider", _database.Provider.ToString());
        builder.UseSetting("Vigil:Storage:ConnectionString", _database.Options.ConnectionString);
        builder.UseSetting("Vigil:Auth:BootstrapAdminKey", AdminKey);
        builder.UseSetting("Vigil:Secrets:KeyFile", KeyFileOf(_database));

        // A loaded machine can take longer than the 500 ms default to answer the health probe, which
        // would report the database degraded; the tests of degradation set their own threshold.
        builder.UseSetting("Vigil:Health:DatabaseDegradedAfter", "00:00:30");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            if (Logs is { } logs)
            {
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs);
            }
        });
    }
}

/// <summary>A fresh database per test class, for one provider.</summary>
public abstract class ServerTestBase(StorageProvider provider) : IAsyncLifetime
{
    protected StorageProvider Provider { get; } = provider;

    protected TestDatabase Database { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Database = await TestDatabase.CreateAsync(Provider);

    public virtual async Task DisposeAsync() => await Database.DisposeAsync();

    protected VigilApp StartApp(FakeTimeProvider? time = null, Dictionary<string, string?>? settings = null) =>
        new(Database, time ?? VigilApp.NewClock(), settings);
}
