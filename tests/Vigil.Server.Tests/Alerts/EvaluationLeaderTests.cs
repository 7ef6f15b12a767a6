using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Alerts;
using Vigil.Storage;

namespace Vigil.Server.Tests.Alerts;

/// <summary>
/// Two server processes on one PostgreSQL database: one evaluates, the other stands by; an
/// alert acknowledged through the standby is not undone by the leader; when the leader goes,
/// the standby takes over.
/// </summary>
public sealed class EvaluationLeaderTests() : ServerTestBase(StorageProvider.Postgres)
{
    private static readonly Dictionary<string, string?> ManualPasses = new() { ["Vigil:Alerts:EvaluationEnabled"] = "false" };

    private const string RuleBody = """
        {"name":"Slow route","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"p95",
         "windowMinutes":5,"minDataPoints":5,"thresholdType":"static","threshold":1000,"comparison":"greater_than",
         "severity":"critical","cooldownMinutes":15,"repeatIntervalMinutes":1}
        """;

    [Fact]
    public async Task TwoProcesses_OneEvaluates_NoAlertTwice_StandbyTakesOverWhenTheLeaderStops()
    {
        var time = VigilApp.NewClock();
        var first = StartApp(time, ManualPasses);
        await using var second = StartApp(time, ManualPasses);
        try
        {
            var client = first.Admin();
            var other = second.Admin();
            var created = await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody);
            var ruleId = (await created.ReadAsync()).GetProperty("id").GetString();

            // Both processes received slow requests (each keeps its own aggregates).
            await PushAsync(client, first);
            await PushAsync(other, second);
            Assert.True(await Engine(first).RunOnceAsync(CancellationToken.None));
            Assert.False(await Engine(second).RunOnceAsync(CancellationToken.None));
            var alert = Assert.Single(await AlertsAsync(other, ruleId));
            var id = alert.GetProperty("id").GetString();

            // Acknowledged through the standby; the leader's next passes keep it acknowledged.
            Assert.Equal(HttpStatusCode.OK, (await other.PostJsonAsync($"/api/v1/alerts/{id}/acknowledge", "{}")).StatusCode);
            time.Advance(TimeSpan.FromMinutes(2));
            await PushAsync(client, first);
            Assert.True(await Engine(first).RunOnceAsync(CancellationToken.None));
            Assert.Equal("acknowledged", Assert.Single(await AlertsAsync(client, ruleId)).GetProperty("status").GetString());
            Assert.Equal(["acknowledged", "firing"], await KindsAsync(client, id));

            // The leader stops; the standby evaluates from its next pass, on the stored alert.
            await first.DisposeAsync();
            first = null;
            time.Advance(TimeSpan.FromMinutes(10));
            await PushAsync(other, second, ms: 20);
            Assert.True(await Engine(second).RunOnceAsync(CancellationToken.None));
            Assert.Equal("resolved", Assert.Single(await AlertsAsync(other, ruleId)).GetProperty("status").GetString());
            Assert.Equal(["resolved", "acknowledged", "firing"], await KindsAsync(other, id));
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }

    private static AlertEngine Engine(VigilApp app) => app.Services.GetRequiredService<AlertEngine>();

    private static async Task PushAsync(HttpClient client, VigilApp app, double ms = 2500) =>
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", Enumerable.Repeat(ms, 20), """{"route":"/slow"}""", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();

    private static async Task<JsonElement[]> AlertsAsync(HttpClient client, string? ruleId) =>
        [.. (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray()];

    private static async Task<string[]> KindsAsync(HttpClient client, string? alertId) =>
        [.. (await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray()
            .Where(n => n.GetProperty("alertId").GetString() == alertId).Select(n => n.GetProperty("kind").GetString()!)];
}
