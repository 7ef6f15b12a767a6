using Vigil.Storage;
using Vigil.Storage.Coordination;

namespace Vigil.Monitoring.Scheduling;

/// <summary>
/// Decides which process runs the monitors' checks: the holder of the monitors'
/// <see cref="ExclusiveRole"/> (always this process on SQLite; on PostgreSQL one of the processes
/// sharing the database, another taking over within a reload interval when it dies), the way
/// the alert evaluator's leader is chosen.
/// </summary>
public sealed partial class MonitorLeader(Database database, ILogger<MonitorLeader> logger) : IAsyncDisposable
{
    private const long LockKey = 0x56_49_47_49_4C_10; // "VIGIL" + 0x10

    private readonly ExclusiveRole _role = new(database, LockKey);

    /// <summary>Whether this process runs the checks (acquiring the role when it is free).</summary>
    public async ValueTask<bool> IsLeaderAsync(CancellationToken cancellationToken = default)
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

        return check.IsHeld;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _role.DisposeAsync();

    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "This process now runs the uptime monitors' checks")]
    private partial void LogBecameLeader();

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "The uptime monitors' lock was lost; another process may take over")]
    private partial void LogLostLeadership(Exception? exception);
}
