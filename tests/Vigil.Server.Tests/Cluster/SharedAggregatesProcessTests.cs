using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Hosting;

namespace Vigil.Server.Tests.Cluster;

/// <summary>
/// Issue 14, item 1, with three server processes on one PostgreSQL database and a client
/// spreading points across them: every node answers the same numbers, those of all the points
/// (what one node given every point would answer); a rule that only the sum of the nodes' points
/// crosses fires once and notifies once; minutes that have ended are written to the rollups once,
/// whole; a node killed with SIGKILL after its points were shipped takes none of them along, the
/// evaluation moves to another node without a second notification, and a node started afterwards
/// sees every point too.
/// </summary>
public sealed class SharedAggregatesProcessTests : IAsyncLifetime
{
    private const string AdminKey = "shared-aggregates-admin-key-0123456789";
    private const int PointsPerNode = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private PostgresNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await PostgresNodes.CreateAsync(AdminKey);

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task ThreeNodes_PointsSpreadAcrossThem_EveryNodeCountsEachOnce_RuleOnTheSumFiresOnce_RollupsWhole_SurvivesSigkill()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var a = await StartAsync();
        await using var b = await StartAsync();
        await using var c = await StartAsync();
        ServerProcess[] nodes = [a, b, c];

        // A rule on the count of checkouts per service: 10 on any one node, 30 in all.
        var channel = await a.Client(AdminKey).PostJsonAsync("/api/v1/channels", $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{receiver.Url()}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, channel.StatusCode);
        var channelId = (await channel.ReadAsync()).GetProperty("id").GetString();
        var rule = await a.Client(AdminKey).PostJsonAsync("/api/v1/alerts/rules", $$"""
            {"name":"Checkout burst","metric":"checkout_ms","groupBy":["service"],"aggregation":"count","windowMinutes":10,
             "thresholdType":"static","threshold":25,"comparison":"greater_than","severity":"critical","channels":["{{channelId}}"]}
            """);
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        var ruleId = (await rule.ReadAsync()).GetProperty("id").GetString();

        // 30 timings of 1…30 ms now, and 12 counter steps three minutes ago (a minute that has ended),
        // each node receiving a third.
        var now = DateTimeOffset.UtcNow;
        var past = now.AddMinutes(-3);
        for (var n = 0; n < nodes.Length; n++)
        {
            var points = Enumerable.Range(0, PointsPerNode).Select(i => n * PointsPerNode + i + 1)
                .Select(v => $$"""{"name":"checkout_ms","type":"timing","value":{{v}},"labels":{"service":"shop"},"timestamp":"{{now:O}}"}""")
                .Concat(Enumerable.Range(0, 4).Select(_ => $$"""{"name":"orders_total","type":"counter","value":1,"timestamp":"{{past:O}}"}"""));
            var ingest = await nodes[n].Client(AdminKey).PostJsonAsync("/api/v1/metrics", $$"""{"points":[{{string.Join(',', points)}}]}""");
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        }

        // Every node answers what one node with all 30 points would: count 30, sum 465, p95 29 (nearest rank).
        foreach (var node in nodes)
        {
            await WaitForSeriesAsync(node, "checkout_ms", "count", 30);
            Assert.Equal(465, await SeriesValueAsync(node, "checkout_ms", "sum"));
            Assert.Equal(29, (await SeriesValueAsync(node, "checkout_ms", "p95"))!.Value, 0.3);
            await WaitForSeriesAsync(node, "orders_total", "sum", 12);
        }

        // The rule fires once, on the sum, and notifies once.
        var firing = await receiver.WaitUntilAsync(r => r.Any(x => x.Status == 200), Patience);
        var alertId = firing.First(x => x.Status == 200).Json.GetProperty("alertId").GetString();

        // The ended minute is in the rollups once and whole (the writer's full view, not one node's third).
        await WaitForStoredCountAsync("orders_total", 12);

        // SIGKILL the evaluator: another node takes the role; the points B… received stay counted,
        // and the open alert is not notified again.
        var watch = Stopwatch.StartNew();
        int? evaluator;
        while ((evaluator = await EvaluatorAsync(c.Client(AdminKey))) is null)
        {
            // None for a moment when the evaluator's heartbeat is late (a loaded machine).
            Assert.True(watch.Elapsed < Patience, "no node evaluates");
            await Task.Delay(100);
        }

        var killed = nodes.Single(n => n.Pid == evaluator);
        killed.Kill();
        await killed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var survivors = nodes.Where(n => n != killed).ToArray();
        watch.Restart();
        while (await EvaluatorAsync(survivors[0].Client(AdminKey)) is not { } next || next == evaluator)
        {
            Assert.True(watch.Elapsed < Patience, "no other node took the evaluation over");
            await Task.Delay(100);
        }

        foreach (var node in survivors)
        {
            Assert.Equal(30, await SeriesValueAsync(node, "checkout_ms", "count"));
        }

        // A node started now restores every point: the ended minute from the rollups, the current one from the shipments.
        await using var d = await StartAsync();
        Assert.Equal(30, await SeriesValueAsync(d, "checkout_ms", "count"));
        Assert.Equal(12, await SeriesValueAsync(d, "orders_total", "sum"));

        // Two evaluation passes on the new evaluator later, still one notification of the one alert.
        await WaitForAlertSeenByNewEvaluatorAsync(survivors[0].Client(AdminKey), alertId!);
        Assert.Single(receiver.Requests, r => r.Status == 200);
        var alerts = await (await d.Client(AdminKey).GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync();
        Assert.Equal(alertId, Assert.Single(alerts.EnumerateArray()).GetProperty("id").GetString());
    }

    private static async Task<int?> EvaluatorAsync(HttpClient node)
    {
        var body = await (await node.GetAsync("/api/v1/cluster")).ReadAsync();
        var evaluator = body.GetProperty("evaluator");
        if (evaluator.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return body.GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("id").GetString() == evaluator.GetString() && !n.GetProperty("stale").GetBoolean())
            .Select(n => (int?)n.GetProperty("pid").GetInt32()).FirstOrDefault();
    }

    // The new evaluator's lag shows it has run passes since it took over: the alert it loaded stays open and quiet.
    private static async Task WaitForAlertSeenByNewEvaluatorAsync(HttpClient node, string alertId)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var alert = await (await node.GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync();
            var cluster = await (await node.GetAsync("/api/v1/cluster")).ReadAsync();
            var evaluating = cluster.GetProperty("nodes").EnumerateArray().FirstOrDefault(n => n.GetProperty("id").GetString() == cluster.GetProperty("evaluator").GetString());
            if (alert.GetProperty("status").GetString() == "firing" && evaluating.ValueKind == JsonValueKind.Object
                && evaluating.GetProperty("evaluationLagMs").ValueKind == JsonValueKind.Number && evaluating.GetProperty("evaluationLagMs").GetInt64() < 2_000)
            {
                return;
            }

            Assert.True(watch.Elapsed < Patience, $"the new evaluator did not run: {alert} {cluster}");
            await Task.Delay(100);
        }
    }

    private static async Task<double?> SeriesValueAsync(ServerProcess node, string metric, string agg)
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        var to = DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds();
        var body = await (await node.Client(AdminKey).GetAsync($"/api/v1/series?metric={metric}&agg={agg}&from={from}&to={to}")).ReadAsync();
        var series = body.GetProperty("series").EnumerateArray().ToList();
        return series.Count == 0 ? null : series.Single().GetProperty("points")[0][1].GetDouble();
    }

    private static async Task WaitForSeriesAsync(ServerProcess node, string metric, string agg, double expected)
    {
        var watch = Stopwatch.StartNew();
        double? value;
        while ((value = await SeriesValueAsync(node, metric, agg)) != expected)
        {
            Assert.True(watch.Elapsed < Patience, $"{metric} {agg} on node {node.Pid}: {value?.ToString(CultureInfo.InvariantCulture) ?? "none"}, not {expected}");
            await Task.Delay(50);
        }
    }

    private async Task WaitForStoredCountAsync(string metric, long expected)
    {
        await using var connection = new NpgsqlConnection(_nodes.Database.Options.ConnectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT coalesce(sum(r.count), 0)::bigint FROM rollups_1m r JOIN series s ON s.id = r.series_id WHERE s.name = @name", connection);
            command.Parameters.AddWithValue("name", metric);
            var stored = (long)(await command.ExecuteScalarAsync())!;
            if (stored == expected)
            {
                return;
            }

            Assert.True(stored < expected, $"{metric}: {stored} points in the rollups, more than the {expected} sent");
            Assert.True(watch.Elapsed < Patience, $"{metric}: {stored} points in the rollups, not {expected}");
            await Task.Delay(200);
        }
    }

    private Task<ServerProcess> StartAsync() =>
        _nodes.StartAsync(new Dictionary<string, string> { ["Vigil__Cluster__HeartbeatInterval"] = "00:00:01" });
}
