using System.Data.Common;
using Dapper;

namespace Vigil.Storage.Users;

/// <summary>
/// Reads and writes the dashboard's user accounts. Names are unique without regard to case
/// (compared by their lower-case invariant form). The changes that must leave the dashboard an
/// admin, and the one-time creation of the first admin, are decided inside the statement that
/// makes them, so two requests racing cannot both pass the check.
/// </summary>
/// <remarks>
/// On PostgreSQL those statements also run under a lock on the table: at READ COMMITTED a
/// statement's check does not see another transaction's uncommitted change (two admins demoting
/// each other at once would each still count two admins). On SQLite the single writer serialises
/// them already.
/// </remarks>
public sealed class UserRepository
{
    private const string Columns =
        "id AS Id, user_name AS UserName, password_hash AS PasswordHash, role AS Role, stamp AS Stamp, failed_attempts AS FailedAttempts, " +
        "locked_until AS LockedUntilMs, created_at AS CreatedAtMs, last_sign_in_at AS LastSignInAtMs";

    private const string InsertColumns =
        "id, user_name, user_name_key, password_hash, role, stamp, failed_attempts, locked_until, created_at, last_sign_in_at";

    private const string InsertValues =
        "@Id, @UserName, @UserNameKey, @PasswordHash, @Role, @Stamp, @FailedAttempts, @LockedUntilMs, @CreatedAtMs, @LastSignInAtMs";

    // Leaves the row alone when it is the last admin's and the change would take the role away.
    private const string KeepsAnAdmin = "(role <> 'admin' OR (SELECT COUNT(*) FROM users WHERE role = 'admin') > 1)";

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public UserRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Number of users.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores the first admin, only while there are no users at all: of two visitors racing on the
    /// one-time set-up link, one is stored and the other is told no.
    /// </summary>
    /// <returns>Whether <paramref name="user"/> was stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="user"/> is not an admin.</exception>
    public async Task<bool> TryCreateFirstAdminAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Role != UserRoles.Admin)
        {
            throw new ArgumentException($"The first user must be an admin, not '{user.Role}'.", nameof(user));
        }

        return await InTableLockAsync(
            async (connection, transaction) => await connection.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO users ({InsertColumns})
                SELECT {InsertValues}
                WHERE NOT EXISTS (SELECT 1 FROM users)
                """, InsertParameters(user), transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores a new user; returns false when another user has the same name, whatever its case.</summary>
    /// <exception cref="ArgumentException">The role is not one of <see cref="UserRoles"/>.</exception>
    public async Task<bool> CreateAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ThrowIfUnknownRole(user.Role, nameof(user));
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO users ({InsertColumns})
            VALUES ({InsertValues})
            ON CONFLICT (user_name_key) DO NOTHING
            """, InsertParameters(user), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }

    /// <summary>The user with this name, whatever its case, or null.</summary>
    public async Task<UserRecord?> FindByNameAsync(string userName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE user_name_key = @key",
            new { key = KeyOf(userName) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    /// <summary>The user with this id, or null.</summary>
    public async Task<UserRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    /// <summary>All users, by name (without regard to case).</summary>
    public async Task<IReadOnlyList<UserRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users ORDER BY user_name_key, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>
    /// Counts a failed sign-in; the <paramref name="maxAttempts"/>-th in a row locks the account
    /// until <paramref name="nowMs"/> + <paramref name="lockoutMs"/> and starts the count again.
    /// Callers refuse a locked account before they check its password.
    /// </summary>
    /// <returns>Whether the account is locked at <paramref name="nowMs"/> (false when no user has that id).</returns>
    public async Task<bool> RecordFailureAsync(string id, int maxAttempts, long lockoutMs, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(lockoutMs);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var lockedUntil = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            """
            UPDATE users SET
                failed_attempts = CASE WHEN failed_attempts + 1 >= @maxAttempts THEN 0 ELSE failed_attempts + 1 END,
                locked_until = CASE WHEN failed_attempts + 1 >= @maxAttempts THEN @lockedUntilMs ELSE locked_until END
            WHERE id = @id
            RETURNING locked_until
            """, new { id, maxAttempts, lockedUntilMs = nowMs + lockoutMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return lockedUntil > nowMs;
    }

    /// <summary>Records a successful sign-in: forgets the failures and any lock-out.</summary>
    public async Task RecordSignInAsync(string id, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = @nowMs WHERE id = @id",
            new { id, nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the password hash and the stamp (which signs out the user's sessions), and lifts
    /// any lock-out; returns false when no user has that id.
    /// </summary>
    public async Task<bool> SetPasswordAsync(string id, string passwordHash, string newStamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(passwordHash);
        ArgumentNullException.ThrowIfNull(newStamp);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET password_hash = @passwordHash, stamp = @newStamp, failed_attempts = 0, locked_until = NULL
            WHERE id = @id
            """, new { id, passwordHash, newStamp }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }

    /// <summary>
    /// Gives the user <paramref name="role"/> and, when that changes it, <paramref name="newStamp"/>
    /// (which signs out the user's sessions). Demoting the last admin is refused.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="role"/> is not one of <see cref="UserRoles"/>.</exception>
    public Task<UserChange> SetRoleAsync(string id, string role, string newStamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ThrowIfUnknownRole(role, nameof(role));
        ArgumentNullException.ThrowIfNull(newStamp);
        return InTableLockAsync(
            (connection, transaction) => ChangeAsync(connection, transaction, id, new CommandDefinition(
                $"""
                UPDATE users SET role = @role, stamp = CASE WHEN role = @role THEN stamp ELSE @newStamp END
                WHERE id = @id AND (@role = 'admin' OR {KeepsAnAdmin})
                """, new { id, role, newStamp }, transaction, cancellationToken: cancellationToken)),
            cancellationToken);
    }

    /// <summary>Deletes the user; deleting the last admin is refused.</summary>
    public Task<UserChange> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return InTableLockAsync(
            (connection, transaction) => ChangeAsync(connection, transaction, id, new CommandDefinition(
                $"DELETE FROM users WHERE id = @id AND {KeepsAnAdmin}", new { id }, transaction, cancellationToken: cancellationToken)),
            cancellationToken);
    }

    /// <summary>Lifts a lock-out and forgets the failures; returns false when no user has that id.</summary>
    public async Task<bool> UnlockAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = @id",
            new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }

    /// <summary>The lower-case invariant form of a name, unique in the table.</summary>
    private static string KeyOf(string userName) => userName.ToLowerInvariant();

    private static object InsertParameters(UserRecord user) => new
    {
        user.Id,
        user.UserName,
        UserNameKey = KeyOf(user.UserName),
        user.PasswordHash,
        user.Role,
        user.Stamp,
        user.FailedAttempts,
        user.LockedUntilMs,
        user.CreatedAtMs,
        user.LastSignInAtMs,
    };

    private static void ThrowIfUnknownRole(string role, string parameterName)
    {
        if (!UserRoles.IsKnown(role))
        {
            throw new ArgumentException($"Unknown role '{role}': expected '{UserRoles.Viewer}' or '{UserRoles.Admin}'.", parameterName);
        }
    }

    /// <summary>Runs a guarded change; when it touched no row, tells a missing user from a refused one.</summary>
    private static async Task<UserChange> ChangeAsync(DbConnection connection, DbTransaction transaction, string id, CommandDefinition change)
    {
        if (await connection.ExecuteAsync(change).ConfigureAwait(false) == 1)
        {
            return UserChange.Done;
        }

        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users WHERE id = @id", new { id }, transaction, cancellationToken: change.CancellationToken)).ConfigureAwait(false);
        return exists == 0 ? UserChange.NotFound : UserChange.LastAdmin;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction in the writer's turn, on PostgreSQL with the
    /// table locked against every other write (readers go on) until it commits.
    /// </summary>
    private async Task<T> InTableLockAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (_database.Provider == StorageProvider.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>A row as the providers return it (SQLite's integers are 64-bit).</summary>
    private sealed class Row
    {
        public string Id { get; init; } = "";

        public string UserName { get; init; } = "";

        public string PasswordHash { get; init; } = "";

        public string Role { get; init; } = "";

        public string Stamp { get; init; } = "";

        public long FailedAttempts { get; init; }

        public long? LockedUntilMs { get; init; }

        public long CreatedAtMs { get; init; }

        public long? LastSignInAtMs { get; init; }

        public UserRecord ToRecord() =>
            new(Id, UserName, PasswordHash, Role, Stamp, (int)FailedAttempts, LockedUntilMs, CreatedAtMs, LastSignInAtMs);
    }
}
