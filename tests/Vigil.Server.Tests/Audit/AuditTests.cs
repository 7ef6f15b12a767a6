using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Audit;
using Vigil.Server.Tests.Delivery;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Audit;

/// <summary>
/// Issue 9, Low: an audit log of every change by an admin — who, what, when, before and after
/// with secrets masked — read with <c>GET /api/v1/audit</c>.
/// </summary>
public abstract class AuditTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private const string Rule = """
        {"name":"Slow","metric":"lat_ms","aggregation":"avg","windowMinutes":5,"minDataPoints":1,
         "thresholdType":"static","threshold":100,"comparison":"greater_than","severity":"warning","channels":[]}
        """;

    [Fact]
    public async Task RuleCreatedChangedDeleted_ThreeEntries_WhoWhatWhenBeforeAfter()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", Rule)).ReadAsync()).GetProperty("id").GetString();
        app.Time.Advance(TimeSpan.FromMinutes(1));
        (await client.PatchAsync($"/api/v1/alerts/rules/{ruleId}", Body("""{"threshold":200}"""))).EnsureSuccessStatusCode();
        app.Time.Advance(TimeSpan.FromMinutes(1));
        (await client.DeleteAsync($"/api/v1/alerts/rules/{ruleId}")).EnsureSuccessStatusCode();

        var entries = await EntriesAsync(client, "resource=rules");

        Assert.Equal(["DELETE", "PATCH", "POST"], entries.Select(e => e.GetProperty("method").GetString()));
        Assert.All(entries, e => Assert.Equal(ruleId, e.GetProperty("resourceId").GetString()));
        Assert.All(entries, e => Assert.StartsWith("bootstrap admin", e.GetProperty("actorName").GetString(), StringComparison.Ordinal));
        Assert.All(entries, e => Assert.StartsWith("bootstrap-", e.GetProperty("actorId").GetString(), StringComparison.Ordinal));
        var (deleted, patched, created) = (entries[0], entries[1], entries[2]);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("before").ValueKind);
        Assert.Equal(100, created.GetProperty("after").GetProperty("threshold").GetDouble());
        Assert.Equal(100, patched.GetProperty("before").GetProperty("threshold").GetDouble());
        Assert.Equal(200, patched.GetProperty("after").GetProperty("threshold").GetDouble());
        Assert.Equal(200, deleted.GetProperty("before").GetProperty("threshold").GetDouble());
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("after").ValueKind);
        Assert.Equal(app.Time.GetUtcNow(), deleted.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(-2), created.GetProperty("at").GetDateTimeOffset());
        Assert.Equal($"/api/v1/alerts/rules/{ruleId}", patched.GetProperty("path").GetString());
    }

    [Fact]
    public async Task ChannelKeyAndRelaySecrets_NeverInTheAuditLog()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var channel = await client.PostJsonAsync("/api/v1/channels", """{"name":"hook","type":"webhook","config":{"url":"https://hooks.example.com/path-token-123?sig=abc","secret":"whsec-audit-secret","bearerToken":"bearer-audit-secret"}}""");
        var channelId = (await channel.ReadAsync()).GetProperty("id").GetString();
        (await client.PatchAsync($"/api/v1/channels/{channelId}", Body("""{"config":{"bearerToken":"bearer-audit-secret-2"}}"""))).EnsureSuccessStatusCode();
        var key = (await (await client.PostJsonAsync("/api/v1/keys", """{"name":"ci","role":"ingest"}""")).ReadAsync()).GetProperty("key").GetString()!;
        (await client.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"orders","name":"Orders","integrations":["{{channelId}}"],"secret":"relay-audit-secret"}""")).EnsureSuccessStatusCode();

        var response = await client.GetAsync("/api/v1/audit");
        var text = await response.Content.ReadAsStringAsync();
        var stored = await StoredTextAsync(app);

        Assert.Equal(4, (await response.ReadAsync()).GetArrayLength());
        foreach (var secret in new[] { "whsec-audit-secret", "bearer-audit-secret", "path-token-123", "sig=abc", "relay-audit-secret", key, key[..20] })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }

        var entries = await EntriesAsync(client, "");
        Assert.Equal(["relay-endpoints", "keys", "channels", "channels"], entries.Select(e => e.GetProperty("resource").GetString()));
        Assert.Equal("ci", entries[1].GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("hook", entries[2].GetProperty("before").GetProperty("name").GetString());
    }

    [Fact]
    public async Task SilenceAndAlertActions_Recorded_KeyRevocationToo()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var client = app.Admin();
        var (alertId, _) = await AcknowledgeLinkTests.FiringAlertWithLinkAsync(app);
        (await client.PostJsonAsync($"/api/v1/alerts/{alertId}/acknowledge", """{"note":"on it"}""")).EnsureSuccessStatusCode();
        (await client.PostJsonAsync($"/api/v1/alerts/{alertId}/resolve", "{}")).EnsureSuccessStatusCode();
        var silenceId = (await (await client.PostJsonAsync("/api/v1/silences", """{"severity":"critical","durationMinutes":60}""")).ReadAsync()).GetProperty("id").GetString();
        (await client.DeleteAsync($"/api/v1/silences/{silenceId}")).EnsureSuccessStatusCode();
        var keyId = (await (await client.PostJsonAsync("/api/v1/keys", """{"name":"old","role":"viewer"}""")).ReadAsync()).GetProperty("id").GetString();
        (await client.DeleteAsync($"/api/v1/keys/{keyId}")).EnsureSuccessStatusCode();

        var alerts = await EntriesAsync(client, "resource=alerts");
        var silences = await EntriesAsync(client, "resource=silences");
        var keys = await EntriesAsync(client, "resource=keys");

        Assert.Equal([$"/api/v1/alerts/{alertId}/resolve", $"/api/v1/alerts/{alertId}/acknowledge"], alerts.Select(e => e.GetProperty("path").GetString()));
        Assert.Equal("firing", alerts[1].GetProperty("before").GetProperty("status").GetString());
        Assert.Equal("acknowledged", alerts[1].GetProperty("after").GetProperty("status").GetString());
        Assert.Equal("resolved", alerts[0].GetProperty("after").GetProperty("status").GetString());
        Assert.Equal(["DELETE", "POST"], silences.Select(e => e.GetProperty("method").GetString()));
        Assert.True(silences[0].GetProperty("before").GetProperty("active").GetBoolean());
        Assert.False(silences[0].GetProperty("after").GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, keys[0].GetProperty("before").GetProperty("revokedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, keys[0].GetProperty("after").GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task RefusedChangesReadsAndChannelTests_NotRecorded()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var channelId = (await (await client.PostJsonAsync("/api/v1/channels", """{"name":"hook","type":"webhook","config":{"url":"https://hooks.example.com/x"}}""")).ReadAsync()).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/api/v1/alerts/rules", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/v1/alerts/rules/nope")).StatusCode);
        await client.GetAsync("/api/v1/alerts/rules");
        await client.PostAsync($"/api/v1/channels/{channelId}/test", null);

        var entry = Assert.Single(await EntriesAsync(client, ""));
        Assert.Equal("channels", entry.GetProperty("resource").GetString());
    }

    [Fact]
    public async Task Filters_ActorTimeResourceLimitAndCursor()
    {
        await using var app = StartApp();
        var admin = app.Admin();
        var second = (await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"second admin","role":"admin"}""")).ReadAsync());
        var other = app.WithKey(second.GetProperty("key").GetString());
        var start = app.Time.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            app.Time.Advance(TimeSpan.FromMinutes(1));
            (await other.PostJsonAsync("/api/v1/alerts/rules", Rule.Replace("\"Slow\"", $"\"Slow {i}\"", StringComparison.Ordinal))).EnsureSuccessStatusCode();
        }

        var byName = await EntriesAsync(admin, "actor=second%20admin");
        var byId = await EntriesAsync(admin, $"actor={second.GetProperty("id").GetString()}");
        var window = await EntriesAsync(admin, $"from={Uri.EscapeDataString(Iso(start.AddMinutes(2)))}&to={Uri.EscapeDataString(Iso(start.AddMinutes(4)))}");
        var page1 = await EntriesAsync(admin, "resource=rules&limit=2");
        var page2 = await EntriesAsync(admin, $"resource=rules&limit=2&before={page1[^1].GetProperty("id").GetInt64()}");
        var page3 = await EntriesAsync(admin, $"resource=rules&limit=2&before={page2[^1].GetProperty("id").GetInt64()}");

        Assert.Equal(5, byName.Count);
        Assert.Equal(5, byId.Count);
        Assert.Equal(2, window.Count);
        Assert.Equal(["Slow 4", "Slow 3", "Slow 2", "Slow 1", "Slow 0"],
            page1.Concat(page2).Concat(page3).Select(e => e.GetProperty("after").GetProperty("name").GetString()));
        Assert.Equal("keys", Assert.Single(await EntriesAsync(admin, "resource=keys")).GetProperty("resource").GetString());
    }

    [Theory]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=0001-01-01", "to")]
    [InlineData("before=-1", "before")]
    [InlineData("before=x", "before")]
    [InlineData("resource=nope", "resource")]
    [InlineData("actor=", "actor")]
    public async Task GetAudit_MalformedQuery_ProblemNamesTheParameter(string query, string parameter)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().GetAsync($"/api/v1/audit?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(parameter, out _));
    }

    [Fact]
    public async Task GetAudit_ViewerOrAnonymous_Refused()
    {
        await using var app = StartApp();
        var viewer = await app.ClientWithRoleAsync("viewer");

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/v1/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(null).GetAsync("/api/v1/audit")).StatusCode);
    }

    [Fact]
    public async Task Cleanup_EntriesPastTheRetention_Removed()
    {
        // A day's retention: the fake clock runs every periodic timer of the server through each
        // period it skips, so days cost what months would not.
        await using var app = StartApp(settings: new() { ["Vigil:Audit:RetentionDays"] = "1" });
        var client = app.Admin();
        (await client.PostJsonAsync("/api/v1/alerts/rules", Rule)).EnsureSuccessStatusCode();
        app.Time.Advance(TimeSpan.FromHours(16));
        (await client.PostJsonAsync("/api/v1/alerts/rules", Rule.Replace("\"Slow\"", "\"Newer\"", StringComparison.Ordinal))).EnsureSuccessStatusCode();
        app.Time.Advance(TimeSpan.FromHours(9));

        // The hourly pass may have run on the clock's advance already; either way one pass leaves only the newer entry.
        await app.Services.GetRequiredService<AuditCleanup>().RunOnceAsync(CancellationToken.None);

        Assert.Equal("Newer", Assert.Single(await EntriesAsync(client, "")).GetProperty("after").GetProperty("name").GetString());
    }

    private static async Task<List<JsonElement>> EntriesAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync($"/api/v1/audit?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.ReadAsync()).EnumerateArray()];
    }

    /// <summary>Everything the audit table holds, as text.</summary>
    private static async Task<string> StoredTextAsync(VigilApp app)
    {
        var rows = await app.Services.GetRequiredService<Vigil.Storage.Audit.AuditRepository>().ListAsync(new Vigil.Storage.Audit.AuditQuery(Limit: 1000));
        return string.Join('\n', rows.Select(r => $"{r.Path} {r.ResourceId} {r.Before} {r.After}"));
    }
}

public sealed class SqliteAuditTests(SharedServer shared) : AuditTests(StorageProvider.Sqlite, shared);

public sealed class PostgresAuditTests(SharedServer shared) : AuditTests(StorageProvider.Postgres, shared);
