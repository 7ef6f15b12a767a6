using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Hosting;

namespace Vigil.Server.Tests.Cluster;

/// <summary>
/// Issue 14, items 2 and 4, with three server processes on one PostgreSQL database: A and B run
/// jobs, C only takes calls (no job processing, no evaluation). A channel's
/// <c>maxConcurrency</c> 3 holds across A and B at a slow receiver; relay calls made to C answer
/// with the outcomes of deliveries A and B ran; <c>GET /api/v1/cluster</c> lists the three nodes
/// and the evaluator; SIGTERM on the evaluator while deliveries flow hands the role to the other
/// node, removes the stopped node from the list, and loses no delivery. One start of each node
/// serves every scenario: processes are expensive.
/// </summary>
public sealed class ClusterProcessTests : IAsyncLifetime
{
    private const string AdminKey = "cluster-process-admin-key-0123456789";
    private const int MaxConcurrency = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private PostgresNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await PostgresNodes.CreateAsync(AdminKey);

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task ThreeNodes_LimitHoldsAcrossNodes_RelayAnswersFromAnyNode_ClusterListsThem_DrainHandsOverEvaluationAndLosesNoDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(150); // a slow receiver: deliveries overlap
        // One after the other: the first creates the schema and the master key file all share.
        await using var a = await StartAsync(Environment());
        await using var b = await StartAsync(Environment());
        var callsOnly = Environment();
        callsOnly["Vigil__Jobs__ProcessingEnabled"] = "false";
        callsOnly["Vigil__Alerts__EvaluationEnabled"] = "false";
        await using var c = await StartAsync(callsOnly);
        var nodeC = c.Client(AdminKey);

        // The cluster: three live nodes, one of A and B evaluating.
        var cluster = await WaitForClusterAsync(nodeC, view => view.Live.Count == 3 && view.Evaluator is not null, "three live nodes and an evaluator");
        Assert.Equal(3, cluster.Nodes.Select(n => n.GetProperty("pid").GetInt32()).Distinct().Count());
        var ids = cluster.Nodes.ToDictionary(n => n.GetProperty("pid").GetInt32(), n => n.GetProperty("id").GetString()!);
        Assert.Equal(ids[c.Pid], cluster.Self);
        Assert.Contains(cluster.Evaluator, new[] { ids[a.Pid], ids[b.Pid] });
        Assert.All(cluster.Nodes, n => Assert.False(n.GetProperty("stale").GetBoolean()));

        // A channel with maxConcurrency 3 behind a relay endpoint; 18 calls, all made to C.
        var channel = await nodeC.PostJsonAsync("/api/v1/channels", $$$"""{"name":"slow","type":"webhook","maxConcurrency":{{{MaxConcurrency}}},"config":{"url":"{{{receiver.Url()}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, channel.StatusCode);
        var channelId = (await channel.ReadAsync()).GetProperty("id").GetString()!;
        var endpoint = await nodeC.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"orders","name":"Orders","integrations":["{{channelId}}"],"allowUnauthenticated":true}""");
        Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);

        var first = await Task.WhenAll(Enumerable.Range(0, 18).Select(i => RelayAsync(c, i)));

        // C ran none of them, yet each call answers with its delivery's outcome.
        Assert.All(first, stats => Assert.Equal((1, 1), stats));
        Assert.Equal(18, receiver.Requests.Count);
        Assert.InRange(receiver.MaxInFlight, 1, MaxConcurrency);

        // SIGTERM the evaluator while 12 more deliveries flow: the other takes over, none is lost.
        var (evaluator, other) = cluster.Evaluator == ids[a.Pid] ? (a, b) : (b, a);
        var second = Enumerable.Range(18, 12).Select(i => RelayAsync(c, i)).ToArray();
        await receiver.WaitForArrivalsAsync(20, Patience); // sent by other processes: slow on a loaded machine
        await evaluator.StopGracefullyAsync();

        Assert.Equal(0, evaluator.ExitCode);
        Assert.All(await Task.WhenAll(second), stats => Assert.Equal(1, stats.Total));
        await receiver.WaitUntilAsync(requests => Bodies(requests).Count == 30, Patience);
        Assert.True(Bodies(receiver.Requests).SetEquals(Enumerable.Range(0, 30).Select(i => $"{{\"n\":{i}}}")));
        Assert.InRange(receiver.MaxInFlight, 1, MaxConcurrency);
        var after = await WaitForClusterAsync(nodeC, view => view.Evaluator == ids[other.Pid] && view.Nodes.Count == 2, "the other node evaluating, the stopped one gone");
        Assert.DoesNotContain(after.Nodes, n => n.GetProperty("id").GetString() == ids[evaluator.Pid]);
        Assert.Contains(evaluator.Output.Split('\n'), line => line.Contains("Draining", StringComparison.Ordinal));
    }

    private static HashSet<string> Bodies(IReadOnlyList<ReceivedWebhook> requests) => [.. requests.Select(r => r.Text)];

    private static async Task<(int Total, int Successful)> RelayAsync(ServerProcess node, int n)
    {
        using var client = node.Client(null);
        client.Timeout = TimeSpan.FromSeconds(90);
        var response = await client.PostAsync("/api/webhook/orders", new StringContent($"{{\"n\":{n}}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stats = (await response.ReadAsync()).GetProperty("stats");
        return (stats.GetProperty("total").GetInt32(), stats.GetProperty("successful").GetInt32());
    }

    private static Dictionary<string, string> Environment() => new()
    {
        ["Vigil__Cluster__HeartbeatInterval"] = "00:00:01",
        ["Vigil__Relay__WaitTimeout"] = "00:01:00",
        ["Vigil__Relay__RequestsPerSecond"] = "1000",
    };

    private Task<ServerProcess> StartAsync(Dictionary<string, string> environment) => _nodes.StartAsync(environment);

    private static async Task<ClusterView> WaitForClusterAsync(HttpClient node, Func<ClusterView, bool> condition, string what, TimeSpan? limit = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var body = await (await node.GetAsync("/api/v1/cluster")).ReadAsync();
            var view = new ClusterView(
                body.GetProperty("self").GetString()!,
                body.GetProperty("evaluator").ValueKind == JsonValueKind.Null ? null : body.GetProperty("evaluator").GetString(),
                [.. body.GetProperty("nodes").EnumerateArray()]);
            if (condition(view))
            {
                return view;
            }

            Assert.True(watch.Elapsed < (limit ?? Patience), $"{what}: not within {(limit ?? Patience).TotalSeconds} s; last seen {body}");
            await Task.Delay(50);
        }
    }

    private sealed record ClusterView(string Self, string? Evaluator, IReadOnlyList<JsonElement> Nodes)
    {
        public IReadOnlyList<JsonElement> Live => [.. Nodes.Where(n => !n.GetProperty("stale").GetBoolean() && !n.GetProperty("draining").GetBoolean())];
    }
}
