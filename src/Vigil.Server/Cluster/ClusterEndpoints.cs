using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Server.Auth;
using Vigil.Storage.Cluster;

namespace Vigil.Server.Cluster;

/// <summary><c>GET /api/v1/cluster</c>: the nodes sharing the database, from their heartbeats.</summary>
internal static class ClusterEndpoints
{
    /// <summary>Heartbeats missed before a node counts as stale.</summary>
    public const int StaleAfterBeats = 3;

    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cluster", GetAsync)
            .RequireAuthorization(Policies.Admin)
            .WithTags("Cluster")
            .WithSummary("The Vigil nodes sharing this database (heartbeats in PostgreSQL; on SQLite this one): which one evaluates the rules, each one's ingest rate and evaluation lag; nodes silent for three heartbeats are marked stale.");
        return app;
    }

    private static async Task<Ok<ClusterResponse>> GetAsync(
        ClusterNodeRepository nodes, NodeIdentity identity, TimeProvider time, IOptions<ClusterOptions> options, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var staleBefore = now - (options.Value.HeartbeatInterval * StaleAfterBeats);
        var listed = (await nodes.ListAsync(cancellationToken).ConfigureAwait(false))
            .Select(n => ClusterNodeResponse.From(n, stale: n.LastSeen < staleBefore, self: n.NodeId == identity.NodeId))
            .ToArray();
        // Two claims: one from a node that died with the role (not stale yet) and one from the node
        // that took it over since; the newer claim is the true one.
        var evaluator = listed.Where(n => n.Evaluates && !n.Stale).MaxBy(n => n.LastSeenAt)?.Id;
        return TypedResults.Ok(new ClusterResponse(identity.NodeId, evaluator, listed));
    }
}

/// <summary>The cluster as <c>GET /api/v1/cluster</c> shows it.</summary>
/// <param name="Self">The id of the node that answered.</param>
/// <param name="Evaluator">The id of the live node that evaluates the rules, or null when none has said so yet.</param>
/// <param name="Nodes">Every node with a heartbeat in the last hour, oldest start first.</param>
public sealed record ClusterResponse(string Self, string? Evaluator, IReadOnlyList<ClusterNodeResponse> Nodes);

/// <summary>One node as its last heartbeat described it.</summary>
/// <param name="Id">The node's id (host:pid:random, new at each start).</param>
/// <param name="Host">Its machine.</param>
/// <param name="Pid">Its process id.</param>
/// <param name="Version">Its Vigil version.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="LastSeenAt">Its last heartbeat.</param>
/// <param name="Stale">Whether it missed three heartbeats (it probably died).</param>
/// <param name="Draining">Whether it is shutting down.</param>
/// <param name="Self">Whether it is the node that answered.</param>
/// <param name="IngestPointsPerSecond">Points it accepted per second between its last two heartbeats.</param>
/// <param name="EvaluationLagMs">How long before its last heartbeat its last evaluation pass ran (the evaluator only).</param>
/// <param name="Evaluates">Whether it holds the evaluator's role.</param>
/// <param name="Roles">The exclusive roles it holds.</param>
public sealed record ClusterNodeResponse(
    string Id,
    string Host,
    int Pid,
    string Version,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeenAt,
    bool Stale,
    bool Draining,
    bool Self,
    double IngestPointsPerSecond,
    long? EvaluationLagMs,
    bool Evaluates,
    IReadOnlyList<string> Roles)
{
    internal static ClusterNodeResponse From(ClusterNode node, bool stale, bool self) => new(
        node.NodeId,
        node.Host,
        node.Pid,
        node.Version,
        node.StartedAt,
        node.LastSeen,
        stale,
        node.Draining,
        self,
        Math.Round(node.IngestPointsPerSecond, 1),
        node.EvaluationLag is { } lag ? (long)lag.TotalMilliseconds : null,
        node.Roles.Contains(ClusterHeartbeat.EvaluatorRole),
        node.Roles);
}
