using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Delivery.Acknowledge;
using Vigil.Server.Alerts;
using Vigil.Server.Delivery;
using Vigil.Storage;

namespace Vigil.Server.Tests.Delivery;

/// <summary>The signed Acknowledge link of notifications: a confirmation page, then a POST that acknowledges.</summary>
public abstract class AcknowledgeLinkTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Alerts:EvaluationEnabled"] = "false",
        ["Vigil:Http:PublicUrl"] = "https://vigil.example.com/",
    };

    [Fact]
    public async Task AcknowledgeLink_PageThenPost_AcknowledgesByTheLink()
    {
        await using var app = StartApp(settings: Settings);
        var (alertId, link) = await FiringAlertWithLinkAsync(app);
        Assert.StartsWith("https://vigil.example.com/ack/", link, StringComparison.Ordinal);
        var path = new Uri(link).AbsolutePath;
        var anonymous = app.WithKey(null);

        var page = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Slow route", html, StringComparison.Ordinal);
        Assert.Contains("<form method=\"post\">", html, StringComparison.Ordinal);
        Assert.Equal("firing", (await (await app.Admin().GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync()).GetProperty("status").GetString()); // a GET changes nothing

        var posted = await anonymous.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var alert = await (await app.Admin().GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync();
        Assert.Equal("acknowledged", alert.GetProperty("status").GetString());
        Assert.Equal(AcknowledgeLinkEndpoints.By, alert.GetProperty("acknowledgedBy").GetString());
    }

    [Fact]
    public async Task AcknowledgeLink_ForgedOrExpired_NotFoundAndNoChange()
    {
        await using var app = StartApp(settings: Settings);
        var (alertId, link) = await FiringAlertWithLinkAsync(app);
        var path = new Uri(link).AbsolutePath;
        var anonymous = app.WithKey(null);

        // Expired: made by the server's own key ring with a clock a lifetime and a minute behind (moving
        // the server's clock on by 7 days instead sets every background loop catching up for minutes).
        var made = new FakeTimeProvider(app.Time.GetUtcNow() - AcknowledgeLinks.Lifetime - TimeSpan.FromMinutes(1));
        var expired = new Uri(new AcknowledgeLinks(
            app.Services.GetRequiredService<IDataProtectionProvider>(), app.Services.GetRequiredService<IOptions<PublicLinkOptions>>(), made).Create(alertId)).AbsolutePath;

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync(path[..^3] + "xyz", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync("/ack/not-a-token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(expired)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync(expired, null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode); // the same alert's current link works

        Assert.Equal("firing", (await (await app.Admin().GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync()).GetProperty("status").GetString());
    }

    /// <summary>A firing alert and its acknowledge link (also used by the key ring tests).</summary>
    internal static async Task<(string AlertId, string Link)> FiringAlertWithLinkAsync(VigilApp app)
    {
        var client = app.Admin();
        var created = await client.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Slow route","metric":"http_request_duration_ms","aggregation":"avg","windowMinutes":5,"threshold":1000,"severity":"critical","repeatIntervalMinutes":0}
            """);
        var ruleId = (await created.ReadAsync()).GetProperty("id").GetString();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", [2500, 2600], "{}", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();
        await app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);
        var alertId = (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync())[0].GetProperty("id").GetString()!;
        return (alertId, app.Services.GetRequiredService<AcknowledgeLinks>().Create(alertId));
    }
}

public sealed class SqliteAcknowledgeLinkTests() : AcknowledgeLinkTests(StorageProvider.Sqlite);

public sealed class PostgresAcknowledgeLinkTests() : AcknowledgeLinkTests(StorageProvider.Postgres);
