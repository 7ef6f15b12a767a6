using System.Net;
using Npgsql;
using Vigil.Server.Tests.Infrastructure;
using Vigil.Storage;

namespace Vigil.Server.Tests.Health;

/// <summary>
/// A real PostgreSQL behind a loopback relay that stands for the network: made slow, the
/// database check turns degraded (200); cut, the database is unhealthy and the full report and
/// readiness answer 503.
/// </summary>
public sealed class DatabaseOutageTests() : ServerTestBase(StorageProvider.Postgres)
{
    [Fact]
    public async Task GetHealth_PostgresUnreachable_Unhealthy503AndNotReady()
    {
        await using var relay = Relay();
        await using var app = StartApp(settings: Through(relay));
        var client = app.WithKey(null);
        var before = await client.GetAsync("/api/health/database");

        await relay.CutAsync();
        var full = await client.GetAsync("/api/health");
        var database = await client.GetAsync("/api/health/database");
        var ready = await client.GetAsync("/api/health/ready");
        var live = await client.GetAsync("/api/health/live");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        var report = await full.ReadAsync();
        Assert.Equal("unhealthy", report.GetProperty("status").GetString());
        Assert.Equal("unhealthy", report.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("unhealthy", report.GetProperty("checks").GetProperty("jobs").GetProperty("status").GetString());
        Assert.True(report.GetProperty("overall").GetProperty("unhealthy").GetInt32() >= 2);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, database.StatusCode);
        Assert.Equal("The database does not answer.", (await database.ReadAsync()).GetProperty("checks").GetProperty("database").GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode); // the process itself is alive: no restart wanted
    }

    [Fact]
    public async Task GetHealthDatabase_PostgresAnswersSlowly_Degraded200()
    {
        await using var relay = Relay();
        // Far apart, so a loaded machine does not make the direct answer look slow: 1 s is "slow"
        // (250 ms was not enough: once a direct answer took longer on a loaded CI machine), the
        // relay then holds each answer 1.8 s (the check's timeout is 10 s: a new connection's
        // start-up and the query are several answers, each held).
        await using var app = StartApp(settings: Through(relay, ("Vigil:Health:DatabaseDegradedAfter", "00:00:01")));
        var client = app.WithKey(null);
        await client.GetAsync("/api/health/database"); // the first check also opens the pool's connection
        var fast = await (await client.GetAsync("/api/health/database")).ReadAsync();

        relay.Delay = TimeSpan.FromMilliseconds(1800);
        var response = await client.GetAsync("/api/health/database");

        Assert.Equal("healthy", fast.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var database = (await response.ReadAsync()).GetProperty("checks").GetProperty("database");
        Assert.Equal("degraded", database.GetProperty("status").GetString());
        Assert.True(database.GetProperty("responseTime").GetDouble() > 1000, database.ToString());
        Assert.Contains("(over 1000 ms)", database.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private TcpRelay Relay()
    {
        var target = new NpgsqlConnectionStringBuilder(Database.Options.ConnectionString);
        return new TcpRelay(target.Host!, target.Port);
    }

    /// <summary>The test database, reached through the relay; no report reuse; a check timeout of 10 s (a cut relay refuses at once; a slow one holds each answer 1.8 s).</summary>
    private Dictionary<string, string?> Through(TcpRelay relay, params (string Key, string Value)[] more)
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.Options.ConnectionString) { Host = "127.0.0.1", Port = relay.Port, Timeout = 10 };
        var settings = new Dictionary<string, string?>
        {
            ["Vigil:Storage:ConnectionString"] = builder.ToString(),
            ["Vigil:Health:CacheDuration"] = "00:00:00",
            ["Vigil:Health:CheckTimeout"] = "00:00:10",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }
}
