using Vigil.Storage;
using Vigil.Storage.Coordination;

namespace Vigil.Server.Alerts;

/// <summary>
/// Decides which process evaluates the rules: the holder of the evaluator's
/// <see cref="ExclusiveRole"/> (always this process on SQLite; on PostgreSQL one of the
/// processes sharing the database, another taking over when it dies), and serialises changes
/// to open alerts across processes.
/// </summary>
internal sealed partial class EvaluationLeader(Database database, ILogger<EvaluationLeader> logger) : IAsyncDisposable
{
    private const long LeaderLockKey = 0x56_49_47_49_4C_01; // "VIGIL" + 1
    private const long AlertsLockKey = 0x56_49_47_49_4C_02; // "VIGIL" + 2

    private readonly ExclusiveRole _role = new(database, LeaderLockKey);

    /// <summary>Whether other processes may change alerts in the same database (PostgreSQL).</summary>
    public bool SharesDatabase => _role.IsShared;

    /// <summary>Whether this process is the one that evaluates (acquiring the role when it is free).</summary>
    public async ValueTask<bool> IsLeaderAsync(CancellationToken cancellationToken)
    {
        var check = await _role.CheckAsync(cancellationToken).ConfigureAwait(false);
        if (check.State == RoleState.Acquired)
        {
            LogBecameLeader();
        }
        else if (check.State == RoleState.Lost)
        {
            LogLostLeadership(check.Error);
        }

        IsLeader = check.IsHeld;
        return check.IsHeld;
    }

    /// <summary>Whether this process evaluated at its last check (what the cluster heartbeat reports).</summary>
    public bool IsLeader { get; private set; }

    /// <summary>Shutting down: gives the evaluator's role up so another process takes it at its next tick.</summary>
    public async ValueTask ResignAsync(CancellationToken cancellationToken)
    {
        await _role.ResignAsync(cancellationToken).ConfigureAwait(false);
        IsLeader = false;
        LogResigned();
    }

    /// <summary>
    /// Serialises changes to open alerts across processes (an evaluation pass on the leader,
    /// an acknowledgement through another process's API): the holder reloads, changes and
    /// saves while no other process does. A no-op on SQLite, where the engine's own lock is enough.
    /// </summary>
    public ValueTask<IAsyncDisposable> LockAlertsAsync(CancellationToken cancellationToken) =>
        SharedLock.AcquireAsync(database, AlertsLockKey, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _role.DisposeAsync();

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "This process now evaluates the alert rules (it holds the evaluation lock)")]
    private partial void LogBecameLeader();

    [LoggerMessage(EventId = 4022, Level = LogLevel.Information, Message = "This process gave up evaluating the alert rules: it is shutting down")]
    private partial void LogResigned();

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "The evaluation lock was lost; another process may take over")]
    private partial void LogLostLeadership(Exception? exception);
}
