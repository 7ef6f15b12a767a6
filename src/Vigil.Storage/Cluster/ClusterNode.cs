namespace Vigil.Storage.Cluster;

/// <summary>
/// One Vigil process as its last heartbeat described it.
/// </summary>
/// <param name="NodeId">The process's id, new at each start.</param>
/// <param name="Host">The machine's name.</param>
/// <param name="Pid">The operating system's process id.</param>
/// <param name="Version">Vigil's version.</param>
/// <param name="StartedAt">When the process started.</param>
/// <param name="LastSeen">Its last heartbeat.</param>
/// <param name="IngestPointsPerSecond">Points it accepted per second since its previous heartbeat.</param>
/// <param name="EvaluationLag">How long ago its last evaluation pass ran, when it evaluates.</param>
/// <param name="Roles">The exclusive roles it holds (<c>evaluator</c>...).</param>
/// <param name="Draining">Whether it is shutting down.</param>
public sealed record ClusterNode(
    string NodeId,
    string Host,
    int Pid,
    string Version,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeen,
    double IngestPointsPerSecond,
    TimeSpan? EvaluationLag,
    IReadOnlyList<string> Roles,
    bool Draining);
