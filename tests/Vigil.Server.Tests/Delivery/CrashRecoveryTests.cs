using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Hosting;
using Vigil.Storage;
using Vigil.Testing;

namespace Vigil.Server.Tests.Delivery;

/// <summary>
/// No lost notification (SPEC §6): the server, a real process, is killed with SIGKILL while it
/// delivers 1 000 notifications to a slow receiver; started again, it delivers every one at
/// least once, and every duplicate carries the same webhook-id.
/// </summary>
public abstract class CrashRecoveryTests(StorageProvider provider) : IAsyncLifetime
{
    private const string AdminKey = "crash-test-admin-key-0123456789";
    private const int Alerts = 1000;
    private TestDatabase _database = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        _folder = Directory.CreateTempSubdirectory("vigil-crash-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task SigkillMidDelivery_RestartDeliversEveryNotification_DuplicatesShareTheWebhookId()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(20);
        var environment = new Dictionary<string, string>
        {
            ["Vigil__Storage__Provider"] = provider.ToString(),
            ["Vigil__Storage__ConnectionString"] = _database.Options.ConnectionString!,
            ["Vigil__Auth__BootstrapAdminKey"] = AdminKey,
            ["Vigil__Delivery__AllowPrivateNetworks"] = "true",
            ["Vigil__Delivery__RateLimits__Webhook__Permits"] = "1000", // the default 50/s per webhook would make this test take longer
            ["Vigil__Jobs__LeaseDuration"] = "00:00:03", // a killed worker's jobs come back after 3 s
            ["Vigil__Jobs__HeartbeatInterval"] = "00:00:01",
            ["Vigil__Delivery__Timeout"] = "00:05:00", // the requests held until the kill do not time out (and retry) before it
        };

        var first = ServerProcess.Start(_folder, environment);
        await using (first)
        {
            await first.WaitUntilReadyAsync();
            var client = first.Client(AdminKey);
            var channel = await client.PostAsync("/api/v1/channels", Json.Body($$$"""{"name":"slow","type":"webhook","maxConcurrency":10,"config":{"url":"{{{receiver.Url()}}}"}}"""));
            Assert.Equal(HttpStatusCode.Created, channel.StatusCode);
            var channelId = (await channel.ReadAsync()).GetProperty("id").GetString();
            var rule = await client.PostAsync("/api/v1/alerts/rules", Json.Body($$"""
                {"name":"Crash test","metric":"crash_test_ms","groupBy":["id"],"aggregation":"max","windowMinutes":5,"threshold":100,
                 "severity":"critical","repeatIntervalMinutes":0,"channels":["{{channelId}}"]}
                """));
            Assert.Equal(HttpStatusCode.Created, rule.StatusCode);

            // One point per group: 1 000 alerts, 1 000 notifications, in one evaluation.
            var points = string.Join(',', Enumerable.Range(0, Alerts).Select(i => $$$"""{"name":"crash_test_ms","type":"timing","value":500,"labels":{"id":"a{{{i}}}"}}"""));
            (await client.PostAsync("/api/v1/metrics", Json.Body($$"""{"points":[{{points}}]}"""))).EnsureSuccessStatusCode();

            // Up to 90 s on a loaded machine: one pass opens the 1 000 alerts, then deliveries start.
            try
            {
                await receiver.WaitUntilAsync(r => r.Count >= 150, TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException)
            {
                var deliveries = await (await client.GetAsync("/api/v1/deliveries?limit=3")).Content.ReadAsStringAsync();
                Assert.Fail($"{receiver.Requests.Count} arrived; deliveries: {deliveries}; output: {first.Output}");
            }

            // From now on the receiver holds every request until its sender goes (the kill), so
            // deliveries are still pending when it comes however slowly the alerts commit.
            receiver.Delay = TimeSpan.FromMinutes(10);

            // A pass commits its alerts in chunks, and deliveries start with the first: kill
            // mid-delivery, once every alert (with its delivery job) has been committed.
            var stored = 0;
            for (var wait = 0; wait < 900 && stored < Alerts; wait++)
            {
                stored = (await (await client.GetAsync("/api/v1/alerts?limit=1000")).ReadAsync()).GetArrayLength();
                if (stored < Alerts)
                {
                    await Task.Delay(100);
                }
            }

            Assert.Equal(Alerts, stored);

            first.Kill();
        }

        var delivered = DistinctAlerts(receiver);
        Assert.InRange(delivered, 150, Alerts - 1); // killed mid-way
        receiver.Delay = TimeSpan.FromMilliseconds(20);

        await using var second = ServerProcess.Start(_folder, environment);
        await second.WaitUntilReadyAsync();
        // Counting the 200s first keeps the check cheap: the alert ids are read only once there can be enough.
        await receiver.WaitUntilAsync(r => r.Count(x => x.Status == 200) >= Alerts && DistinctAlerts(r) == Alerts, TimeSpan.FromSeconds(120));

        var requests = receiver.Requests.Where(r => r.Status == 200).ToList();
        Assert.Equal(Alerts, DistinctAlerts(receiver));
        foreach (var byAlert in requests.GroupBy(r => r.Json.GetProperty("alertId").GetString()))
        {
            Assert.Single(byAlert.Select(r => r.Header("webhook-id")).Distinct());
        }

        Assert.Equal(Alerts, requests.Select(r => r.Header("webhook-id")).Distinct().Count());
    }

    private static int DistinctAlerts(WebhookReceiver receiver) => DistinctAlerts(receiver.Requests);

    private static int DistinctAlerts(IReadOnlyList<ReceivedWebhook> requests) =>
        requests.Where(r => r.Status == 200).Select(r => r.Json.GetProperty("alertId").GetString()).Distinct().Count();
}

public sealed class SqliteCrashRecoveryTests() : CrashRecoveryTests(StorageProvider.Sqlite);

public sealed class PostgresCrashRecoveryTests() : CrashRecoveryTests(StorageProvider.Postgres);
