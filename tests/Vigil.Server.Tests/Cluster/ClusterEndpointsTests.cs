using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Cluster;
using Vigil.Storage;
using Vigil.Storage.Cluster;

namespace Vigil.Server.Tests.Cluster;

/// <summary>
/// Issue 14, item 4, in one process: <c>GET /api/v1/cluster</c> lists this node from its heartbeat
/// (on SQLite the only one), with the evaluator once it evaluated; a draining node refuses points
/// with 503 and <c>Retry-After</c>. The several-node behaviour is <see cref="ClusterProcessTests"/>.
/// </summary>
public abstract class ClusterEndpointsTests(StorageProvider provider) : ServerTestBase(provider)
{
    [Fact]
    public async Task Get_OneNode_ListsItselfAsTheEvaluatorOnceItEvaluated()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var admin = app.Admin();
        await app.RunPassAsync();
        await app.Services.GetRequiredService<ClusterHeartbeat>().BeatAsync(CancellationToken.None);

        var response = await admin.GetAsync("/api/v1/cluster");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cluster = await response.ReadAsync();
        var node = Assert.Single(cluster.GetProperty("nodes").EnumerateArray());
        Assert.Equal(cluster.GetProperty("self").GetString(), node.GetProperty("id").GetString());
        Assert.Equal(cluster.GetProperty("self").GetString(), cluster.GetProperty("evaluator").GetString());
        Assert.Equal(Environment.ProcessId, node.GetProperty("pid").GetInt32());
        Assert.True(node.GetProperty("self").GetBoolean());
        Assert.False(node.GetProperty("stale").GetBoolean());
        Assert.False(node.GetProperty("draining").GetBoolean());
        Assert.True(node.GetProperty("evaluates").GetBoolean());
        Assert.Equal(["evaluator"], node.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(0, node.GetProperty("evaluationLagMs").GetInt64());

        // A node that died holding the role a minute ago: listed as stale, not named the evaluator.
        var now = app.Time.GetUtcNow();
        await app.Services.GetRequiredService<ClusterNodeRepository>().BeatAsync(
            new ClusterNode("gone:1:dead", "gone", 1, "0.0.1", now.AddHours(-1), now.AddMinutes(-1), 10, TimeSpan.Zero, ["evaluator"], Draining: false));
        var withDead = await (await admin.GetAsync("/api/v1/cluster")).ReadAsync();
        var dead = withDead.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == "gone:1:dead");
        Assert.True(dead.GetProperty("stale").GetBoolean());
        Assert.Equal(cluster.GetProperty("self").GetString(), withDead.GetProperty("evaluator").GetString());
    }

    [Fact]
    public async Task Get_NotAdmin_Forbidden()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var viewer = await app.ClientWithRoleAsync("viewer");

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/v1/cluster")).StatusCode);
    }

    [Fact]
    public async Task Ingest_WhileDraining_503WithRetryAfterAndNothingRecorded()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var admin = app.Admin();
        app.Services.GetRequiredService<ClusterDrain>().Begin();

        var metrics = await admin.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"drain_probe","value":1}]}""");
        var jobs = await admin.PostJsonAsync("/api/v1/jobs/executions", """{"executions":[{"jobId":"nightly","success":true,"durationMs":5}]}""");
        var otlp = await admin.PostJsonAsync("/v1/metrics", "{}");

        foreach (var response in new[] { metrics, jobs, otlp })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(0, app.Services.GetRequiredService<Vigil.Core.Metrics.MetricStore>().IngestedPoints);
    }
}

public sealed class SqliteClusterEndpointsTests() : ClusterEndpointsTests(StorageProvider.Sqlite);

public sealed class PostgresClusterEndpointsTests() : ClusterEndpointsTests(StorageProvider.Postgres);
