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

    /// <summary>The migrations the server applies besides Storage's own: a test database made of them is one the server finds up to date.</summary>
    public static IReadOnlyList<Vigil.Storage.MigrationSource> MigrationSources { get; } = [Vigil.Jobs.Queue.JobQueue.Migrations];

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

/// <summary>
/// A fresh database per test, for one provider, created when the test first asks for it (a test
/// that only uses <see cref="SharedAppAsync"/> creates none).
/// </summary>
public abstract class ServerTestBase(StorageProvider provider, SharedServer? shared = null) : IAsyncLifetime
{
    private TestDatabase? _database;

    protected StorageProvider Provider { get; } = provider;

    // Created off xUnit's synchronisation context, which blocking on an await could starve.
    protected TestDatabase Database => _database ??= Task.Run(() => TestDatabase.CreateMigratedAsync(Provider, VigilApp.MigrationSources)).GetAwaiter().GetResult();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    protected VigilApp StartApp(FakeTimeProvider? time = null, Dictionary<string, string?>? settings = null) =>
        new(Database, time ?? VigilApp.NewClock(), settings);

    /// <summary>
    /// The server all tests of the class share, for cases that must change nothing (bad input
    /// refused): one start for a theory's many cases instead of one per case.
    /// </summary>
    protected Task<VigilApp> SharedAppAsync() =>
        (shared ?? throw new InvalidOperationException($"{GetType().Name} has no {nameof(SharedServer)} fixture.")).AppAsync(Provider);
}

/// <summary>
/// A class fixture holding one started server on its own database, created by the first test
/// that asks (see <see cref="ServerTestBase.SharedAppAsync"/>) and stopped after the class.
/// </summary>
public sealed class SharedServer : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TestDatabase? _database;
    private VigilApp? _app;

    public async Task<VigilApp> AppAsync(StorageProvider provider)
    {
        await _gate.WaitAsync();
        try
        {
            if (_app is null)
            {
                _database = await TestDatabase.CreateMigratedAsync(provider, VigilApp.MigrationSources);
                _app = new VigilApp(_database, VigilApp.NewClock());
                _ = _app.Server; // start it
            }

            return _app;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _gate.Dispose();
    }
}
